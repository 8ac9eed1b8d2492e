"""IndicatorService's own measures (the local layer, beside Kolada's figures)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..analysis import flags, trends, uncertainty
from ..local import targets
from .records import (
    _NO_OWN_MEASURES,
    _OWN_SUMMARY_COLUMNS,
    UnknownError,
)


class OwnMeasureViews:
    """The local layer's own measures, never coloured by national quartile."""

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
