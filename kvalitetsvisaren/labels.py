"""Pure: the Swedish words and icons for quartiles and trends, and Swedish number formatting.
Shared by the Dash components and the (Dash-free) figures."""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Sequence

import pandas as pd

QUARTILES: dict[str, tuple[str, str]] = {
    "green": ("▲", "Bäst 25 %"),
    "yellow": ("■", "Mellan 50 %"),
    "red": ("▼", "Sämst 25 %"),
    "grey": ("○", "Saknas"),
    "neutral": ("◇", "Sammanhang"),
}
LOCAL = ("⌂", "Lokal uppgift")  # own measures: no national quartile
TRENDS = {"better": "bättre", "worse": "sämre", "same": "oförändrat"}  # keys: trends.py's
WITHIN_MARGIN = "oförändrat inom felmarginalen"  # a survey share that moved within its margin
NBSP, THIN = "\u00a0", "\u202f"


def quartile_label(colour: str) -> str:
    icon, word = QUARTILES.get(colour, QUARTILES["grey"])
    return f"{icon} {word}"


def is_missing(value: object) -> bool:
    """The one test for a missing single value: None, pandas' NA or a float NaN (what a
    frame's cell holds where there is nothing)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, unit: str = "") -> str:
    """Swedish formatting: decimal comma, thin space between thousands, a real minus sign,
    the unit after a no-break space."""
    if is_missing(value):
        return "–"
    decimals = 0 if abs(value) >= 1000 or float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}".replace(",", THIN).replace(".", ",").replace("-", "−")
    if unit in ("", "ja/nej"):
        return text
    return f"{text}{NBSP}{unit}"


def change_unit(unit: str) -> str:
    """The unit of a change: a change of a share is in percentage points (p.e.), not per
    cent; any other unit stays."""
    return "p.e." if unit == "%" else unit


def change_text(change: float, unit: str) -> str:
    """A known change with its arrow and sign: "↑ +2 p.e.", "↓ −1,5 dagar", "→ 0"."""
    arrow = "↑" if change > 0 else "↓" if change < 0 else "→"
    sign = "+" if change > 0 else "−" if change < 0 else ""
    return f"{arrow} {sign}{number(abs(change), change_unit(unit))}"


def source_text(year: int, vintage: str | None, universe: str = "kommuner") -> str:
    """The source line of a page or an image: raw values are Kolada's, colours our own
    processing. `vintage`: when the part of the data shown (municipality or unit values) was
    fetched."""
    if universe == "lokal":  # an own measure: the municipality's data, no ranking
        return f"Källa: kommunens egen uppgift, {year}. Jämförs inte med landets kommuner."
    fetched = vintage[:10] if vintage else "okänt datum"
    return (
        f"Källa: Kolada (RKA), data {year}, hämtad {fetched}. Färgsättning: egen bearbetning "
        f"(kvartiler bland landets {universe})."
    )


def esc(text: object) -> str:
    """Text for a plotly label: plotly reads a few HTML tags in labels (<b>, <br>, <a href>),
    so names from the data are escaped and always show as the text they are."""
    return html.escape(str(text), quote=False)


def fold(text: str) -> str:
    """Case and accents ignored: "goteborg" finds Göteborg, "tiunda" Tiundaskolan."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def year_list(years: Sequence[int]) -> str:
    """ "2010–2019, 2021 och 2022": runs of consecutive years joined."""
    ordered = sorted(set(years))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    text = ", ".join(parts)
    head, sep, tail = text.rpartition(", ")
    return f"{head} och {tail}" if sep else text
