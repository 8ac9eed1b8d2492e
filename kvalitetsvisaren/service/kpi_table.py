"""Level 2's KPI table, defined once for the page (views) and for the one-pager and the
presentation (export, deck): its rows (the area's KPIs from IndicatorService.area_kpis, in
config order), its columns in order with their headings, when the local columns are shown,
and the printed table's text cells. The page draws the same columns with its components
(links, badges, small second lines); paper gets text.

Pure: pandas, no Dash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..labels import LOCAL, QUARTILES, change_unit, is_missing, number
from . import certainty_view
from .facade import IndicatorService


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # on the page
    printed: str | None  # on the one-pager and the slides; None: on the page only
    local: bool = False  # only with the local layer (has_local)


COLUMNS = (
    Column("kpi", "Nyckeltal", "Nyckeltal"),
    Column("value", "Värde", "Värde"),
    Column("colour", "Jämfört med landet", "Jämfört med landet"),
    Column("place", "Placering", "Placering"),
    Column("riket", "Riket", "Riket"),
    Column("change", "Förändring sedan förra mätningen", "Förändring"),
    Column("flags", "Observera", None),
    Column("learn", "Lär av andra", None),
    Column("target", "Mål", "Mål", local=True),
    Column("comment", "Vår analys", None, local=True),
)


def has_local(kpis: pd.DataFrame, *, printed: bool) -> bool:
    """Whether the table shows the local columns for these rows (area_kpis): on the page when
    the municipality set a target or wrote an analysis for any of them; on paper when it set a
    target (its analyses follow the printed table as notes, export.analyses)."""
    targets = bool(kpis["target"].notna().any())
    return targets if printed else targets or bool(kpis["comment"].ne("").any())


def columns(*, local: bool, printed: bool) -> list[Column]:
    """The columns shown, in order: the page's or the printed table's."""
    return [
        c for c in COLUMNS if (local or not c.local) and (c.heading if not printed else c.printed)
    ]


def headings(*, local: bool, printed: bool) -> list[str]:
    return [c.printed if printed else c.heading for c in columns(local=local, printed=printed)]


def printed_table(svc: IndicatorService, area: str, municipality: str, year: int) -> pd.DataFrame:
    """The area's KPIs as the one-pager and the presentation show them: Swedish headings, the
    values formatted as the page formats them (labels.number), the quartile's icon and word
    with its certainty, the target when the municipality has any, and its own measures."""
    kpis = svc.area_kpis(area, municipality, year)
    units = kpis["unit"]
    cells = {
        "kpi": kpis["measure_label"] + ": " + kpis["label"],
        "value": [number(v, u) for v, u in zip(kpis["value"], units, strict=True)],
        "colour": [
            " ".join(QUARTILES[c]) + certainty_cell(c, k)
            for c, k in zip(kpis["colour"], kpis["certainty"], strict=True)
        ],
        "place": kpis["rank_text"],
        "riket": [number(v, u) for v, u in zip(kpis["riket"], units, strict=True)],
        "change": [signed(c, change_unit(u)) for c, u in zip(kpis["change"], units, strict=True)],
        "target": [
            target_cell(t, s, u)
            for t, u, s in zip(kpis["target"], units, kpis["target_status"], strict=True)
        ],
    }
    shown = columns(local=has_local(kpis, printed=True), printed=True)
    table = pd.DataFrame({c.printed: cells[c.key] for c in shown})
    own = _own_rows(svc, area, municipality, year, table.columns)
    if len(own):
        table = pd.concat([table, own], ignore_index=True)
    return table


def signed(change: float | None, unit: str) -> str:
    """A change with its sign: "+1 p.e.", "−1 p.e.", "0 p.e." (also for −0.04, which shows as
    zero: no sign); "–" when unknown."""
    text = number(change, unit)
    if is_missing(change):
        return text
    if not re.search(r"[1-9]", text.split("\u00a0")[0]):
        return text.lstrip("−")
    return f"+{text}" if change > 0 else text


def certainty_cell(colour: str, certainty: str) -> str:
    """ " (osäker)" after a colour whose certainty is known; "" otherwise."""
    word = certainty_view.certainty_word(colour, certainty)
    return f" ({word})" if word else ""


def target_cell(target: float, status: str, unit: str) -> str:
    """ "✓ 90 %" (met), "✗ 90 %" (not met), "90 %" (not judged), "" without a target."""
    if pd.isna(target):
        return ""
    icon = {"met": "✓ ", "not_met": "✗ "}.get(status, "")
    return f"{icon}{number(target, unit)}"


def _own_rows(
    svc: IndicatorService, area: str, municipality: str, year: int, columns: pd.Index
) -> pd.DataFrame:
    """The area's own measures as rows of the one-pager's table, marked as local."""
    own = svc.own_measures(area, municipality, year)
    rows = [
        {
            "Nyckeltal": f"{LOCAL[0]} Lokal uppgift: {r.label} ({r.year})",
            "Värde": number(r.value, r.unit),
            "Jämfört med landet": "jämförs inte",
            "Mål": target_cell(r.target, r.target_status, r.unit),
        }
        for r in own.itertuples()
    ]
    return pd.DataFrame(rows, dtype=object).reindex(columns=columns, fill_value="")
