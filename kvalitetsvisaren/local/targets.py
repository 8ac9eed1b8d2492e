"""The municipality's own targets (målvärde) and comments ("Vår analys") per KPI and year.

Pure: no Dash, no I/O at import. `load_targets(path, ...)` reads and validates the file and
returns a tidy frame; `target_status` / `target_statuses` compare values with targets.

The file ``mal-och-analys.yaml`` (TARGETS_FILE) lives in the local data folder and is written
by the municipality. It is a YAML list with one entry per KPI (nyckeltal), municipality
(kommun) and year (ar), optionally for one unit (enhet)::

    # Mål och analys för Kvalitetsvisaren. Ett mål och/eller en analys per nyckeltal, kommun och år.
    - kommun: "0883"          # kommunkoden inom citattecken
      nyckeltal: U21468       # Kolada-id, eller id:t för ett lokalt mått (t.ex. nojd-familjeenhet)
      ar: 2022
      mal: 90                 # målvärde (valfritt): ett tal, decimalkomma går bra: "90,5"
      analys: >-              # Vår analys (valfri): högst 1000 tecken
        Nöjdheten sjönk efter omorganisationen av hemtjänsten i norra distriktet.
        Vi följer upp med en egen enkät i höst.

    - kommun: "0883"
      nyckeltal: U21468
      ar: 2022
      enhet: V21E088300101    # målet gäller en enhet i stället för hela kommunen
      mal: 92,5

Keys: kommun, nyckeltal, ar (required), mal and/or analys (at least one), enhet (optional).
kommun must be quoted: YAML reads some unquoted codes as numbers (0127 even as the octal 87).
An empty file, or one with only comments, has no entries; a missing file means no targets.
The same kommun, nyckeltal, enhet and ar may appear only once.

Every problem is reported at once in one `TargetsError`, one line each:
``<file>: rad <line>: <what is wrong>`` (Swedish, for the person who edits the file).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

# config.py's loader, so that both YAML files refuse repeated keys the same way.

TARGETS_FILE = "mal-och-analys.yaml"
MAX_COMMENT_CHARS = 1000
YEAR_RANGE = (1990, 2100)
KEYS = ("kommun", "nyckeltal", "ar", "mal", "analys", "enhet")
REQUIRED_KEYS = ("kommun", "nyckeltal", "ar")

TARGET_COLUMNS: dict[str, str] = {
    "municipality_id": "str",
    "kpi": "str",
    "ou_id": "str",  # missing (NaN) for a municipality-level entry
    "year": "int64",
    "target": "float64",  # NaN if the entry has no mal
    "comment": "str",  # "" if the entry has no analys
    "line": "int64",  # the entry's line in the file
}
MUNICIPALITY_TARGET_COLUMNS = ("kpi", "year", "target", "comment")

STATUS_TEXT = {"met": "✓ Målet nått", "not_met": "✗ Målet inte nått", "": ""}

Problem = tuple[int | None, str]


class TargetsError(ValueError):
    """The targets file cannot be used. `problems` holds (line or None, message) pairs."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(_format(path, line, what) for line, what in problems))


def _format(path: str, line: int | None, what: str) -> str:
    return f"{path}: {what}" if line is None else f"{path}: rad {line}: {what}"


# --- using targets -------------------------------------------------------------------------


def _direction(higher_is_better: Any) -> bool | None:
    """True/False, or None for a context KPI (None, NA or NaN)."""
    if isinstance(higher_is_better, bool | np.bool_):
        return bool(higher_is_better)
    if higher_is_better is None or pd.isna(higher_is_better):
        return None
    raise TypeError(f"higher_is_better must be True, False or None, not {higher_is_better!r}")


def _number(value: Any) -> float:
    if value is None or value is pd.NA:
        return math.nan
    return float(value)


def target_status(value: Any, target: Any, higher_is_better: bool | None) -> str:
    """The status of one value: "met", "not_met", or "" (no value, no target, or a context KPI).

    Met means value >= target when higher is better and value <= target when lower is better
    (reaching the target exactly counts). Show it with STATUS_TEXT: icon and word."""
    direction = _direction(higher_is_better)
    value, target = _number(value), _number(target)
    if direction is None or math.isnan(value) or math.isnan(target):
        return ""
    met = value >= target if direction else value <= target
    return "met" if met else "not_met"


def target_statuses(
    values: pd.Series, targets: pd.Series, higher_is_better: pd.Series | bool | None
) -> pd.Series:
    """Element-wise `target_status` (a str Series on `values`' index). The Series must share
    one index; `higher_is_better` may also be one value for all rows."""
    for other in (targets, higher_is_better):
        if isinstance(other, pd.Series) and not other.index.equals(values.index):
            raise ValueError("values, targets and higher_is_better must have the same index")
    if isinstance(higher_is_better, pd.Series):
        direction = [_direction(h) for h in higher_is_better]
    else:
        direction = [_direction(higher_is_better)] * len(values)
    value = pd.to_numeric(values).to_numpy(dtype=float, na_value=np.nan)
    target = pd.to_numeric(targets).to_numpy(dtype=float, na_value=np.nan)
    higher = np.array([d is True for d in direction], dtype=bool)
    lower = np.array([d is False for d in direction], dtype=bool)
    known = (higher | lower) & ~np.isnan(value) & ~np.isnan(target)
    with np.errstate(invalid="ignore"):
        met = np.where(higher, value >= target, value <= target)
    status = np.select([known & met, known & ~met], ["met", "not_met"], "")
    return pd.Series(status, index=values.index, dtype="str")


def lookup(
    targets: pd.DataFrame, municipality: str, kpi: str, year: int, ou_id: str | None = None
) -> tuple[float, str]:
    """(target or NaN, comment or "") of one KPI and year: the municipality's own entry, or
    with `ou_id` the unit's entry."""
    match = (
        (targets["municipality_id"] == municipality)
        & (targets["kpi"] == kpi)
        & (targets["year"] == year)
    )
    match &= targets["ou_id"].isna() if ou_id is None else targets["ou_id"] == ou_id
    rows = targets[match]
    if rows.empty:
        return math.nan, ""
    row = rows.iloc[0]
    return float(row["target"]), str(row["comment"])


def for_municipality(targets: pd.DataFrame, municipality: str) -> pd.DataFrame:
    """The municipality's own (not unit) entries: columns kpi, year, target, comment, one row
    per (kpi, year), for a left join onto level-1/2 frames on ["kpi", "year"]."""
    rows = targets[(targets["municipality_id"] == municipality) & targets["ou_id"].isna()]
    return rows.loc[:, list(MUNICIPALITY_TARGET_COLUMNS)].reset_index(drop=True)


def join(rows: pd.DataFrame, mine: pd.DataFrame, higher_is_better: pd.Series) -> pd.DataFrame:
    """`rows` (kpi, year, value; one `higher_is_better` per row, in their order) with the
    municipality's own entries (`for_municipality`) left-joined on ["kpi", "year"]: target
    (NaN: none), comment ("": none) and target_status (`target_statuses`)."""
    if mine.empty:  # the common case: nothing to join, nothing to judge
        return rows.assign(target=np.nan, comment="", target_status="")
    out = rows.merge(mine, on=["kpi", "year"], how="left")
    out["comment"] = out["comment"].fillna("").astype(str)
    out["target"] = out["target"].astype(float)
    direction = pd.Series(np.asarray(higher_is_better, dtype=object), index=out.index)
    out["target_status"] = target_statuses(out["value"], out["target"], direction)
    return out
