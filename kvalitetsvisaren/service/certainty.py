"""IndicatorService's uncertainty rows (issue 16) and flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import flags, trends
from . import certainty_view
from .records import (
    FLAG_ORDER,
)
from .tables import (
    _pair_codes,
    _per_kpi,
    _plain,
)


class CertaintyRows:
    """Issue 16: intervals, certainty and flags of the rows (uncertainty.py
    is the analysis, certainty_view.py the wiring)."""

    # --- issue 16: uncertainty (the analysis: uncertainty.py; the wiring: certainty_view.py) --

    def kpi_rows_at(self, municipality: str, year: int) -> pd.DataFrame:
        """The municipality's rows of every KPI for the year (KPI_ROW_COLUMNS), a copy."""
        return self._kpi_rows_at(municipality, year).copy()

    def kpi_year_rows(
        self, kpi: str, year: int, columns: tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        """Every municipality's row of the KPI for the year (all columns but flags, or only
        `columns`), indexed by municipality_id."""
        return self._kpi_year_rows(kpi, year, columns).copy()  # callers may change it

    def _find_kpi_year_rows(
        self, kpi: str, year: int, columns: tuple[str, ...] | None
    ) -> pd.DataFrame:
        part = self.ranked.take(self._by_kpi.find(kpi, year))
        part = (
            part.drop(columns="flags") if columns is None else part[["municipality_id", *columns]]
        )
        return _plain(part).set_index("municipality_id")

    def kpi_history(self, kpi: str, municipality: str, first: int, last: int) -> pd.DataFrame:
        """The municipality's rows of the KPI from `first` to `last`, indexed by year."""
        mine = self.ranked.take(self._by_place.find(municipality, first, last))
        mine = _plain(mine[mine["kpi"] == kpi].drop(columns="flags"))
        return mine.set_index("year")

    def _with_certainty(self, rows: pd.DataFrame) -> pd.DataFrame:
        """KPI rows with certainty_view.KPI_COLUMNS (Riket joined only to say whether the
        interval excludes it; views get Riket from _find_kpi_rows)."""
        half = certainty_view.half_widths(self.store.values, self.store.kpis)
        units = {k: self.config.kpi(k).unit for k in self.directions}
        plain = _plain(rows)
        at = pd.MultiIndex.from_arrays([plain["kpi"], plain["year"].astype("int64")])
        plain["riket"] = self.riket.reindex(at).to_numpy()
        plain["change"] = plain["value"] - plain["previous_value"]
        out = certainty_view.annotate_kpi_rows(plain, self.directions, units, half)
        for name in certainty_view.KPI_COLUMNS:
            rows[name] = out[name].to_numpy()
        for name in ("certainty", "interval_source", "change_certainty"):
            rows[name] = rows[name].astype("category")  # a few words, kept as codes
        rows["trend"] = pd.Categorical(out["trend"].to_numpy(), categories=trends.ALL)
        return rows

    def _with_measure_certainty(
        self, measures: pd.DataFrame, keyed: dict, year: int
    ) -> pd.DataFrame:
        columns = ["kpi", "municipality_id", "year", "value", "colour", "lo", "hi"]
        ranked = self.ranked[self.ranked["year"] == year]
        rows = _plain(ranked[[*columns, "certainty", "interval_source"]])
        return certainty_view.annotate_measures(measures, rows, keyed, self.directions)

    def _flags(self, rows: pd.DataFrame, stats: pd.DataFrame) -> np.ndarray:
        """Flag codes (flags.flag_codes of FLAG_ORDER) per row of (kpi, year, value, status,
        few); `stats` per (kpi, year) as kpi_year_stats makes them, indexed alike."""
        cuts = rows[["kpi", "year"]].join(stats, on=["kpi", "year"])
        ended = _per_kpi(rows["kpi"], self.kpis["title"].map(flags.is_discontinued))
        has = rows["value"].notna()
        marks = {
            flags.NEAR_CUT: flags.near_cut(
                rows["value"], cuts["green_cut"], cuts["red_cut"], cuts["min"], cuts["max"]
            ),
            flags.PRELIMINARY: has & self._preliminary(rows),
            flags.LOW_RESPONSE: has & rows["few"],
            flags.DISCONTINUED: ended.eq(True),
        }
        return flags.flag_codes(pd.DataFrame({name: marks[name] for name in FLAG_ORDER}))

    def _preliminary(self, rows: pd.DataFrame) -> pd.Series:
        """flags.is_preliminary of each row of (kpi, year, status), its dates read once per KPI
        (not once per row) and its status once per distinct status."""
        k = self.kpis
        period = pd.to_numeric(k["publ_period"], errors="coerce")
        no_status = pd.Series("", index=k.index, dtype=str)
        dates = ["prel_publication_date", "publication_date"]
        window = flags.is_preliminary(
            period, k["publ_period"], *(k[d] for d in dates), no_status, self.today
        )
        by_dates = (rows["year"] == _per_kpi(rows["kpi"], period)) & _per_kpi(
            rows["kpi"], window
        ).eq(True)
        status = rows["status"].astype("category")
        statuses = status.cat.categories
        prel = flags.is_preliminary(
            pd.Series(np.zeros(len(statuses)), dtype=float),
            pd.Series(np.full(len(statuses), np.nan)),
            pd.Series([None] * len(statuses), dtype=object),
            pd.Series([None] * len(statuses), dtype=object),
            pd.Series(statuses.astype(str)),
            self.today,
        ).to_numpy()
        codes = status.cat.codes.to_numpy()
        by_status = np.where(codes >= 0, prel[codes] if len(prel) else False, False)
        return by_dates.fillna(False).astype(bool) | by_status

    def _has_any_value(self, kpis: pd.Series, ou_ids: pd.Series) -> np.ndarray:
        """Whether each unit ever had a value of the KPI beside it."""
        pairs = _pair_codes(kpis, ou_ids, self.units)
        at = np.minimum(np.searchsorted(self._ever, pairs), len(self._ever) - 1)
        return (self._ever[at] == pairs) if len(self._ever) else np.zeros(len(pairs), bool)
