"""IndicatorService's levels 1 and 2 (overview tiles, an area's measures and KPIs)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from .. import memory
from ..analysis import flags, surveys, trends
from ..analysis.ranking import COLOURS
from ..config.models import Area
from ..local import targets
from ..rows import row_dicts
from . import certainty_view
from .records import (
    CONTEXT_RANK,
    AreaSummary,
    rank_text,
)
from .tables import (
    _as_context,
    _has_flag,
    _Slices,
    verdict_of,
)


class AreaViews:
    """Levels 1 and 2: an area's summary (its measures' colours) and its KPIs' rows."""

    # --- level 1 --------------------------------------------------------------------------

    def overview(self, municipality: str, year: int) -> list[AreaSummary]:
        self.check_municipality(municipality)
        with self._giving_back():
            return [self.area_summary(a.id, municipality, year) for a in self.config.areas]

    @contextlib.contextmanager
    def _giving_back(self) -> Iterator[None]:
        """When a year's tables were built inside: the heap their build freed returned to
        the system (memory.give_back, ~0.1 s once per year; else 25 MB stay resident)."""
        built = self._year_builds()
        yield
        if self._year_builds() != built:
            memory.give_back()

    def _year_builds(self) -> int:
        years = (self._area_year, self._area_summaries, self._measures_of_year)
        return sum(cache.cache_info().misses for cache in years)

    def area_summary(self, area: str, municipality: str, year: int) -> AreaSummary:
        """Each measure of the area in config order (see _build_area_summary)."""
        with self._giving_back():
            summary = self._area_summary(area, municipality, year)
        return replace(summary, measures=summary.measures.copy())  # callers may change theirs

    def _build_area_summary(self, area: str, municipality: str, year: int) -> AreaSummary:
        """Each measure of the area in config order (see _summary_rows) and a verdict naming
        the strongest and weakest. Without local targets (the common case) a slice of the
        year's summaries of every municipality (_build_area_summaries)."""
        config_area = self.area(area)
        self.check_municipality(municipality)
        if self._targets_of(municipality).empty:
            table, verdicts = self._area_summaries(area, year)
            if municipality in verdicts:
                measures = table.of_place(municipality)
                return AreaSummary(area, config_area.label, measures, verdicts[municipality])
        return self._own_area_summary(area, municipality, year)

    def _own_area_summary(self, area: str, municipality: str, year: int) -> AreaSummary:
        """The area's summary from the municipality's own level 2 rows (with its targets)."""
        config_area = self.area(area)
        measures = {
            r["measure"]: r
            for r in row_dicts(self._measures_of_year(year).of_place(municipality))
            if r["area"] == area
        }
        kpi_rows = row_dicts(self._area_kpis(area, municipality, year)[list(SUMMARY_INPUTS)])
        rows = _summary_rows(config_area, measures, kpi_rows)
        return AreaSummary(area, config_area.label, pd.DataFrame(rows), verdict_of(rows))

    def _build_area_summaries(self, area: str, year: int) -> tuple[_Slices, dict[str, str]]:
        """Level 1 of the area for every type-K municipality of the year at once, as if none
        had local targets, and each one's verdict: one pass over the year's level 2 rows of
        all of them, instead of some 7 ms of pandas per municipality and area on its first
        overview (each later one is a slice)."""
        config_area = self.area(area)
        kpis = self._area_year(area, year)
        kpi_rows = row_dicts(kpis.table[[c for c in SUMMARY_INPUTS if c not in NO_TARGET]])
        for row in kpi_rows:
            row.update(NO_TARGET)
        ranked = self._measures_of_year(year)
        of_area = (ranked.table["area"] == area).to_numpy()
        measures: dict[str, dict[str, dict]] = {}
        for place, r in zip(
            ranked.places()[of_area], row_dicts(ranked.table[of_area]), strict=True
        ):
            measures.setdefault(place, {})[r["measure"]] = r
        rows: list[dict] = []
        verdicts: dict[str, str] = {}
        for place, span in kpis.spans.items():
            mine = _summary_rows(config_area, measures.get(place, {}), kpi_rows[span])
            verdicts[place] = verdict_of(mine)
            rows.extend({"municipality_id": place, **r} for r in mine)
        return _Slices.of(pd.DataFrame(rows)), verdicts

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


# What _summary_rows reads of a municipality's level 2 rows; NO_TARGET: a row's target
# columns when the municipality has no local targets (as targets.join gives them).
SUMMARY_INPUTS = (
    *("measure", "kpi", "label", "unit", "value", "colour", "trend", "previous_year"),
    *("within_margin", "interval_source", "respondents", "respondents_text", "flags"),
    *("missing", "target", "target_status"),
)
NO_TARGET = {"target": np.nan, "target_status": ""}


def _summary_rows(config_area: Area, measures: dict[str, dict], kpi_rows: list[dict]) -> list[dict]:
    """Each measure of the area in config order: colour, rank, n, its trend on its KPIs'
    values (trends.py: trend, trend_text), the count of its KPIs per colour, its headline
    (the first KPI with a value), the survey's respondents and flags, why it has no value
    (missing), how many of its KPIs have a local target for the year and how many of those
    with a value met it. `measures`: the municipality's ranked quality measures by id;
    `kpi_rows`: its level 2 rows (SUMMARY_INPUTS) of the area."""
    by_measure: dict[str, list[dict]] = {}
    for r in kpi_rows:
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
    return rows
