"""Level 2:3's view model: the units shown (UnitsView) and the words for a unit's place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from ..config.models import Area
from ..labels import number
from ..rows import row_dicts
from ..service.facade import IndicatorService
from .urls import Params
from .viewstate import View

NO_VALUES = "Inga värden i Kolada"  # for a unit that never had one (too few answers, not reported)


def unit_rank_text(rank: float, n: float) -> str:
    """ "plats 316 av 2 344 enheter"; a context KPI has no place."""
    if pd.isna(rank):
        return "ingen placering (sammanhangsmått)"
    return f"plats {number(float(rank))} av {number(float(n))} enheter"


# Kolada publishes no respondent counts per unit: no interval is invented (issue 16).
NO_COUNT = "unknown"
UNIT_CERTAINTY = (
    "Kolada redovisar inte hur många som svarat per enhet, så hur säker en enhets färg är "
    "kan inte bedömas här."
)


@dataclass(frozen=True)
class UnitsView:
    """What every part of the list page needs: the view and the unit table of its year."""

    svc: IndicatorService
    view: View

    @property
    def p(self) -> Params:
        return self.view.params

    @property
    def area(self) -> Area:
        return self.svc.area(self.view.area or "")

    @property
    def name(self) -> str:
        return str(self.svc.names[self.p.municipality])

    @cached_property
    def kpis(self) -> list[str]:
        return self.svc.unit_kpis(self.area.id)

    @cached_property
    def table(self) -> pd.DataFrame:
        return self.svc.unit_table(self.area.id, self.p.municipality, self.p.year)

    @cached_property
    def names(self) -> dict[str, str]:
        """Each unit's name for a reader (with its id when another unit has the same name)."""
        return self.svc.unit_names(self.area.id, self.p.municipality, self.p.year)

    @cached_property
    def cells(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Each (ou_id, kpi) row of the table, for looking up one unit's result (a dict: a
        page of 25 units x 15 KPIs looked up through a MultiIndex took 75 ms)."""
        return {(r["ou_id"], r["kpi"]): r for r in row_dicts(self.table)}
