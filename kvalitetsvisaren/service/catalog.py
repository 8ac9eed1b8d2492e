"""IndicatorService's catalogue: what exists and the checks of the ids a URL names."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..config.models import AppConfig, Area
from .records import (
    UnknownError,
)


def kommun_ids_of(municipalities: pd.DataFrame) -> frozenset[str]:
    """The ids of the type-K municipalities (not regions, not Riket)."""
    return frozenset(municipalities.loc[municipalities["type"] == "K", "id"])


def checked_area(config: AppConfig, area: str) -> Area:
    try:
        return config.area(area)
    except KeyError:
        raise UnknownError(f"Området {area!r} finns inte.") from None


def check_kommun(kommun_ids: frozenset[str], municipality: str) -> None:
    if municipality not in kommun_ids:
        raise UnknownError(f"Kommunen {municipality!r} finns inte.")


class Catalog:
    """What exists: municipalities, years, areas, KPIs, units; the checks of ids."""

    # --- what exists ----------------------------------------------------------------------

    def municipality_options(self) -> pd.DataFrame:
        """The type-K municipalities by name: id, title."""
        return self.kommuner[["id", "title"]].sort_values("title", ignore_index=True)

    def years(self) -> list[int]:
        """Years with municipality values for the configured KPIs, newest first."""
        return list(self._years)

    def find_unit(self, ou_id: str) -> dict[str, Any] | None:
        """The unit (as `unit`) whose id is `ou_id` in any letter case, or None."""
        ids = self.store.ous["id"]
        found = ids[ids.str.upper() == ou_id.upper()]
        return self.unit(found.iloc[0]) if len(found) else None

    def national_year(self, year: int) -> int:
        """The year to show at levels 1-2:2 for `year`: itself if it has municipality data,
        else the latest year before it (or the latest of all)."""
        years = self.years()
        earlier = [y for y in years if y <= year]
        return earlier[0] if earlier else years[0]

    # Each page offers the years it has something to show for (newest first):

    def overview_years(self, municipality: str) -> list[int]:
        """Level 1: years with a value of any measure's KPI for the municipality."""
        kpis = tuple(k for a in self.config.areas for k in a.kpi_ids())
        return self.coverage.years_of(municipality, kpis)

    def area_years(self, area: str, municipality: str) -> list[int]:
        """Level 2: years with a value of any of the area's KPIs for the municipality."""
        return self.coverage.years_of(municipality, self.area(area).kpi_ids())

    def kpi_years(self, kpi: str) -> list[int]:
        """Level 2:2: years in which any municipality has a value of the KPI (the page shows
        them all)."""
        return self.coverage.kpi_years(kpi)

    def unit_years(self, area: str, municipality: str | None = None) -> list[int]:
        """Level 2:3: years with a value for a unit of the area (of the municipality, if given;
        the area's years when none of its units has one)."""
        return list(self._unit_years(area, municipality))

    def _find_unit_years(self, area: str, municipality: str | None) -> tuple[int, ...]:
        config_area = self.area(area)
        kpis = self.unit_kpis(area)
        mine = (
            self.coverage.unit_years(config_area.ou_prefix, tuple(kpis), municipality)
            if municipality
            else []
        )
        return tuple(mine or self.coverage.unit_years(config_area.ou_prefix, tuple(kpis)))

    def unit_year(self, area: str, municipality: str, year: int) -> int:
        """The year a link to the area's units uses: `year` if its units have data then, else
        the latest year they have (so that a link never lands on an empty page)."""
        years = self.unit_years(area, municipality)
        return year if year in years or not years else years[0]

    def missing_reason(self, kpi: str, municipality: str, year: int) -> str:
        """Why the municipality has no value of the KPI for the year, from the data."""
        return self.coverage.missing(kpi, self.names.get(municipality, municipality), year)

    def year_notes(self, area: str, year: int) -> list[str]:
        """Sentences for a year in which a source of the area's KPIs has nothing at all
        (e.g. a survey that has no results for that year), once per source."""
        found = (self.coverage.gap(k, year) for k in self.area(area).kpi_ids())
        return list(dict.fromkeys(n for n in found if n))

    def headline_kpi(self, area: str) -> str:
        """The first KPI of the area's first quality measure (its headline)."""
        config_area = self.area(area)
        quality = [m for m in config_area.measures if m.kind == "quality"] or config_area.measures
        return quality[0].kpis[0]

    def measure_of(self, kpi: str, area: str) -> Any:
        """The area's first measure listing the KPI, or None."""
        for measure in self.area(area).measures:
            if kpi in measure.kpis:
                return measure
        return None

    def area(self, area: str) -> Area:
        return checked_area(self.config, area)

    def check_municipality(self, municipality: str) -> str:
        check_kommun(self.kommun_ids, municipality)
        return self.names[municipality]

    def check_kpi(self, kpi: str) -> None:
        if kpi not in self.directions:
            raise UnknownError(f"Nyckeltalet {kpi!r} ingår inte i Kvalitetsvisaren.")

    def area_of(self, kpi: str) -> Area:
        """The first area whose measures list the KPI (for its peer group and survey)."""
        for area in self.config.areas:
            if kpi in area.kpi_ids():
                return area
        return self.config.areas[0]
