"""IndicatorService's level 2:3 (the municipality's units compared with each other)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .records import (
    UnknownError,
)
from .tables import (
    _plain,
)


class UnitViews:
    """Level 2:3: the municipality's units, their table, names and trends."""

    # --- level 2:3 ------------------------------------------------------------------------

    def unit_table(self, area: str, municipality: str, year: int) -> pd.DataFrame:
        """Every unit of the municipality for the area's unit-level KPIs: ou_id, title, kpi,
        label, value, colour and rank among all units of the type nationally (n of them), the
        municipality's own value and Riket. Units without a value for the year are kept (grey)
        with `has_any_value` telling whether they ever had one."""
        self.area(area)
        self.check_municipality(municipality)
        return self._unit_table(area, municipality, year).copy()  # callers may change theirs

    def unit_names(self, area: str, municipality: str, year: int) -> dict[str, str]:
        """Each unit's name for a reader (unit_list.names of unit_table): read by every KPI
        chart of a units page, so made once per view key."""
        self.area(area)
        self.check_municipality(municipality)
        return dict(self._unit_names(area, municipality, year))

    def _build_unit_table(self, area: str, municipality: str, year: int) -> pd.DataFrame:
        config_area = self.area(area)
        ous = self.store.ous
        mine = ous[
            (ous["municipality_id"] == municipality) & (ous["id"].str[:3] == config_area.ou_prefix)
        ][["id", "title"]].rename(columns={"id": "ou_id"})
        kpis = pd.DataFrame({"kpi": pd.Series(self.unit_kpis(area), dtype=str)})
        grid = mine.merge(kpis, how="cross")
        u = self.units
        # Only the municipality's units of the year are made plain (not the whole country's,
        # 98,000 rows in 2024): matched on the unit id's category codes.
        ou = u["ou_id"].cat
        wanted = ou.categories.get_indexer(mine["ou_id"])
        at = (u["year"].to_numpy() == year) & np.isin(ou.codes.to_numpy(), wanted[wanted >= 0])
        now = _plain(u.loc[at, ["kpi", "ou_id", "value", "colour", "rank", "n"]])
        out = grid.merge(now, on=["kpi", "ou_id"], how="left")
        out["colour"] = out["colour"].fillna("grey")
        out["n"] = out["n"].fillna(0).astype(int)
        out["has_any_value"] = self._has_any_value(out["kpi"], out["ou_id"])
        out["label"] = [self.config.kpi(k).label for k in out["kpi"]]
        own = self.ranked[
            (self.ranked["municipality_id"] == municipality) & (self.ranked["year"] == year)
        ].set_index("kpi")["value"]
        out["municipality_value"] = out["kpi"].map(own)
        out["riket"] = [self.riket.get((k, year), np.nan) for k in out["kpi"]]
        return out.sort_values(["kpi", "title"], ignore_index=True)

    def unit_kpis(self, area: str) -> list[str]:
        """The area's KPIs (config order) that have unit-level values for its unit type."""
        return list(self._unit_kpis(area))

    def _find_unit_kpis(self, area: str) -> tuple[str, ...]:
        config_area = self.area(area)
        u = self.units
        present = set(u.loc[(u["unit_type"] == config_area.ou_prefix) & u["value"].notna(), "kpi"])
        return tuple(k for k in config_area.kpi_ids() if k in present)

    def unit_trend(self, ou_id: str, kpi: str | None = None) -> pd.DataFrame:
        """One unit over the years: kpi, year, value, colour, rank, n."""
        u = self.units
        mine = u[(u["ou_id"] == ou_id) & u["value"].notna()]
        if not (self.store.ous["id"] == ou_id).any():
            raise UnknownError(f"Enheten {ou_id!r} finns inte.")
        if kpi is not None:
            mine = mine[mine["kpi"] == kpi]
        return _plain(mine[["kpi", "year", "value", "colour", "rank", "n"]]).sort_values(
            ["kpi", "year"], ignore_index=True
        )

    def unit(self, ou_id: str) -> dict[str, Any]:
        """id, title, municipality_id and the area of a unit."""
        ous = self.store.ous
        found = ous[ous["id"] == ou_id]
        if found.empty:
            raise UnknownError(f"Enheten {ou_id!r} finns inte.")
        row = found.iloc[0]
        areas = [a.id for a in self.config.areas if a.ou_prefix == ou_id[:3]]
        return {
            "id": ou_id,
            "title": row["title"],
            "municipality_id": row["municipality_id"],
            "area": areas[0] if areas else None,
        }
