"""View-ready frames for the pages: one store, one config, rankings computed once.

`IndicatorService(store, config)` ranks every configured KPI x year among all municipalities,
every measure, and every unit among the units of its type when it is built (about two seconds
of CPU for the whole snapshot); each method then filters those frames for one view. Pure
pandas: no Dash, no I/O. Unknown municipalities, areas, KPIs or units raise `UnknownError`
(a KeyError) whose message is Swedish and fit to show.
"""

from __future__ import annotations

import copy
import functools
from datetime import date

import numpy as np
import pandas as pd

from ..analysis import flags, surveys, trends, unit_list
from ..analysis.comparison import (
    RIKET,
    kpi_year_stats,
    peer_groups,
    riket_values,
)
from ..analysis.coverage import Coverage
from ..analysis.ranking import measure_quartiles, quartiles_with_scores, unit_quartiles
from ..config.models import AppConfig
from ..data.store import Store, compact
from ..local import targets
from ..local.layer import LocalData, empty_local
from . import certainty_view
from .areas import AreaViews
from .catalog import Catalog, kommun_ids_of
from .certainty import CertaintyRows
from .kpis import KpiViews
from .own import OwnMeasureViews
from .records import (
    FLAG_ORDER,
    KPI_ROW_COLUMNS,
    SCORE_COLUMNS,
)
from .tables import (
    _compact,
    _pair_codes,
    _per_kpi,
    _plain,
    _Positions,
    _Slices,
    _sorted_categories,
)
from .units import UnitViews


class IndicatorService(Catalog, AreaViews, KpiViews, UnitViews, OwnMeasureViews, CertaintyRows):
    """The service's one entry point: built once per data version (the national tables below),
    its views in one mixin per level (catalog, areas, kpis, units, own, certainty), each
    reading the tables built here."""

    def __init__(
        self,
        store: Store,
        config: AppConfig,
        today: date | None = None,
        local: LocalData | None = None,
    ) -> None:
        # Every table kept here is compact (categories, small ints: see store.COMPACT) and
        # read through _plain, so that the views get str, int64 and float64 as they always did.
        store = compact(store)
        self.store = store
        self.config = config
        self.today = today or date.today()
        self.local = local or empty_local()
        self.directions = config.higher_is_better()
        self.kpis = store.kpis.set_index("id")
        self.names = store.municipalities.set_index("id")["title"]
        self.kommuner = store.municipalities[store.municipalities["type"] == "K"]
        self.kommun_ids = kommun_ids_of(store.municipalities)
        # Level 2 rows are asked for by every chart of an area page: computed once per
        # (area, municipality, year) while this service (this data version) is served.
        self._memoize()
        values = store.values[store.values["gender"] == "T"]
        self.riket = riket_values(_plain(values[values["municipality_id"] == RIKET]))
        scored = quartiles_with_scores(values, store.municipalities, self.directions)
        stats = kpi_year_stats(scored, self.directions).set_index(["kpi", "year"])
        self.stats = _plain(stats.reset_index()).set_index(["kpi", "year"])
        self.layout = self._layout()
        # The national ranking and everything level 2 shows of it, one row per KPI x
        # municipality x year in the ranking's order; _kpi_rows_at finds a view's rows.
        self.ranked = self._ranked_rows(scored, values, stats)
        # Measures are coloured per year when a view first asks for that year (most readers
        # see one or two years): the KPI scores they are made of are kept for it.
        self._scores = _compact(scored[[*SCORE_COLUMNS]])
        del scored
        self._by_place = _Positions.of(self.ranked, "municipality_id")
        self._by_kpi = _Positions.of(self.ranked, "kpi")
        self._kpi_rows_at = functools.lru_cache(maxsize=64)(self._find_kpi_rows)
        # Every municipality's rows of one KPI and year: the same for each municipality's KPI
        # page (its spread chart and its certainty intervals), so built once per KPI and year
        # (some 20 KB each).
        self._distribution = functools.lru_cache(maxsize=256)(self._build_distribution)
        self._kpi_year_rows = functools.lru_cache(maxsize=256)(self._find_kpi_year_rows)
        # Every municipality's level 2 rows and level 1 summaries of an area and year: the
        # overview of a year's first reader builds them, every other municipality's is a slice.
        self._area_year = functools.lru_cache(maxsize=16)(self._build_area_year)
        self._measures_of_year = functools.lru_cache(maxsize=4)(self._build_measures_of_year)
        self._area_summaries = functools.lru_cache(maxsize=16)(self._build_area_summaries)
        units = unit_quartiles(store.ou_values, store.ous, self.directions)
        self.units = _compact(units.drop(columns=["better", "worse", "score"]))
        self.coverage = Coverage(self.ranked, self.units, store.ous, store.kpis)
        has_value = self.units[self.units["value"].notna()]
        self._ever = np.unique(_pair_codes(has_value["kpi"], has_value["ou_id"], self.units))
        # Asked for by the units page and each of its charts: built once per view key.
        self._unit_table = functools.lru_cache(maxsize=128)(self._build_unit_table)
        self._unit_kpis = functools.lru_cache(maxsize=64)(self._find_unit_kpis)
        self._unit_names = functools.lru_cache(maxsize=128)(
            lambda area, place, year: unit_list.names(self._unit_table(area, place, year))
        )
        self._unit_years = functools.lru_cache(maxsize=2048)(self._find_unit_years)
        self.peers = peer_groups(store.municipality_groups, store.municipalities)
        # Asked for by every request (the URL boundary, the header): computed once.
        has = self.ranked.loc[self.ranked["value"].notna(), "year"]
        self._years = tuple(sorted(has.unique().tolist(), reverse=True))
        if not self._years:
            raise ValueError("the store has no values for the configured KPIs")

    def with_local(self, local: LocalData) -> IndicatorService:
        """This service with another local layer (own measures, targets): the national
        rankings are shared, only what depends on the local layer is recomputed."""
        other = copy.copy(self)
        other.local = local
        other._memoize()
        return other

    def _memoize(self) -> None:
        """Caches of what depends on the local layer too (targets), per view key. A page's
        callbacks each ask for the same summaries (the KPI page's summary, charts and group
        all read kpi_summary): each is computed once while this service is served. Bounded,
        least recently used dropped first, so that many readers' views fit in memory."""
        self._area_kpis = functools.lru_cache(maxsize=512)(self._build_area_kpis)
        self._area_summary = functools.lru_cache(maxsize=512)(self._build_area_summary)
        self._kpi_summary = functools.lru_cache(maxsize=512)(self._build_kpi_summary)
        self._trend = functools.lru_cache(maxsize=512)(self._build_trend)  # has targets
        self._comparison = functools.lru_cache(maxsize=512)(self._build_comparison)
        self._own_measures = functools.lru_cache(maxsize=512)(self._build_own_measures)
        self._targets_of = functools.lru_cache(maxsize=512)(
            functools.partial(targets.for_municipality, self.local.targets)
        )

    # --- internals ------------------------------------------------------------------------

    def _layout(self) -> pd.DataFrame:
        """(area, measure, kpi) in config order, with labels, units and directions."""
        rows = []
        for area in self.config.areas:
            for order, measure in enumerate(area.measures):
                for kpi in measure.kpis:
                    definition = self.config.kpi(kpi)
                    rows.append(
                        {
                            "area": area.id,
                            "measure_order": order,
                            "measure": measure.id,
                            "measure_label": measure.label,
                            "measure_kind": measure.kind,
                            "kpi": kpi,
                            "label": definition.label,
                            "unit": definition.unit,
                            "higher_is_better": definition.higher_is_better,
                        }
                    )
        return pd.DataFrame(rows)

    def _ranked_rows(
        self, scored: pd.DataFrame, values: pd.DataFrame, stats: pd.DataFrame
    ) -> pd.DataFrame:
        """Every KPI x type-K municipality x year of the ranking (its order kept) with what
        level 2 shows but cannot look up: status, the previous value, year and colour, trend,
        colour_changed, respondents, few, limit and the flags (as flag codes). Compact:
        `_find_kpi_rows` makes a view's rows of it. Vectorised once, so a view is a lookup."""
        r = scored[["kpi", "municipality_id", "year", "value", "n", "rank", "colour"]].copy()
        r["municipality_id"] = _sorted_categories(r["municipality_id"])
        kommuner = r["municipality_id"].cat.categories
        place = values["municipality_id"].cat.set_categories(kommuner)  # NaN: not type K
        status = values.assign(municipality_id=place)[place.notna()]
        keys = ["kpi", "municipality_id", "year"]
        r = r.join(status.set_index(keys)["status"], on=keys)
        has = r["value"].notna()
        groups = [r["kpi"], r["municipality_id"]]  # each group's rows are in year order
        for column in ("value", "year", "colour"):
            r[f"previous_{column}"] = trends.previous(r[column], has, groups)
        signs = _per_kpi(r["kpi"], pd.Series(self.directions).map(trends.sign))
        r["trend"] = pd.Categorical(
            trends.judge(r["value"] - r["previous_value"], signs), categories=trends.ALL
        )
        r["colour_changed"] = (
            r["previous_colour"].notna() & has & (r["previous_colour"] != r["colour"])
        )
        rules = [a.low_response for a in self.config.areas if a.low_response]
        r = r.join(surveys.respondents(r, self.kpis["title"], rules))
        r = self._with_certainty(r)  # issue 16: intervals, certainty, the margin-aware trend
        r["flags"] = self._flags(r, stats)
        return _compact(r)

    def _find_kpi_rows(self, municipality: str, year: int) -> pd.DataFrame:
        """The municipality's rows of every KPI for the year (in KPI order, maybe none):
        KPI_ROW_COLUMNS (see _kpi_rows)."""
        rows = self._kpi_rows(self.ranked.take(self._by_place.find(municipality, year)), year)
        return rows.drop(columns="municipality_id")

    def _kpi_rows(self, found: pd.DataFrame, year: int) -> pd.DataFrame:
        """Rows of `ranked` for one year as views know them, with Riket, the national mean
        and the change since the previous value: municipality_id and KPI_ROW_COLUMNS."""
        rows = _plain(found.drop(columns=["year", "flags"])).reset_index(drop=True)
        at = pd.MultiIndex.from_arrays([rows["kpi"], np.full(len(rows), year, dtype=np.int64)])
        rows["change"] = rows["value"] - rows["previous_value"]
        rows["riket"] = self.riket.reindex(at).to_numpy()
        rows["mean"] = self.stats["mean"].reindex(at).to_numpy()
        rows["flags"] = pd.Series(flags.flag_tuples(found["flags"], FLAG_ORDER), dtype=object)
        return rows[["municipality_id", *KPI_ROW_COLUMNS]]

    def _build_measures_of_year(self, year: int) -> _Slices:
        """Every quality measure x municipality of the year: score, colour, rank, n and its
        certainty from the KPIs' rows (certainty_view.MEASURE_COLUMNS), as views know them,
        sliced per municipality by _build_area_summary. (Its trend is on its KPIs' values.)"""
        keyed = {
            f"{a.id}/{m.id}": m.kpis
            for a in self.config.areas
            for m in a.measures
            if m.kind == "quality"
        }
        scores = self._scores[self._scores["year"] == year]
        m = measure_quartiles(scores, keyed, self.directions)
        m = self._with_measure_certainty(m, keyed, year)  # issue 16
        codes, keys = pd.factorize(m["measure"])
        parts = np.array([k.split("/", 1) for k in keys], dtype=object).reshape(-1, 2)
        m["area"], m["measure"] = parts[codes, 0], parts[codes, 1]
        m["municipality_id"] = m["municipality_id"].astype(str)
        m = m.rename(columns={"value": "score"})[
            [
                *("area", "measure", "municipality_id", "score", "colour", "rank", "n"),
                *certainty_view.MEASURE_COLUMNS,
            ]
        ]
        return _Slices.of(_plain(m.sort_values("municipality_id", kind="stable")))
