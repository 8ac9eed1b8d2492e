"""Pure: level 2:3 at any scale (Stockholm has 892 förskolor). The municipality's units of an
area as one row each, found by name, ordered, a page at a time; and the few units a chart
draws for a KPI (the best, the worst and the chosen). No Dash.

Every function takes the service's unit table (`IndicatorService.unit_table`: one row per unit
and unit-level KPI, with value, colour, rank and n)."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..labels import fold

PAGE_SIZE = 25
EXTREMES = 5  # units drawn at each end of a KPI's chart
BY_NAME = "namn"  # the list's order by name (else a KPI id: best first)
# Swedish order: å, ä, ö after z (fold alone would file them under a and o)
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


@dataclass(frozen=True)
class UnitPage:
    units: pd.DataFrame  # ou_id, title: the page's units, in order
    number: int  # 1-based, within 1..pages
    pages: int  # at least 1
    matched: int  # units that match the search
    total: int  # the municipality's units of the area


def name_key(title: str) -> str:
    """A unit's place in a Swedish alphabetical list, ignoring case and accents."""
    return fold(" ".join(title.casefold().translate(_SWEDISH).split()))


def units_of(table: pd.DataFrame) -> pd.DataFrame:
    """One row per unit (ou_id, title), in Swedish alphabetical order."""
    units = table.drop_duplicates("ou_id")[["ou_id", "title"]]
    keys = units["title"].map(name_key)
    return units.assign(key=keys).sort_values(["key", "ou_id"]).drop(columns="key")


def names(table: pd.DataFrame) -> dict[str, str]:
    """Each unit's name for a reader: with its id when another unit of the table has the same
    name (Stockholm has five Förskolan Ekbacken); runs of spaces made one (Kolada has
    "Ansgarskolorna                  Kyrkskolan 7-9", and a chart keeps spaces)."""
    units = table.drop_duplicates("ou_id")
    titles = units["title"].map(lambda t: " ".join(str(t).split()))
    twin = titles.duplicated(keep=False)
    shown = titles.where(~twin, titles + " (" + units["ou_id"] + ")")
    return dict(zip(units["ou_id"], shown, strict=True))


def matching(units: pd.DataFrame, text: str | None) -> pd.DataFrame:
    """The units whose name contains the text (case and accents ignored), or whose Kolada id
    it is; all units for no text."""
    needle = fold(" ".join((text or "").split()))
    if not needle:
        return units
    names = units["title"].map(lambda t: fold(" ".join(t.split())))
    hit = names.str.contains(needle, regex=False) | (units["ou_id"].str.casefold() == needle)
    return units[hit]


def ordered(
    units: pd.DataFrame, table: pd.DataFrame, order: str, higher_is_better: bool | None
) -> pd.DataFrame:
    """The units by name, or by a KPI's value best first (highest first for a KPI without a
    direction), those without a value last, each run by name."""
    if order == BY_NAME:
        return units
    values = table[table["kpi"] == order].set_index("ou_id")["value"]
    ascending = higher_is_better is False
    ranked = units.assign(value=units["ou_id"].map(values), position=range(len(units)))
    ranked = ranked.sort_values(["value", "position"], ascending=[ascending, True])
    return ranked.drop(columns=["value", "position"])  # (NaN sort last either way)


def page_of(units: pd.DataFrame, number: int, total: int, size: int = PAGE_SIZE) -> UnitPage:
    """The `number`th page (clamped to the pages there are) of the found units."""
    pages = max(1, math.ceil(len(units) / size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return UnitPage(units.iloc[start : start + size], number, pages, len(units), total)


def extremes(
    rows: pd.DataFrame,
    higher_is_better: bool | None,
    chosen: Collection[str] = (),
    n: int = EXTREMES,
) -> pd.DataFrame:
    """What a KPI's chart draws: the `n` best and `n` worst units with a value (highest and
    lowest without a direction) and the chosen ones, best first; `chosen` marks those, and
    `skipped` counts the units left out just before each row (drawn as a gap)."""
    return extremes_of(best_first(rows, higher_is_better, chosen), n)


def best_first(
    rows: pd.DataFrame, higher_is_better: bool | None, chosen: Collection[str] = ()
) -> pd.DataFrame:
    """Every unit with a value, best first (by name within a tie), `chosen` marking the
    chosen ones and `skipped` 0: what a chart's data lists."""
    with_value = rows.dropna(subset=["value"])
    keys = with_value["title"].map(name_key)
    ordered = with_value.assign(key=keys).sort_values(
        ["value", "key"], ascending=[higher_is_better is False, True], ignore_index=True
    )
    picked = ordered["ou_id"].isin(set(chosen)).to_numpy()
    return ordered.drop(columns="key").assign(chosen=picked, skipped=0)


def extremes_of(ordered: pd.DataFrame, n: int = EXTREMES) -> pd.DataFrame:
    """Of `best_first` rows: the `n` first, the `n` last and the chosen, `skipped` counting
    the rows left out just before each."""
    position = np.arange(len(ordered))
    keep = (position < n) | (position >= len(ordered) - n) | ordered["chosen"].to_numpy()
    skipped = np.diff(position[keep], prepend=-1) - 1
    return ordered[keep].assign(skipped=skipped).reset_index(drop=True)
