"""Statistical uncertainty of survey results, places and quartile colours (issue 16).

Pure numpy/pandas, vectorised; no Dash, no I/O. Shares are in per cent (0-100), as Kolada
gives them; n is the number of respondents. The formulas, in words, are in docs/uncertainty.md.

- Value interval: Kolada's own half-width ("Osäkerhetstal", N21450-N21466) where it is given,
  value ± half-width; else the Wilson 95 % interval from n; else unknown (NaN). Never invented.
- Place range: the place of the interval's better end and of its worse end among the OTHER
  places' point values of the same KPI-year, with the ranking rule's tie convention
  (place = number strictly better + 1) and n unchanged: "plats 145 av 286, sannolikt mellan
  plats 98 och 190".
- Colour certainty: "sure" when the ranking rule (analysis/ranking.py) gives the point
  colour at both ends of the interval, the others' values held fixed; then, because being green
  only gets easier and being red only harder as the value improves, the colour is the same for
  every value in the interval. At equality the ranking rule decides: an end equal to another
  place's value ties with it and ties are not "strictly better", so an end exactly on the green
  cut is still green. For a green place the cut is the k-th best value among the others
  (k = floor(n/4)); for a red one the k-th worst; a yellow one is "säkert i mitten" when neither
  end reaches green or red. "unsure" otherwise; "unknown" without an interval or for grey and
  neutral colours.
- Measure certainty: the mean-score range with every KPI at its worse end at once and at its
  better end at once, compared with the other places' mean scores by the same rule (see
  `measure_certainty`).
- "Skild från riket": whether the interval excludes Riket's value.
- Year to year: a change is "sure" when a pooled two-proportion z-test at 95 % rejects
  equality; otherwise "oförändrat inom felmarginalen".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..labels import WITHIN_MARGIN
from .ranking import COLOURS, GREEN, GREY, RED, YELLOW, measure_members

SURE, UNSURE, UNKNOWN = "sure", "unsure", "unknown"
CERTAINTY_WORDS = {SURE: "säker", UNSURE: "osäker", UNKNOWN: "okänd säkerhet"}
SURE_MIDDLE = "säkert i mitten"  # the words for a sure yellow
CHANGE_WORDS = {
    SURE: "säker förändring",
    UNSURE: WITHIN_MARGIN,
    UNKNOWN: "okänd säkerhet",
}
# Mean scores are floats; equal exact means may differ in the last bits (see ranking.py).
_MEAN_TOLERANCE = 1e-12


class Interval(NamedTuple):
    """Arrays lo, hi (NaN = unknown) and source per element: "kolada", "wilson" or "none"."""

    lo: np.ndarray
    hi: np.ndarray
    source: np.ndarray


def z_value(confidence: float = 0.95) -> float:
    """The two-sided normal quantile: 1.959964 for 95 %."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(p, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a share p (%, 0-100) of n respondents, in %.

    NaN where p is missing or outside 0-100, or n is missing or not positive."""
    share = np.asarray(p, dtype=float) / 100
    count = np.asarray(n, dtype=float)
    share, count = np.broadcast_arrays(share, count)
    ok = (count > 0) & (share >= 0) & (share <= 1)
    share, count = np.where(ok, share, np.nan), np.where(ok, count, np.nan)
    z2 = z_value(confidence) ** 2
    centre = (share + z2 / (2 * count)) / (1 + z2 / count)
    half = (
        np.sqrt(z2) / (1 + z2 / count) * np.sqrt(share * (1 - share) / count + z2 / (4 * count**2))
    )
    # Mathematically lo <= p <= hi and lo = 0 at p = 0; keep it so against rounding.
    lo = np.clip(np.minimum(centre - half, share), 0, 1)
    hi = np.clip(np.maximum(centre + half, share), 0, 1)
    return lo * 100, hi * 100


def value_interval(value, n=None, half_width=None, confidence: float = 0.95) -> Interval:
    """The interval of a share (%): Kolada's half-width where given (value ± half-width, within
    0-100), else Wilson from n, else unknown. A negative half-width counts as not given."""
    value = np.asarray(value, dtype=float)
    missing = np.full(value.shape, np.nan)
    n = missing if n is None else np.broadcast_to(np.asarray(n, dtype=float), value.shape)
    half = missing if half_width is None else np.asarray(half_width, dtype=float)
    half = np.broadcast_to(half, value.shape)
    wilson_lo, wilson_hi = wilson_interval(value, n, confidence)
    kolada = (half >= 0) & ~np.isnan(value)
    lo = np.where(kolada, np.clip(value - half, 0, 100), wilson_lo)
    hi = np.where(kolada, np.clip(value + half, 0, 100), wilson_hi)
    source = np.where(kolada, "kolada", np.where(np.isnan(wilson_lo), "none", "wilson"))
    return Interval(lo, hi, source.astype(object))


def share_interval(value, respondents, unit) -> tuple[np.ndarray, np.ndarray]:
    """An own measure's interval (issue 16): Wilson 95 % where it is a share (unit "%") with a
    respondent count given (svarande); NaN otherwise. Nothing is invented for a missing count,
    a count of 0, or a value outside 0-100."""
    value = np.atleast_1d(np.asarray(value, dtype=float))
    n = np.atleast_1d(np.asarray(respondents, dtype=float))
    share = np.atleast_1d(np.asarray(unit, dtype=object)) == "%"
    share, value, n = np.broadcast_arrays(share, value, n)
    lo, hi = wilson_interval(np.where(share, value, np.nan), n)
    return lo, hi


def target_certainty(value, lo, hi, target, higher_is_better) -> np.ndarray:
    """Whether a target verdict (met / not met by the value) holds over the whole interval:
    "sure" when every value in [lo, hi] gives the same verdict, "unsure" when the target lies
    inside it so the other verdict is possible, "unknown" without an interval, a target or a
    direction."""
    value, lo, hi, target = (
        np.atleast_1d(np.asarray(a, dtype=float)) for a in (value, lo, hi, target)
    )
    higher = np.atleast_1d(np.asarray(higher_is_better, dtype=object))
    value, lo, hi, target, higher = np.broadcast_arrays(value, lo, hi, target, higher)
    up = np.array([h is True or h is np.True_ for h in higher.ravel()]).reshape(value.shape)
    down = np.array([h is False or h is np.False_ for h in higher.ravel()]).reshape(value.shape)
    known = (up | down) & ~np.isnan(value) & ~np.isnan(lo) & ~np.isnan(hi) & ~np.isnan(target)
    with np.errstate(invalid="ignore"):
        # met everywhere in [lo, hi], or not met anywhere in it
        sure_up = (lo >= target) | (hi < target)
        sure_down = (hi <= target) | (lo > target)
    sure = np.where(up, sure_up, sure_down)
    return np.select([known & sure, known], [SURE, UNSURE], UNKNOWN).astype(object)


def differs_from_reference(lo, hi, reference) -> pd.arrays.BooleanArray:
    """ "Skild från riket": True when the reference value lies outside [lo, hi] (an end equal to
    it does not exclude it), False inside, NA when either is unknown."""
    lo, hi, reference = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=float)) for a in (lo, hi, reference))
    )
    known = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(reference))
    outside = pd.array((reference < lo) | (reference > hi), dtype="boolean")
    outside[~known] = pd.NA
    return outside


# --- places and colours at the interval's ends ----------------------------------------------


def place_range(value, lo, hi, higher_is_better: bool) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst place (1 = best) of each interval among the other values of one
    KPI-year; NaN where the value or the interval is missing."""
    ends = _interval_ends(*_one_group(value, lo, hi, higher_is_better))
    return ends["place_best"], ends["place_worst"]


def colour_certainty(value, lo, hi, higher_is_better: bool | None) -> np.ndarray:
    """ "sure" / "unsure" / "unknown" per place of one KPI-year, the point colour by the
    ranking rule on `value` (NaN = no value)."""
    if higher_is_better is None:  # a context KPI is never coloured
        return np.full(np.shape(value), UNKNOWN, dtype=object)
    ends = _interval_ends(*_one_group(value, lo, hi, higher_is_better))
    return _certainty(ends["colour"], ends)


def per_distinct(values: pd.Series, of: Callable[[Any], float], dtype: Any = float) -> np.ndarray:
    """of(value) for each row, computed once per distinct value: Series.map of a dict took
    140 ms on the store's 320k KPI ids, this 8 ms."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.array([of(value) for value in distinct], dtype=dtype)[codes]


def annotate_kpis(
    ranked: pd.DataFrame,
    higher_is_better: Mapping[str, bool | None],
    *,
    by: Sequence[str] = ("kpi", "year"),
) -> pd.DataFrame:
    """Rows of `ranking.quartiles_with_scores` (or `unit_quartiles`, with by=("kpi", "year",
    "unit_type")) with the columns lo and hi added by the caller: a copy with place_best,
    place_worst, score_lo, score_hi (the score at the worse and the better end) and certainty.

    The point colour is the frame's own colour column, so certainty speaks of the colour shown."""
    group = ranked.groupby(list(by), observed=True, sort=False, dropna=False).ngroup().to_numpy()
    sign = per_distinct(
        ranked["kpi"], lambda k: {True: 1.0, False: -1.0}.get(higher_is_better.get(k), 0.0)
    )
    ends = _interval_ends(
        group,
        np.where(sign == 0, 1.0, sign),
        ranked["value"].to_numpy(dtype=float),
        ranked["lo"].to_numpy(dtype=float),
        ranked["hi"].to_numpy(dtype=float),
    )
    colour = pd.Categorical(ranked["colour"], categories=COLOURS).codes
    out = ranked.copy()
    context = sign == 0
    for name in ("place_best", "place_worst", "score_lo", "score_hi"):
        out[name] = np.where(context, np.nan, ends[name])
    out["certainty"] = _certainty(colour, ends)
    return out


def measure_certainty(
    kpi_rows: pd.DataFrame,
    measure_rows: pd.DataFrame,
    measures: Mapping[str, Sequence[str]],
    higher_is_better: Mapping[str, bool | None],
    place: str = "municipality_id",
) -> pd.DataFrame:
    """Certainty of measure colours: `measure_rows` (from `ranking.measure_quartiles`) with
    value_lo, value_hi (the mean-score range), place_best, place_worst and certainty added.

    kpi_rows: the output of `annotate_kpis`. The rule: the measure's mean score lies between
    the mean of its KPIs' scores at their worse ends and the mean at their better ends (every
    KPI anywhere in its interval at once, so correlated items of one survey are covered); the
    colour is sure when both ends of that range give the measure's colour among the other
    places' mean scores, by the ranking rule. A one-KPI measure takes its KPI's certainty. A
    KPI without an interval cannot be bounded, so a measure using one is "unknown": a KPI that
    is exact by nature (a register count) should be given lo = hi = value. Why this rule and
    not "every KPI sure": sure KPI colours do not make the mean's colour sure (two sure yellows
    can average to a green on the edge), and an unsure KPI with a narrow interval need not
    move the measure. Approximation: the other places' mean scores are held at their point
    values, as the KPI rule holds the other values fixed."""
    members = measure_members(measures, higher_is_better)
    size = members.groupby("measure")["kpi"].size()
    columns = ["value", "score_lo", "score_hi", "place_best", "place_worst", "certainty"]
    joined = members.merge(kpi_rows[["kpi", place, "year", *columns]], on="kpi")
    keys = ["measure", place, "year"]
    joined["has"] = joined["value"].notna()
    joined["missing"] = joined["has"] & joined["score_lo"].isna()
    used = joined[joined["has"]]
    bounds = used.groupby(keys, observed=True).agg(
        value_lo=("score_lo", "mean"),
        value_hi=("score_hi", "mean"),
        missing=("missing", "any"),
    )
    out = measure_rows.join(bounds, on=keys)
    missing = out["missing"].fillna(True).astype(bool).to_numpy()
    out = out.drop(columns="missing")

    group = (
        out.groupby(["measure", "year"], observed=True, sort=False, dropna=False)
        .ngroup()
        .to_numpy()
    )
    ends = _interval_ends(
        group,
        np.ones(len(out)),
        out["value"].to_numpy(dtype=float),
        np.where(missing, np.nan, out["value_lo"].to_numpy(dtype=float)),
        np.where(missing, np.nan, out["value_hi"].to_numpy(dtype=float)),
        tolerance=_MEAN_TOLERANCE,
    )
    colour = pd.Categorical(out["colour"], categories=COLOURS).codes
    out["place_best"], out["place_worst"] = ends["place_best"], ends["place_worst"]
    out["certainty"] = _certainty(colour, ends)

    single = out["measure"].map(size).eq(1).to_numpy()
    if single.any():
        kpi_of = members.groupby("measure")["kpi"].first()
        own = joined.set_index(["kpi", place, "year"])
        lookup = pd.MultiIndex.from_arrays([out["measure"].map(kpi_of), out[place], out["year"]])
        taken = own[~own.index.duplicated()].reindex(lookup)
        for name in ("place_best", "place_worst", "certainty"):
            out.loc[single, name] = taken[name].to_numpy()[single]
        out.loc[single, "value_lo"] = taken["score_lo"].to_numpy()[single]
        out.loc[single, "value_hi"] = taken["score_hi"].to_numpy()[single]
    out["certainty"] = out["certainty"].fillna(UNKNOWN)
    return out


def certainty_from_inner_interval(certainty) -> np.ndarray:
    """Certainty when the interval used lies inside the true one, e.g. Kolada's "färre än 30
    svarande" with n = 29: the true n is smaller and Wilson intervals only widen as n falls
    (they are nested), and widening never makes a colour sure. So "unsure" stands and "sure"
    becomes "unknown"."""
    certainty = np.asarray(certainty, dtype=object)
    return np.where(certainty == UNSURE, UNSURE, UNKNOWN).astype(object)


def certainty_word(colour: str, certainty: str) -> str:
    """The Swedish words for a colour's certainty: "säkert i mitten" for a sure yellow."""
    if certainty == SURE and colour == "yellow":
        return SURE_MIDDLE
    return CERTAINTY_WORDS[certainty]


def place_range_text(rank: float, n: int, best: float, worst: float) -> str:
    """ "plats 145 av 286, sannolikt mellan plats 98 och 190"; only the place when the range
    is unknown or is that one place."""
    text = f"plats {int(rank)} av {int(n)}"
    if np.isnan(best) or np.isnan(worst) or best == worst:
        return text
    return f"{text}, sannolikt mellan plats {int(best)} och {int(worst)}"


# --- year to year ----------------------------------------------------------------------------


def two_proportion_z(p1, n1, p2, n2) -> np.ndarray:
    """Pooled two-proportion z statistic of p2 - p1 (shares in %); NaN without both counts.
    Equal shares at 0 or 100 % have no spread: z = 0."""
    p1, n1, p2, n2 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p1, n1, p2, n2)))
    ok = (n1 > 0) & (n2 > 0) & (p1 >= 0) & (p1 <= 100) & (p2 >= 0) & (p2 <= 100)
    n1, n2 = np.where(ok, n1, np.nan), np.where(ok, n2, np.nan)
    a, b = p1 / 100, p2 / 100
    pooled = (a * n1 + b * n2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (b - a) / se, 0.0)
    return np.where(ok, z, np.nan)


def change_certainty(p1, n1, p2, n2, confidence: float = 0.95) -> np.ndarray:
    """ "sure" when the two-sided pooled two-proportion test rejects equal shares at the
    confidence level, "unsure" (oförändrat inom felmarginalen) otherwise, "unknown" without
    counts."""
    z = two_proportion_z(p1, n1, p2, n2)
    significant = np.abs(z) > z_value(confidence)
    return np.where(np.isnan(z), UNKNOWN, np.where(significant, SURE, UNSURE)).astype(object)


# --- the vectorised core ---------------------------------------------------------------------


def _one_group(value, lo, hi, higher_is_better: bool):
    value = np.asarray(value, dtype=float)
    sign = np.full(value.shape, 1.0 if higher_is_better else -1.0)
    return np.zeros(value.shape, dtype=np.int64), sign, value, lo, hi


def _interval_ends(
    group: np.ndarray,
    sign: np.ndarray,
    value: np.ndarray,
    lo,
    hi,
    tolerance: float = 0.0,
) -> dict[str, np.ndarray]:
    """For each row: n of its group, the point colour, and at the interval's better and worse
    end the place, the score and the colour, all among the other rows of the group (values
    NaN = not in the ranking). Keys are directed (larger = better); keys within `tolerance`
    tie."""
    value = np.asarray(value, dtype=float)
    lo, hi = (np.broadcast_to(np.asarray(a, dtype=float), value.shape) for a in (lo, hi))
    key = value * sign
    better_key = np.maximum(lo * sign, hi * sign)
    worse_key = np.minimum(lo * sign, hi * sign)
    n, counts = _counts_among_others(group, key, [key, better_key, worse_key], tolerance)
    has_interval = ~(np.isnan(key) | np.isnan(better_key) | np.isnan(worse_key))
    out: dict[str, np.ndarray] = {"n": n.astype(float), "has_interval": has_interval}
    out["colour"] = _colour(*counts[0], n)
    for end, (better, worse) in (("best", counts[1]), ("worst", counts[2])):
        better = np.where(has_interval, better, np.nan)
        worse = np.where(has_interval, worse, np.nan)
        ties = n - better - worse - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(n > 1, (worse + 0.5 * ties) / (n - 1), np.nan)
        out[f"place_{end}"] = better + 1
        out["score_hi" if end == "best" else "score_lo"] = score
        out[f"colour_{end}"] = _colour(better, worse, n)
    return out


def _counts_among_others(
    group: np.ndarray, key: np.ndarray, queries: Sequence[np.ndarray], tolerance: float
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """n (the keys in each row's group) and, per query array, (above, below): how many OTHER
    rows of the row's group have a key more than `tolerance` above / below the row's query.

    Exact: keys are replaced by their rank among all keys, a query by the rank of the last key
    not above it, and (group, rank) by one integer, so one sorted array answers every group."""
    group = np.asarray(group, dtype=np.int64)
    member = ~np.isnan(key)
    size = np.bincount(group[member], minlength=group.max(initial=-1) + 1)
    start = np.concatenate([[0], np.cumsum(size)])[group]  # where the group's members begin
    n = size[group]
    levels, rank = np.unique(key[member], return_inverse=True)
    width = len(levels) + 1
    composite = np.sort(group[member] * width + rank)

    def members_up_to(query: np.ndarray, side: str) -> np.ndarray:
        """Members of the row's group with key <= query ("right") or < query ("left")."""
        last = np.searchsorted(levels, query, side) - 1  # -1: no key that low
        return np.searchsorted(composite, group * width + last, "right") - start

    out = []
    for query in queries:
        up, down = query + tolerance, query - tolerance
        # The row itself is no "other": leave its own key out where it counted.
        with np.errstate(invalid="ignore"):
            above = n - members_up_to(up, "right") - (key > up)
            below = members_up_to(down, "left") - (key < down)
        unknown = np.isnan(query)
        out.append((np.where(unknown, np.nan, above), np.where(unknown, np.nan, below)))
    return n, out


def _colour(better: np.ndarray, worse: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The ranking rule (ranking.py) as colour codes; NaN counts or n < 4 give grey."""
    with np.errstate(invalid="ignore"):
        green = 4 * (better + 1) <= n
        red = 4 * (worse + 1) <= n
    colour = np.full(np.shape(better), YELLOW, dtype=np.int8)
    colour[green & ~red] = GREEN
    colour[red & ~green] = RED
    colour[np.isnan(better) | np.isnan(worse) | (n < 4)] = GREY
    return colour


def _certainty(colour: np.ndarray, ends: Mapping[str, np.ndarray]) -> np.ndarray:
    """sure when both ends keep the (green, yellow or red) point colour; unknown without an
    interval or for grey, neutral and missing colours."""
    colour = np.asarray(colour)
    coloured = np.isin(colour, (GREEN, YELLOW, RED)) & ends["has_interval"]
    kept = (ends["colour_best"] == colour) & (ends["colour_worst"] == colour)
    return np.where(coloured, np.where(kept, SURE, UNSURE), UNKNOWN).astype(object)
