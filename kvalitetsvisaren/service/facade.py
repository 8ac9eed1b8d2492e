"""View-ready frames for the pages: one store, one config, rankings computed once.

`IndicatorService(store, config)` ranks every configured KPI x year among all municipalities,
every measure, and every unit among the units of its type when it is built (about two seconds
of CPU for the whole snapshot); each method then filters those frames for one view. Pure
pandas: no Dash, no I/O. Unknown municipalities, areas, KPIs or units raise `UnknownError`
(a KeyError) whose message is Swedish and fit to show.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .. import memory
from ..analysis import flags, learning, surveys, trends, uncertainty, unit_list
from ..analysis.comparison import (
    RIKET,
    county_group,
    kpi_year_stats,
    liknande_group,
    peer_groups,
    place_in_group,
    riket_values,
)
from ..analysis.coverage import Coverage
from ..analysis.ranking import COLOURS, measure_quartiles, quartiles_with_scores, unit_quartiles
from ..config.loader import AppConfig, Area
from ..data.store import Store, compact
from ..local import targets
from ..local.layer import LocalData, empty_local
from ..rows import row_dicts
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


class IndicatorService:
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
        self.kommun_ids = frozenset(self.kommuner["id"])
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
        # Every municipality's level 2 rows of an area and year: the overview of a year's
        # first reader builds them, every other municipality's is a slice.
        self._area_year = functools.lru_cache(maxsize=16)(self._build_area_year)
        self._measures_of_year = functools.lru_cache(maxsize=4)(self._build_measures_of_year)
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
        self._own_measures = functools.lru_cache(maxsize=512)(self._build_own_measures)
        self._targets_of = functools.lru_cache(maxsize=512)(
            functools.partial(targets.for_municipality, self.local.targets)
        )

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
        try:
            return self.config.area(area)
        except KeyError:
            raise UnknownError(f"Området {area!r} finns inte.") from None

    def check_municipality(self, municipality: str) -> str:
        if municipality not in self.kommun_ids:
            raise UnknownError(f"Kommunen {municipality!r} finns inte.")
        return self.names[municipality]

    def check_kpi(self, kpi: str) -> None:
        if kpi not in self.directions:
            raise UnknownError(f"Nyckeltalet {kpi!r} ingår inte i Kvalitetsvisaren.")

    # --- level 1 --------------------------------------------------------------------------

    def overview(self, municipality: str, year: int) -> list[AreaSummary]:
        self.check_municipality(municipality)
        with self._giving_back():
            return [self.area_summary(a.id, municipality, year) for a in self.config.areas]

    @contextlib.contextmanager
    def _giving_back(self) -> Iterator[None]:
        """When a year's tables were built inside: the heap their build freed returned to
        the system (memory.give_back, ~0.1 s once per year; else 25 MB stay resident)."""
        built = self._area_year.cache_info().misses + self._measures_of_year.cache_info().misses
        yield
        now = self._area_year.cache_info().misses + self._measures_of_year.cache_info().misses
        if now != built:
            memory.give_back()

    def area_summary(self, area: str, municipality: str, year: int) -> AreaSummary:
        """Each measure of the area in config order (see _build_area_summary)."""
        with self._giving_back():
            summary = self._area_summary(area, municipality, year)
        return replace(summary, measures=summary.measures.copy())  # callers may change theirs

    def _build_area_summary(self, area: str, municipality: str, year: int) -> AreaSummary:
        """Each measure of the area in config order: colour, rank, n, its trend on its KPIs'
        values (trends.py: trend, trend_text), the count of its KPIs per colour, its headline
        (the first KPI with a value), the survey's respondents and flags, why it has no
        value (missing), how many of its KPIs have a local target for the year and how many
        of those with a value met it; and a verdict naming the strongest and weakest."""
        config_area = self.area(area)
        self.check_municipality(municipality)
        measures = {
            r["measure"]: r
            for r in row_dicts(self._measures_of_year(year).of_place(municipality))
            if r["area"] == area
        }
        by_measure: dict[str, list[dict]] = {}
        for r in row_dicts(self._area_kpis(area, municipality, year)):
            by_measure.setdefault(r["measure"], []).append(r)
        rows = []
        for order, measure in enumerate(config_area.measures):
            ranked = measures.get(measure.id, {})
            context = measure.kind == "context"
            mine = by_measure[measure.id]
            shown = [r for r in mine if pd.notna(r["value"])]
            headline = (shown or mine)[0]
            change = trends.summarise(
                (r["trend"], r["previous_year"], r["within_margin"]) for r in mine
            )
            rows.append(
                {
                    "order": order,
                    "measure": measure.id,
                    "label": measure.label,
                    "kind": measure.kind,
                    "colour": "neutral" if context else ranked.get("colour", "grey"),
                    "rank": np.nan if context else ranked.get("rank", np.nan),
                    "n": 0 if context else int(ranked.get("n", 0)),
                    "score": np.nan if context else ranked.get("score", np.nan),
                    "trend": change.trend,
                    "trend_text": change.sentence(),
                    "certainty": "unknown" if context else ranked.get("certainty", "unknown"),
                    "place_best": np.nan if context else ranked.get("place_best", np.nan),
                    "place_worst": np.nan if context else ranked.get("place_worst", np.nan),
                    "interval_sources": tuple(r["interval_source"] for r in shown),
                    **{f"kpis_{c}": sum(r["colour"] == c for r in mine) for c in COLOURS},
                    "headline_kpi": headline["kpi"],
                    "headline_label": headline["label"],
                    "headline_unit": headline["unit"],
                    "headline_value": headline["value"],
                    "respondents": headline["respondents"],
                    "respondents_text": headline["respondents_text"],
                    # "nära gränsen" is a KPI's cut, not the measure's: not on the tile
                    "flags": tuple(
                        dict.fromkeys(f for r in shown for f in r["flags"] if f != flags.NEAR_CUT)
                    ),
                    "missing": "" if shown else headline["missing"],
                    "targets_set": sum(pd.notna(r["target"]) for r in mine),
                    "targets_met": sum(r["target_status"] == "met" for r in mine),
                    "targets_judged": sum(r["target_status"] != "" for r in mine),
                }
            )
        frame = pd.DataFrame(rows)
        return AreaSummary(area, config_area.label, frame, verdict(frame))

    # --- level 2 --------------------------------------------------------------------------

    def area_kpis(self, area: str, municipality: str, year: int) -> pd.DataFrame:
        """Every KPI of the area grouped by measure, one row per (measure, KPI) in config
        order: value, unit, colour, rank, rank_text, Riket, mean, previous value and colour,
        change, trend ("better"/"worse"/"same"/""), colour_changed and flags."""
        self.area(area)
        self.check_municipality(municipality)
        with self._giving_back():
            return self._area_kpis(area, municipality, year).copy()  # callers may change theirs

    def _build_area_kpis(self, area: str, municipality: str, year: int) -> pd.DataFrame:
        mine = self._area_year(area, year).of_place(municipality)
        return self._with_targets(mine, municipality)

    def _build_area_year(self, area: str, year: int) -> _Slices:
        """Level 2's rows of the area for every type-K municipality at once (vectorised: one
        pass per area and year, not per municipality), in municipality and then config order,
        without the local layer's targets (per municipality: _build_area_kpis)."""
        layout = self.layout[self.layout["area"] == area].reset_index(drop=True)
        places = pd.Index(self.ranked["municipality_id"].cat.categories, name="municipality_id")
        places = places[places.isin(self.kommun_ids)]
        positions = [self._by_kpi.find(k, year) for k in layout["kpi"].unique()]
        rows = self._kpi_rows(
            self.ranked.take(np.concatenate([self._by_kpi.order[:0], *positions])), year
        )
        grid = pd.DataFrame(
            {
                "municipality_id": np.repeat(places.to_numpy(dtype=object), len(layout)),
                "layout_row": np.tile(np.arange(len(layout)), len(places)),
            }
        )
        grid = grid.join(layout, on="layout_row").drop(columns="layout_row")
        out = grid.merge(rows, on=["municipality_id", "kpi"], how="left")
        out["colour"] = out["colour"].fillna("grey")
        out["n"] = out["n"].fillna(0).astype(int)
        # Row flags, plus "serie bruten" for a discontinued KPI even in a year without a value.
        ended = out["kpi"].map(self.kpis["title"].map(flags.is_discontinued)).eq(True)
        out["flags"] = [
            [*(f if isinstance(f, tuple) else ()), *([flags.DISCONTINUED] if end else [])]
            for f, end in zip(out["flags"], ended & ~_has_flag(out["flags"]), strict=True)
        ]
        out["trend"] = out["trend"].fillna("")
        out["colour_changed"] = out["colour_changed"].fillna(False).astype(bool)
        out["few"] = out["few"].fillna(False).astype(bool)
        out = certainty_view.fill_missing(out)  # issue 16: a KPI without a row is unknown
        out = _as_context(out, out["measure_kind"] == "context")
        out["rank_text"] = [
            CONTEXT_RANK if c else rank_text(r, n)
            for r, n, c in zip(out["rank"], out["n"], out["measure_kind"] == "context", strict=True)
        ]
        out["respondents_text"] = [
            surveys.respondents_text(c, f, lim)
            for c, f, lim in zip(out["respondents"], out["few"], out["limit"], strict=True)
        ]
        names = out["municipality_id"].map(self.names)
        out["missing"] = self.coverage.missing_reasons(
            out["kpi"], names, out["value"].notna(), year
        )
        out["year"] = year
        return _Slices.of(out.drop(columns=["area", "measure_order"]))

    def _with_targets(self, rows: pd.DataFrame, municipality: str) -> pd.DataFrame:
        """Add target, target_status and comment to rows with kpi, year, value and
        higher_is_better (the municipality's own entries of the local layer)."""
        directions = rows["kpi"].map(self.directions)
        return targets.join(rows, self._targets_of(municipality), directions)

    # --- level 2:2 ------------------------------------------------------------------------

    def is_context(self, kpi: str, area: str) -> bool:
        """Whether the KPI is context in the area: it has no direction, or none of the
        area's quality measures lists it (only its context measures do). A KPI that is
        quality in one area and context in another (N00090 could be) is coloured and ranked
        on the pages of the first area only; the page's area decides, never the KPI alone."""
        if self.directions.get(kpi) is None:
            return True
        quality = (m for m in self.area(area).measures if m.kind == "quality")
        return not any(kpi in m.kpis for m in quality)

    def kpi_summary(self, kpi: str, municipality: str, year: int, *, area: str) -> KpiSummary:
        """The KPI for the municipality and year, as the page of `area` shows it."""
        summary = self._kpi_summary(kpi, municipality, year, area)
        return replace(summary, flags=list(summary.flags))  # frozen, but its list is not

    def _build_kpi_summary(self, kpi: str, municipality: str, year: int, area: str) -> KpiSummary:
        self.check_kpi(kpi)
        self.check_municipality(municipality)
        rows = self._kpi_rows_at(municipality, year)
        hit = rows[rows["kpi"] == kpi].reset_index(drop=True)
        if hit.empty:
            hit = pd.DataFrame({"kpi": [kpi], "value": [np.nan], "colour": ["grey"]})
            hit = hit.assign(rank=np.nan, n=0, trend="", flags=[()], respondents=np.nan)
            hit = hit.assign(few=False, limit=np.nan)
        context = self.is_context(kpi, area)
        row = _as_context(hit, pd.Series([context])).iloc[0]
        meta = self.kpis.loc[kpi] if kpi in self.kpis.index else None
        stats = self.stats.loc[(kpi, year)] if (kpi, year) in self.stats.index else None
        value = row["value"]
        target, comment = targets.lookup(self.local.targets, municipality, kpi, year)
        no_cuts = {"green_cut": np.nan, "red_cut": np.nan}  # context: no quartiles to show
        cuts = stats if stats is not None and not context else no_cuts
        return KpiSummary(
            kpi=kpi,
            label=self.config.kpi(kpi).label,
            title=_text(meta, "title", kpi),
            description=_text(meta, "description", ""),
            unit=self.config.kpi(kpi).unit,
            higher_is_better=self.directions[kpi],
            year=year,
            value=value,
            colour=row["colour"],
            rank=row["rank"],
            n=int(row["n"]),
            riket=self.riket.get((kpi, year), np.nan),
            mean=np.nan if stats is None else stats["mean"],
            green_cut=cuts["green_cut"],
            red_cut=cuts["red_cut"],
            flags=list(row["flags"]),
            target=target,
            target_status=targets.target_status(value, target, self.directions[kpi]),
            comment=comment,
            context=context,
            area=area,
            respondents=surveys.respondents_text(row["respondents"], row["few"], row["limit"]),
            missing="" if pd.notna(value) else self.missing_reason(kpi, municipality, year),
        )

    def distribution(self, kpi: str, year: int, *, area: str) -> pd.DataFrame:
        """Every type-K municipality with a value: municipality_id, title, value, colour, rank
        (neutral and unranked where the area uses the KPI as context)."""
        self.check_kpi(kpi)
        part = self.ranked.take(self._by_kpi.find(kpi, year))
        part = part.loc[part["value"].notna(), ["municipality_id", "value", "colour", "rank"]]
        out = _plain(part)
        if self.is_context(kpi, area):
            out = out.assign(colour="neutral", rank=np.nan)
        out.insert(1, "title", out["municipality_id"].map(self.names))
        return out.sort_values("value", ignore_index=True)

    def comparison(
        self,
        kpi: str,
        municipality: str,
        year: int,
        group: str | list[str] = "liknande",
        *,
        area: str,
    ) -> GroupComparison | None:
        """The municipality among a group: "liknande" (Kolada's Liknande kommuner of the
        page's area, 7 peers + itself), "lan" (the county's kommuner) or a list of municipality
        ids. None if the municipality has no such group. No colours or places where the area
        uses the KPI as context."""
        self.check_kpi(kpi)
        name = self.check_municipality(municipality)
        if group == "liknande":
            found = liknande_group(self.peers, municipality, self.area(area).peer_group_area, year)
        elif group == "lan":
            found = county_group(
                self.store.municipality_groups, self.store.municipalities, municipality
            )
        else:
            ids = [m for m in dict.fromkeys([municipality, *group]) if m in self.kommun_ids]
            found = (f"{name} och egna jämförelsekommuner", ids)
        if found is None:
            return None
        label, members = found
        part = self.ranked.take(self._by_kpi.find(kpi, year))
        part = part[part["municipality_id"].isin(members)]
        frame = pd.DataFrame({"municipality_id": members}).merge(
            _plain(part[["municipality_id", "value", "colour"]]), how="left"
        )
        context = self.is_context(kpi, area)
        frame["colour"] = frame["colour"].fillna("grey")
        if context:
            frame["colour"] = np.where(frame["value"].notna(), "neutral", "grey")
        frame.insert(1, "title", frame["municipality_id"].map(self.names))
        frame["place"] = place_in_group(frame["value"], None if context else self.directions[kpi])
        frame["is_focus"] = frame["municipality_id"] == municipality
        focus = frame.loc[frame["is_focus"], "place"]
        return GroupComparison(
            label=label,
            members=frame,
            mean=float(frame["value"].mean()),
            place=float(focus.iloc[0]) if len(focus) else np.nan,
            n=int(frame["value"].notna().sum()),
        )

    def learn_from(self, kpi: str, municipality: str, year: int, *, area: str) -> LearnFrom | None:
        """For a KPI where the municipality is red or got worse: up to three municipalities of
        its Liknande kommuner group (of the page's area) that are green or improved most over
        three years, or, if none of the group is, from all municipalities. None for a result
        that is not weak, a KPI the area uses as context, or when nobody qualifies."""
        self.check_kpi(kpi)
        self.check_municipality(municipality)
        direction = self.directions[kpi]
        rows = self._kpi_rows_at(municipality, year)
        mine = rows[rows["kpi"] == kpi]
        if self.is_context(kpi, area) or mine.empty or pd.isna(mine["value"].iloc[0]):
            return None
        colour, trend, value = mine[["colour", "trend", "value"]].iloc[0]
        if not learning.is_weak(colour, trend):
            return None
        upto = self.ranked.take(self._by_kpi.find(kpi, self._by_kpi.first_year, year))
        kpi_rows = _plain(upto[["municipality_id", "year", "value", "colour"]])
        peer_area = self.area(area).peer_group_area
        group = liknande_group(self.peers, municipality, peer_area, year)
        others = [m for m in self.kommuner["id"] if m != municipality]
        national = "alla kommuner" + (
            ", eftersom ingen av de liknande kommunerna gör bättre" if group else ""
        )
        scopes = [(f"liknande kommuner inom {peer_area} (Kolada)", group[1][1:])] if group else []
        for scope, candidates in [*scopes, (national, others)]:
            peers = learning.best_peers(kpi_rows, candidates, year, direction, value)
            if len(peers):
                peers.insert(1, "title", peers["municipality_id"].map(self.names))
                return LearnFrom(scope, "röd" if colour == "red" else "sämre", peers)
        return None

    def trend(
        self, kpi: str, municipality: str, year: int, span: int = TREND_YEARS, *, area: str
    ) -> pd.DataFrame:
        """The last `span` years up to `year`: year, value, colour, rank, n, riket, change and
        the municipality's own target (NaN where it set none). Neutral and unranked where
        the area uses the KPI as context."""
        self.check_kpi(kpi)
        self.check_municipality(municipality)
        mine = self.ranked.take(self._by_place.find(municipality, year - span + 1, year))
        mine = mine.loc[mine["kpi"] == kpi, ["year", "value", "colour", "rank", "n"]]
        mine = _plain(mine).set_index("year")
        first = int(mine.index.min()) if len(mine) else year
        # Every year of the span, so a year without a value breaks the line in a chart.
        out = mine.reindex(range(first, year + 1))[["value", "colour", "rank", "n"]]
        out = out.rename_axis("year").reset_index()
        out["colour"] = out["colour"].fillna("grey")
        if self.is_context(kpi, area):
            out["colour"] = np.where(out["value"].notna(), "neutral", "grey")
            out["rank"] = np.nan
        out["riket"] = [self.riket.get((kpi, y), np.nan) for y in out["year"]]
        out["change"] = out["value"] - trends.previous(out["value"], out["value"].notna())
        mine = targets.for_municipality(self.local.targets, municipality)
        out["target"] = out["year"].map(mine[mine["kpi"] == kpi].set_index("year")["target"])
        return out

    def gender_split(self, kpi: str, municipality: str, year: int) -> pd.DataFrame:
        """Kvinnor / män / totalt for the municipality and Riket: gender, place, value."""
        self.check_kpi(kpi)
        v = self.store.values
        part = v[
            (v["kpi"] == kpi)
            & (v["year"] == year)
            & v["municipality_id"].isin([municipality, RIKET])
        ]
        out = _plain(part[["gender", "municipality_id", "value"]])
        out["place"] = out["municipality_id"].map(self.names)
        out["riket_last"] = out["municipality_id"] == RIKET  # the municipality first
        out = out.sort_values(["riket_last", "gender"], ignore_index=True)
        return out.drop(columns="riket_last")

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
        now = _plain(u[u["year"] == year][["kpi", "ou_id", "value", "colour", "rank", "n"]])
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

    # --- own measures (the local layer; never coloured by national quartile) ---------------

    def own_measures(self, area: str, municipality: str, year: int) -> pd.DataFrame:
        """The area's own measures that the municipality has, in file order, at `year` only (a
        view shows its own year: no later value or target): measure_id, label, unit,
        higher_is_better, year, value (the whole municipality; NaN if it has none that year),
        respondents, flags ("få svar" below flags.FEW_RESPONDENTS), previous_year,
        previous_value, trend (trends.py), units (how many units have a value that year),
        years (every year with a value), target, target_status, comment."""
        self.area(area)
        self.check_municipality(municipality)
        return self._own_measures(area, municipality, year).copy()  # callers may change theirs

    def _build_own_measures(self, area: str, municipality: str, year: int) -> pd.DataFrame:
        m = self.local.measures
        mine = m if m.empty else m[(m["area"] == area) & (m["municipality_id"] == municipality)]
        if mine.empty:  # most views: nothing local, so no merging
            return _NO_OWN_MEASURES.copy()
        rows = []
        for measure_id, part in mine.groupby("measure_id", sort=False):
            whole = part[part["ou_id"].isna()].set_index("year").sort_index()
            earlier = whole["value"][whole.index < year]
            first = part.iloc[0]
            rows.append(
                {
                    "measure_id": measure_id,
                    "label": first["label"],
                    "unit": first["unit"],
                    "higher_is_better": bool(first["higher_is_better"]),
                    "kpi": measure_id,
                    "year": year,
                    "value": whole["value"].get(year, np.nan),
                    "respondents": float(whole["respondents"].astype(float).get(year, np.nan)),
                    "previous_year": earlier.index[-1] if len(earlier) else np.nan,
                    "previous_value": earlier.iloc[-1] if len(earlier) else np.nan,
                    "units": int((part["ou_id"].notna() & (part["year"] == year)).sum()),
                    "years": tuple(sorted(part["year"].unique().tolist())),
                }
            )
        out = pd.DataFrame(rows, columns=_OWN_SUMMARY_COLUMNS)
        out["flags"] = [
            [flags.LOW_RESPONSE] if n < flags.FEW_RESPONDENTS else [] for n in out["respondents"]
        ]
        signs = out["higher_is_better"].map(trends.sign)  # each own measure has its own
        out["trend"] = trends.judge(out["value"] - out["previous_value"], signs)
        out = targets.join(out, self._targets_of(municipality), out["higher_is_better"])
        # Issue 16: a share with its respondents given gets a Wilson interval, and the target
        # verdict is "sure" only when the whole interval gives it (else unsure; no count:
        # unknown, nothing invented).
        lo, hi = uncertainty.share_interval(out["value"], out["respondents"], out["unit"])
        out["lo"], out["hi"] = lo, hi
        out["certainty"] = uncertainty.target_certainty(
            out["value"], lo, hi, out["target"], out["higher_is_better"].to_numpy(dtype=object)
        )
        return out.drop(columns="kpi")

    def own_measure(self, measure_id: str) -> dict[str, Any]:
        """label, area, unit, higher_is_better and the source files of an own measure."""
        m = self.local.measures
        part = m[m["measure_id"] == measure_id]
        if part.empty:
            raise UnknownError(f"Det lokala måttet {measure_id!r} finns inte.")
        first = part.iloc[0]
        return {
            "id": measure_id,
            "label": first["label"],
            "area": first["area"],
            "unit": first["unit"],
            "higher_is_better": bool(first["higher_is_better"]),
            "sources": sorted(set(part["source"])),
        }

    def own_values(
        self, measure_id: str, municipality: str, ou_id: str | None = None
    ) -> pd.DataFrame:
        """One own measure over the years for the whole municipality (or one unit): year,
        value, respondents, target (the local target of that year, NaN if none)."""
        self.own_measure(measure_id)
        self.check_municipality(municipality)
        m = self.local.measures
        part = m[(m["measure_id"] == measure_id) & (m["municipality_id"] == municipality)]
        part = part[part["ou_id"].isna() if ou_id is None else part["ou_id"] == ou_id]
        out = part[["year", "value", "respondents"]].sort_values("year", ignore_index=True)
        t = self.local.targets
        goals = t[
            (t["municipality_id"] == municipality)
            & (t["kpi"] == measure_id)
            & (t["ou_id"].isna() if ou_id is None else t["ou_id"] == ou_id)
        ].set_index("year")["target"]
        out["target"] = out["year"].map(goals).astype(float)
        return out

    def own_units(self, measure_id: str, municipality: str, year: int) -> pd.DataFrame:
        """The municipality's units with a value of the own measure in `year`, best first:
        ou_id, title, value, respondents, place (1 = best among them; ties share), n."""
        info = self.own_measure(measure_id)
        self.check_municipality(municipality)
        m = self.local.measures
        part = m[
            (m["measure_id"] == measure_id)
            & (m["municipality_id"] == municipality)
            & m["ou_id"].notna()
            & (m["year"] == year)
        ]
        out = part[["ou_id", "value", "respondents"]].reset_index(drop=True)
        out.insert(1, "title", out["ou_id"].map(self.store.ous.set_index("id")["title"]))
        ascending = not info["higher_is_better"]
        out["place"] = out["value"].rank(method="min", ascending=ascending).astype(int)
        out["n"] = len(out)
        return out.sort_values(["place", "title"], ignore_index=True)

    def own_years(self, measure_id: str, municipality: str) -> list[int]:
        """Years with any value of the own measure for the municipality, newest first."""
        m = self.local.measures
        part = m[(m["measure_id"] == measure_id) & (m["municipality_id"] == municipality)]
        return sorted(part["year"].unique().tolist(), reverse=True)

    def own_unit_years(self, area: str, municipality: str) -> list[int]:
        """Years with own-measure values for units of the area in the municipality."""
        m = self.local.measures
        if m.empty:
            return []
        mine = m[(m["area"] == area) & (m["municipality_id"] == municipality) & m["ou_id"].notna()]
        return sorted(mine["year"].unique().tolist(), reverse=True)

    def own_measures_of_unit(self, ou_id: str) -> list[str]:
        """Own measure ids with values for the unit, in file order."""
        m = self.local.measures
        return list(dict.fromkeys(m.loc[m["ou_id"] == ou_id, "measure_id"]))

    # --- internals ------------------------------------------------------------------------

    def area_of(self, kpi: str) -> Area:
        """The first area whose measures list the KPI (for its peer group and survey)."""
        for area in self.config.areas:
            if kpi in area.kpi_ids():
                return area
        return self.config.areas[0]

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

    # --- issue 16: uncertainty (the analysis: uncertainty.py; the wiring: certainty_view.py) --

    def kpi_rows_at(self, municipality: str, year: int) -> pd.DataFrame:
        """The municipality's rows of every KPI for the year (KPI_ROW_COLUMNS), a copy."""
        return self._kpi_rows_at(municipality, year).copy()

    def kpi_year_rows(self, kpi: str, year: int) -> pd.DataFrame:
        """Every municipality's row of the KPI for the year, indexed by municipality_id."""
        part = _plain(self.ranked.take(self._by_kpi.find(kpi, year)).drop(columns="flags"))
        return part.set_index("municipality_id")

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


def verdict(measures: pd.DataFrame) -> str:
    """One Swedish sentence: how many quality measures are among the best and worst 25 %."""
    columns = [measures[c].tolist() for c in ("kind", "colour", "label", "rank", "n")]
    quality = [m for m in zip(*columns, strict=True) if m[0] == "quality"]
    colours = [m[1] for m in quality]
    total, green, red, missing = (
        len(quality),
        colours.count("green"),
        colours.count("red"),
        colours.count("grey"),
    )
    if total == 0:
        return "Området har inga kvalitetsmått."
    if missing == total:
        return f"Uppgifter saknas för alla {total} mått."
    best = f"{green} av {total} mått" if green else f"Inget av {total} mått"
    worst = f"{red}" if red else "inget"
    text = f"{best} bland de 25 % bästa, {worst} bland de 25 % sämsta"
    if missing:
        text += f" ({missing} saknar uppgift)"
    return text + "." + _strongest_and_weakest([(m[2], m[3], m[4]) for m in quality])


def strongest_and_weakest(measures: pd.DataFrame) -> tuple[str, str] | None:
    """The ids of the quality measures the verdict names strongest and weakest (the same id
    twice when only one is ranked); None when none is."""
    quality = measures[measures["kind"] == "quality"]
    columns = [quality[c].tolist() for c in ("measure", "rank", "n")]
    found = _extremes(list(zip(*columns, strict=True)))
    if found is None:
        return None
    ranked, best, worst = found
    return ranked[best][0], ranked[worst][0]


def _extremes(
    quality: list[tuple[str, float, int]],
) -> tuple[list[tuple[str, float, int]], int, int] | None:
    """The ranked (name, rank, n) of `quality` in config order and the positions of the
    strongest and weakest among them: by the share of municipalities ahead (rank / n, so
    measures ranked among different numbers compare); ties go to the first in config order."""
    ranked = [(label, rank, int(n)) for label, rank, n in quality if pd.notna(rank) and n > 0]
    if not ranked:
        return None
    shares = [rank / n for _, rank, n in ranked]
    return ranked, shares.index(min(shares)), shares.index(max(shares))


def _strongest_and_weakest(quality: list[tuple[str, float, int]]) -> str:
    """ " Starkast: Kontakt, plats 59 av 286. Svagast: …" of (label, rank, n) in config order
    (_extremes says which)."""
    found = _extremes(quality)
    if found is None:
        return ""
    ranked, best, worst = found

    def place(i: int) -> str:
        label, rank, n = ranked[i]
        return f"{label}, {rank_text(rank, n)}"

    if len(ranked) == 1:
        return f" Enda rangordnade mått: {place(best)}."
    return f" Starkast: {place(best)}." + (f" Svagast: {place(worst)}." if worst != best else "")


def _as_context(rows: pd.DataFrame, context: pd.Series) -> pd.DataFrame:
    """The one context rule, on every level: a KPI shown as context (of a context measure, or
    on a KPI page whose area uses it only as context) is never coloured, ranked or judged
    better/worse; its value and change are shown as they are. Its national ranking still
    exists, for the areas that use it as quality."""
    out = rows.copy()
    context = context.to_numpy(dtype=bool)
    has = out["value"].notna().to_numpy()
    out["colour"] = np.where(context, np.where(has, "neutral", "grey"), out["colour"])
    out["rank"] = out["rank"].where(~context)
    out["n"] = np.where(context, 0, out["n"])
    out["trend"] = np.where(context, trends.NONE, out["trend"])
    if "certainty" in out:  # issue 16: a context KPI's colour has no certainty
        out["certainty"] = np.where(context, "unknown", out["certainty"])
    if "colour_changed" in out:
        out["colour_changed"] = out["colour_changed"] & ~context
    out["flags"] = [
        [f for f in fs if f != flags.NEAR_CUT] if c else list(fs)
        for fs, c in zip(out["flags"], context, strict=True)
    ]
    return out


def _has_flag(column: pd.Series) -> pd.Series:
    """Whether the row's flags already say "serie bruten"."""
    return column.map(lambda f: isinstance(f, tuple) and flags.DISCONTINUED in f).astype(bool)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a compact table as the views know them (a new frame): categories as str, small
    ints as int64, float32 as float64; every value exactly as it was computed."""
    columns = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = _as_str(column)
        elif column.dtype in (np.int8, np.int16, np.int32):
            column = column.astype("int64")
        elif column.dtype == np.float32:
            column = column.astype("float64")
        columns[name] = column
    return pd.DataFrame(columns, index=frame.index)


def _as_str(column: pd.Series) -> pd.Series:
    """A categorical column as str (NaN where missing): a take of its categories, which is
    many times faster than astype(str)."""
    categories = column.cat.categories.array
    text = categories.take(column.cat.codes.to_numpy(), allow_fill=True)
    return pd.Series(text, index=column.index, name=column.name).astype("str")


# Columns kept in a smaller dtype when every value fits exactly (whole numbers, years).
_SMALL_INTS = ("n", "year")
_SMALL_FLOATS = ("rank", "previous_year", "limit")


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as it is kept: text as sorted categories, counts and years as int16, ranks and
    other whole numbers as float32, each only where every value is exactly the same after."""
    dtypes: dict[str, Any] = {}
    for name, column in frame.items():
        if pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column):
            dtypes[name] = "category"
        elif name in _SMALL_INTS and pd.api.types.is_integer_dtype(column):
            if column.empty or (column.min() > -(2**15) and column.max() < 2**15):
                dtypes[name] = "int16"
        elif name in _SMALL_FLOATS and _exact_in_float32(column):
            dtypes[name] = "float32"
    out = frame.astype(dtypes)
    for name, column in out.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            out[name] = _sorted_categories(column)
    return out


def _exact_in_float32(column: pd.Series) -> bool:
    values = column.to_numpy(dtype=float)
    same = values.astype(np.float32).astype(float) == values
    return bool((same | np.isnan(values)).all())


def _sorted_categories(column: pd.Series) -> pd.Series:
    """A categorical column whose categories are in text order (as str sorts), so that
    sorting by it sorts as before."""
    column = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    categories = column.cat.categories
    if categories.is_monotonic_increasing:
        return column
    return column.cat.reorder_categories(categories.sort_values())


def _per_kpi(kpis: pd.Series, table: pd.DataFrame | pd.Series) -> Any:
    """`table` (indexed by KPI id) aligned with a categorical column of KPI ids: one lookup
    per KPI, not per row."""
    per_kpi = table.reindex(kpis.cat.categories)
    return per_kpi.iloc[kpis.cat.codes.to_numpy()].set_axis(kpis.index)


def _pair_codes(kpis: pd.Series, ou_ids: pd.Series, units: pd.DataFrame) -> np.ndarray:
    """One number per (KPI, unit), from their places in the units table's categories (-1 for
    a KPI or unit that the table does not have)."""
    kpi = units["kpi"].cat.categories.get_indexer(kpis)
    ou = units["ou_id"].cat.categories.get_indexer(ou_ids)
    pair = kpi.astype(np.int64) * len(units["ou_id"].cat.categories) + ou
    return np.where((kpi >= 0) & (ou >= 0), pair, -1)


@dataclass(frozen=True)
class _Positions:
    """The rows of a table for one value of a categorical column (a municipality, a KPI) and a
    span of years, by binary search: the table's positions sorted by that column and year
    (stably, so each group keeps the table's order) and their sort keys."""

    order: np.ndarray
    keys: np.ndarray
    categories: pd.Index
    first_year: int
    span: int

    @classmethod
    def of(cls, table: pd.DataFrame, column: str) -> _Positions:
        code = table[column].cat.codes.to_numpy().astype(np.int64)
        year = table["year"].to_numpy().astype(np.int64)
        first_year = int(year.min()) if len(year) else 0
        span = int(year.max()) - first_year + 1 if len(year) else 1
        order = np.lexsort((year, code))
        keys = (code * span + year - first_year)[order]
        return cls(order.astype(np.int32), keys, table[column].cat.categories, first_year, span)

    def find(self, value: str, year: int, last_year: int | None = None) -> np.ndarray:
        """Positions of the rows of `value` from `year` to `last_year` (default: that year
        only), by year; maybe none."""
        code = self.categories.get_indexer([value])[0]
        first = max(year - self.first_year, 0)
        last = min((year if last_year is None else last_year) - self.first_year, self.span - 1)
        if code < 0 or first > last:
            return self.order[:0]
        start, stop = np.searchsorted(
            self.keys, [code * self.span + first, code * self.span + last + 1]
        )
        return self.order[start:stop]


@dataclass(frozen=True)
class _Slices:
    """A table sorted by municipality_id, kept without that column, and where each
    municipality's rows are: id -> slice."""

    table: pd.DataFrame
    spans: dict[str, slice]

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Slices:
        ids = table["municipality_id"].to_numpy(dtype=object)
        if len(ids) and not (ids[:-1] <= ids[1:]).all():
            raise ValueError("the table must be sorted by municipality_id")
        places, starts = np.unique(ids, return_index=True)
        stops = [*starts[1:], len(ids)][: len(starts)]
        spans = {p: slice(a, b) for p, a, b in zip(places, starts, stops, strict=True)}
        return cls(table.drop(columns="municipality_id"), spans)

    def of_place(self, municipality: str) -> pd.DataFrame:
        """The municipality's rows (maybe none), numbered from 0."""
        mine = self.table.iloc[self.spans.get(municipality, slice(0, 0))]
        return mine.reset_index(drop=True)


def _text(meta: pd.Series | None, column: str, default: str) -> str:
    if meta is None:
        return default
    value = meta.get(column)
    return value if isinstance(value, str) else default
