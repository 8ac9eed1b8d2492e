"""National quartile colours: where each municipality (or unit) stands among all of them.

The rule, per KPI and year, on gender T values only:

- universe: type-K municipalities with a non-null value (not Riket, regions or groups); n of them;
- better / worse: how many universe values are strictly better / worse; rank = better + 1;
- colour: "green" if 4·rank <= n, "red" if 4·(worse + 1) <= n, "yellow" if both or neither;
  "grey" for everyone if n < 4 and for whoever has no value; a context KPI (higher_is_better
  None) is "neutral" for everyone with a value, with no rank;
- score s = (worse + 0.5·ties) / (n − 1) in [0, 1], 1 = best, ties = n − better − worse − 1;
- a quality measure: the mean score over its directional KPIs that have a value, required for
  at least half of them (rounded up), ranked again by the same rule (higher is better).

Everything is vectorised: one sort of all universe values by (group, directed value) gives
better and worse for every KPI-year at once; no Python loop runs per KPI or year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

COLOURS = ("green", "yellow", "red", "grey", "neutral")
GREEN, YELLOW, RED, GREY, NEUTRAL = range(5)
RESULT_COLUMNS = ["kpi", "municipality_id", "year", "value", "n", "rank", "colour"]


def national_quartiles(
    values: pd.DataFrame,
    municipalities: pd.DataFrame,
    higher_is_better: Mapping[str, bool | None],
) -> pd.DataFrame:
    """One row per (kpi, year present in `values`) x every type-K municipality:
    kpi, municipality_id, year, value, n, rank, colour.

    values: kpi, municipality_id, year, value (only gender T rows are used if there is a gender
    column). higher_is_better: kpi -> True | False | None; a KPI missing from it is treated as
    context (None): a colour is never guessed.
    """
    return quartiles_with_scores(values, municipalities, higher_is_better)[RESULT_COLUMNS]


def quartiles_with_scores(
    values: pd.DataFrame,
    municipalities: pd.DataFrame,
    higher_is_better: Mapping[str, bool | None],
) -> pd.DataFrame:
    """`national_quartiles` plus the columns better, worse and score."""
    if "gender" in values.columns:
        values = values[values["gender"] == "T"]
    kommuner = pd.Index(municipalities.loc[municipalities["type"] == "K", "id"].unique())
    return rank_within(values, "municipality_id", kommuner, higher_is_better)


def unit_quartiles(
    ou_values: pd.DataFrame,
    ous: pd.DataFrame,
    higher_is_better: Mapping[str, bool | None],
) -> pd.DataFrame:
    """The same rule for units: each unit among all units of its type nationally (the type is
    the OU id prefix: V21 hemtjänst, V23 särskilt boende, V15 grundskola, ...). One row per
    (kpi, year present for the type) x every unit of the type: kpi, ou_id, year, value, n,
    rank, colour, better, worse, score, unit_type (ou_id and unit_type categorical: 290,000
    rows for the snapshot)."""
    if "gender" in ou_values.columns:
        ou_values = ou_values[ou_values["gender"] == "T"]
    types = ou_values["ou_id"].str[:3]
    ou_types = ous["id"].str[:3]
    parts = []
    for unit_type in sorted(types.unique()):  # a handful of unit types
        part = ou_values[types == unit_type]
        known = pd.concat([ous.loc[ou_types == unit_type, "id"], part["ou_id"]]).astype(str)
        units = pd.Index(known.unique()).sort_values()
        ranked = rank_within(part, "ou_id", units, higher_is_better)
        types_of_rows = pd.Categorical.from_codes(np.zeros(len(ranked), np.int8), [unit_type])
        parts.append(ranked.assign(unit_type=types_of_rows))
    if not parts:
        floats = ("value", "rank", "better", "worse", "score")
        return pd.DataFrame(
            {
                "kpi": pd.Series(dtype=str),
                "ou_id": pd.Series(dtype=str),
                "year": pd.Series(dtype="int64"),
                "n": pd.Series(dtype="int64"),
                "colour": pd.Categorical([], categories=COLOURS),
                **{name: pd.Series(dtype=float) for name in floats},
                "unit_type": pd.Series(dtype=str),
            }
        )
    # Each part's units are a category of their own: one category of them all, in id order.
    ou_ids = union_categoricals([p["ou_id"] for p in parts], sort_categories=True)
    unit_types = union_categoricals([p["unit_type"] for p in parts], sort_categories=True)
    out = pd.concat([p.drop(columns=["ou_id", "unit_type"]) for p in parts], ignore_index=True)
    out.insert(1, "ou_id", ou_ids)
    out["unit_type"] = unit_types
    return out


def rank_within(
    values: pd.DataFrame,
    place: str,
    universe: pd.Index,
    higher_is_better: Mapping[str, bool | None],
    *,
    by: Sequence[str] = ("kpi", "year"),
) -> pd.DataFrame:
    """The rule for any kind of place (municipalities, units): one row per group of `by`
    present in `values` x every place in `universe`; values of places outside it are ignored."""
    _check_columns(values, [*by, place, "value"])
    group_codes, groups = _factorize_groups(values, list(by))
    # Factorize first: a lookup per distinct place, not per row (millions of rows).
    place_codes, places = pd.factorize(values[place])
    place_pos = np.append(universe.get_indexer(places), -1)[place_codes]
    known = place_pos >= 0
    n_places, n_groups = len(universe), len(groups)
    cell = group_codes[known] * n_places + place_pos[known]
    if len(cell) and np.bincount(cell).max() > 1:
        raise ValueError(f"values has more than one row per ({', '.join(by)}, {place})")

    value = np.full(n_groups * n_places, np.nan)
    value[cell] = values["value"].to_numpy(dtype=float)[known]
    direction = _directions(groups["kpi"], higher_is_better)
    ranked = _rank_cells(value.reshape(n_groups, n_places), direction)

    out = groups.loc[np.repeat(np.arange(n_groups), n_places)].reset_index(drop=True)
    out.insert(
        1, place, pd.Categorical.from_codes(np.tile(np.arange(n_places), n_groups), universe)
    )
    out["value"] = value
    for name, column in ranked.items():
        out[name] = column
    return out


def measure_quartiles(
    scores: pd.DataFrame,
    measures: Mapping[str, Sequence[str]],
    higher_is_better: Mapping[str, bool | None],
    place: str = "municipality_id",
) -> pd.DataFrame:
    """Colours of quality measures from the per-KPI rows of `quartiles_with_scores`.

    measures: measure id -> its KPI ids. One row per (measure, year, place) for measures with
    at least one directional KPI: measure, place, year, value (the mean score), n, rank,
    colour, kpis_with_value, kpis_needed. A one-KPI measure takes its KPI's ranking as it is.
    """
    columns = [
        "measure",
        place,
        "year",
        "value",
        "n",
        "rank",
        "colour",
        "kpis_with_value",
        "kpis_needed",
    ]
    members = measure_members(measures, higher_is_better)
    size = members.groupby("measure")["kpi"].size()
    members["kpis_needed"] = members["measure"].map(-(-size // 2))  # half, rounded up
    joined = members.merge(scores, on="kpi")
    if joined.empty:
        return pd.DataFrame(columns=columns)
    joined["has"] = joined["value"].notna()
    single = joined["measure"].map(size) == 1
    one = joined[single].assign(value=lambda f: f["score"], kpis_with_value=lambda f: f["has"])

    means = _exact_means(joined[~single], place, size)
    universe = pd.Index(joined[place].unique())
    ranked = rank_within(
        means.rename(columns={"measure": "kpi", "value": "mean", "key": "value"}),
        place,
        universe,
        {m: True for m in means["measure"].unique()},
    ).rename(columns={"kpi": "measure"})
    extra = means.set_index(["measure", place, "year"])[["value", "kpis_with_value"]]
    ranked = ranked.drop(columns="value").join(extra, on=["measure", place, "year"])
    ranked["kpis_needed"] = ranked["measure"].map(members.groupby("measure")["kpis_needed"].first())
    ranked["kpis_with_value"] = ranked["kpis_with_value"].fillna(0)
    out = pd.concat([one[columns], ranked[columns]], ignore_index=True)
    out["kpis_with_value"] = out["kpis_with_value"].astype(int)
    return out


def measure_members(
    measures: Mapping[str, Sequence[str]], higher_is_better: Mapping[str, bool | None]
) -> pd.DataFrame:
    """measure, kpi: each measure's directional KPIs (context KPIs never count), once each."""
    return pd.DataFrame(
        [
            (m, k)
            for m, kpis in measures.items()
            for k in dict.fromkeys(kpis)
            if higher_is_better.get(k) is not None
        ],
        columns=["measure", "kpi"],
    )


def _exact_means(joined: pd.DataFrame, place: str, size: pd.Series) -> pd.DataFrame:
    """Mean score per (measure, place, year) where at least half of the measure's KPIs (rounded
    up) have a score, with an exact ranking key: equal means must tie, and float means of
    different fractions can differ in the last bit (0.8 + 0.9 != 0.7 + 1.0).

    A score is (2·worse + ties) / (2·(n − 1)); within one KPI-year all scores share that
    denominator. With D the least common multiple of the denominators in a measure-year and
    L = lcm(1..k) for a measure of k KPIs, S = sum of numerators over D is an integer and so
    is the key S·L/c for a mean over c KPIs: it orders the means exactly."""
    scored = joined[joined["score"].notna()].copy()
    if scored.empty:
        return pd.DataFrame(columns=["measure", place, "year", "value", "key", "kpis_with_value"])
    n = scored["n"].astype(np.int64)
    scored["den"] = 2 * (n - 1)
    scored["num"] = n - scored["better"].astype(np.int64) + scored["worse"].astype(np.int64) - 1
    lcm = scored.groupby(["measure", "year"])["den"].agg(lambda d: int(np.lcm.reduce(d.unique())))
    scored["common"] = scored.join(lcm.rename("lcm"), on=["measure", "year"])["lcm"]
    scored["part"] = scored["num"].astype(object) * (scored["common"] // scored["den"])
    grouped = scored.groupby(["measure", place, "year"], observed=True)
    means = grouped.agg(
        sum=("part", "sum"), kpis_with_value=("part", "size"), common=("common", "first")
    ).reset_index()
    k = means["measure"].map(size)
    needed = -(-k // 2)
    span = k.map({m: math.lcm(*range(1, m + 1)) for m in k.unique()})  # once per size
    enough = means["kpis_with_value"] >= needed
    means["value"] = (means["sum"] / (means["kpis_with_value"] * means["common"])).astype(float)
    means["value"] = means["value"].where(enough)
    exact = [
        s * (L // c) for s, L, c in zip(means["sum"], span, means["kpis_with_value"], strict=True)
    ]
    # Python ints are exact; their dense rank among all keys keeps every order and tie within a
    # measure-year and fits a float.
    keys = pd.Series(exact, index=means.index, dtype=object).where(enough)
    codes, _ = pd.factorize(keys, sort=True)
    means["key"] = np.where(codes >= 0, codes, np.nan)
    return means.drop(columns=["sum", "common"])


# --- the vectorised rule ------------------------------------------------------------------


def _rank_cells(value: np.ndarray, direction: np.ndarray) -> dict[str, np.ndarray]:
    """value: (groups x places), NaN = no value; direction per group: 1, -1 or 0 (context).
    Returns flat arrays n, rank, better, worse, score and colour (categorical).

    Each group's row is sorted once (NaN last); in the sorted row the number of strictly
    smaller keys is the index where the element's run of equal keys starts, and the number
    not larger is where the run ends. Exact: no arithmetic on the values themselves."""
    n_places = value.shape[1]
    has = ~np.isnan(value)
    n = has.sum(axis=1)
    sign = np.where(direction == 0, 1, direction).astype(float)[:, None]
    key = value * sign  # larger key = better

    order = np.argsort(key, axis=1, kind="stable")  # NaN sorts last
    ordered = np.take_along_axis(key, order, axis=1)
    position = np.broadcast_to(np.arange(n_places), ordered.shape)
    run_start = np.ones(ordered.shape, dtype=bool)
    run_start[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run_end = np.ones(ordered.shape, dtype=bool)
    run_end[:, :-1] = run_start[:, 1:]
    below_sorted = np.maximum.accumulate(np.where(run_start, position, 0), axis=1)
    last = np.where(run_end, position, n_places)
    not_above_sorted = np.minimum.accumulate(last[:, ::-1], axis=1)[:, ::-1] + 1

    below = np.empty_like(below_sorted)
    not_above = np.empty_like(not_above_sorted)
    np.put_along_axis(below, order, below_sorted, axis=1)
    np.put_along_axis(not_above, order, not_above_sorted, axis=1)

    n_cell = np.repeat(n, n_places)
    has_cell = has.ravel()
    worse = np.where(has_cell, below.ravel(), np.nan)
    better = np.where(has_cell, n_cell - not_above.ravel(), np.nan)
    rank = better + 1
    ties = n_cell - better - worse - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(n_cell > 1, (worse + 0.5 * ties) / (n_cell - 1), np.nan)

    colour = np.full(n_cell.shape, YELLOW, dtype=np.int8)
    green = 4 * rank <= n_cell
    red = 4 * (worse + 1) <= n_cell
    colour[green & ~red] = GREEN
    colour[red & ~green] = RED
    colour[(n_cell < 4) | ~has_cell] = GREY
    context = np.repeat(direction == 0, n_places)
    colour[context & has_cell] = NEUTRAL
    for column in (rank, better, worse, score):
        column[context] = np.nan
    return {
        "n": n_cell,
        "rank": rank,
        "colour": pd.Categorical.from_codes(colour, COLOURS),
        "better": better,
        "worse": worse,
        "score": score,
    }


def _directions(kpis: pd.Series, higher_is_better: Mapping[str, bool | None]) -> np.ndarray:
    sign = {True: 1, False: -1}
    return np.array([sign.get(higher_is_better.get(k), 0) for k in kpis], dtype=np.int8)


def _factorize_groups(values: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Sorted distinct combinations of the `by` columns, and each row's group number."""
    combined = np.zeros(len(values), dtype=np.int64)
    uniques = []
    for column in by:
        codes, levels = pd.factorize(values[column], sort=True)
        combined = combined * len(levels) + codes
        uniques.append(levels)
    present, group_codes = np.unique(combined, return_inverse=True)
    groups = {}
    for column, levels in reversed(list(zip(by, uniques, strict=True))):
        present, code = np.divmod(present, len(levels)) if levels.size else (present, present)
        groups[column] = levels.take(code)
    return group_codes, pd.DataFrame({c: groups[c] for c in by})


def _check_columns(frame: pd.DataFrame, needed: list[str]) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"values lacks the columns {missing}")
