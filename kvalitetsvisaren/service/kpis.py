"""IndicatorService's level 2:2 (one KPI: rank, spread, group, peers, trend, gender)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..analysis import learning, surveys, trends
from ..analysis.comparison import (
    RIKET,
    county_group,
    liknande_group,
    place_in_group,
)
from ..local import targets
from .records import (
    TREND_YEARS,
    GroupComparison,
    KpiSummary,
    LearnFrom,
)
from .tables import (
    _as_context,
    _plain,
    _text,
)


class KpiViews:
    """Level 2:2: one KPI's summary, spread, group, peers, trend and gender split."""

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
        return self._distribution(kpi, year, area).copy()  # callers may change it

    def _build_distribution(self, kpi: str, year: int, area: str) -> pd.DataFrame:
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
        uses the KPI as context. Computed once per view (the KPI page's group text and its
        chart both ask)."""
        key = group if isinstance(group, str) else tuple(group)
        found = self._comparison(kpi, municipality, year, key, area)
        return None if found is None else replace(found, members=found.members.copy())

    def _build_comparison(
        self, kpi: str, municipality: str, year: int, group: str | tuple[str, ...], area: str
    ) -> GroupComparison | None:
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
        the area uses the KPI as context. Computed once per view (the KPI page asks whether
        there is a line at all, then draws it)."""
        return self._trend(kpi, municipality, year, span, area).copy()  # callers may change it

    def _build_trend(
        self, kpi: str, municipality: str, year: int, span: int, area: str
    ) -> pd.DataFrame:
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
