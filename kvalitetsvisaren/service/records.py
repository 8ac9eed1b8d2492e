"""What the service returns and its constants: records of a view (frozen dataclasses), the
Swedish error for an unknown id, the columns of its tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis import flags
from . import certainty_view

TREND_YEARS = 10
_NO_OWN_MEASURES = pd.DataFrame(
    {
        "measure_id": pd.Series(dtype=str),
        "label": pd.Series(dtype=str),
        "unit": pd.Series(dtype=str),
        "higher_is_better": pd.Series(dtype=bool),
        "year": pd.Series(dtype="int64"),
        "value": pd.Series(dtype=float),
        "respondents": pd.Series(dtype=float),
        "flags": pd.Series(dtype=object),
        "previous_year": pd.Series(dtype=float),
        "previous_value": pd.Series(dtype=float),
        "units": pd.Series(dtype="int64"),
        "years": pd.Series(dtype=object),
        "trend": pd.Series(dtype=str),
        "target": pd.Series(dtype=float),
        "comment": pd.Series(dtype=str),
        "target_status": pd.Series(dtype=str),
        "lo": pd.Series(dtype=float),
        "hi": pd.Series(dtype=float),
        "certainty": pd.Series(dtype=str),
    }
)
_OWN_SUMMARY_COLUMNS = [
    "measure_id",
    "label",
    "unit",
    "higher_is_better",
    "kpi",
    "year",
    "value",
    "respondents",
    "previous_year",
    "previous_value",
    "units",
    "years",
]
CONTEXT_RANK = "rangordnas inte (sammanhang)"
FLAG_ORDER = (flags.NEAR_CUT, flags.PRELIMINARY, flags.LOW_RESPONSE, flags.DISCONTINUED)
# What a measure's colour is made of (ranking.measure_quartiles of quartiles_with_scores).
SCORE_COLUMNS = (
    "kpi",
    "municipality_id",
    "year",
    "value",
    "n",
    "rank",
    "colour",
    "better",
    "worse",
    "score",
)
# A municipality's row of a KPI for a year, as levels 2 and 2:2 read it.
KPI_ROW_COLUMNS = [
    "kpi",
    "value",
    "colour",
    "rank",
    "n",
    "status",
    "previous_value",
    "previous_year",
    "previous_colour",
    "change",
    "trend",
    "colour_changed",
    "riket",
    "mean",
    "respondents",
    "few",
    "limit",
    "flags",
    *certainty_view.KPI_COLUMNS,
]


class UnknownError(KeyError):
    """A municipality, area, KPI, unit or year that the data does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class KpiSummary:
    """One KPI, one municipality, one year (level 2:2)."""

    kpi: str
    label: str
    title: str
    description: str
    unit: str
    higher_is_better: bool | None
    year: int
    value: float
    colour: str
    rank: float
    n: int
    riket: float
    mean: float
    green_cut: float
    red_cut: float
    flags: list[str] = field(default_factory=list)
    target: float = np.nan  # the municipality's own target for the year (målvärde)
    target_status: str = ""  # "met", "not_met" or ""
    comment: str = ""  # the municipality's own analysis ("Vår analys")
    context: bool = False  # context in the page's area: never coloured or ranked
    area: str = ""  # the page's area
    respondents: str = ""  # "503 svarande" for a survey result
    missing: str = ""  # why there is no value, when there is none

    @property
    def rank_text(self) -> str:
        return CONTEXT_RANK if self.context else rank_text(self.rank, self.n)


@dataclass(frozen=True)
class GroupComparison:
    """A comparison group for one KPI-year: members, their unweighted mean and our place."""

    label: str
    members: pd.DataFrame  # municipality_id, title, value, colour, place, is_focus
    mean: float
    place: float
    n: int


@dataclass(frozen=True)
class LearnFrom:
    """Peers to learn from for a red or worsening KPI (level 2:2, "Lär av andra")."""

    scope: str  # where they were found, Swedish: "liknande kommuner inom …" or "alla kommuner"
    reason: str  # why the panel is shown: "röd" (worst 25 %) or "sämre" (worse than before)
    peers: pd.DataFrame  # municipality_id, title, value, colour, base_year, base_value, improvement


@dataclass(frozen=True)
class AreaSummary:
    """Level 1 for one area: the measures and a one-sentence verdict."""

    area: str
    label: str
    measures: pd.DataFrame
    verdict: str


def rank_text(rank: float, n: int) -> str:
    return f"plats {int(rank)} av {n}" if pd.notna(rank) else "ingen placering"
