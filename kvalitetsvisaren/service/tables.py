"""Pure helpers of the service's tables: compact dtypes and plain reads, positions and
slices of sorted tables, the verdict and its strongest and weakest measure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import flags, trends
from .records import (
    rank_text,
)


def verdict(measures: pd.DataFrame) -> str:
    """One Swedish sentence: how many quality measures are among the best and worst 25 %."""
    columns = [measures[c].tolist() for c in VERDICT_INPUTS]
    return _verdict(list(zip(*columns, strict=True)))


def verdict_of(measures: list[dict[str, Any]]) -> str:
    """`verdict` of the measures as rows (dicts with VERDICT_INPUTS)."""
    return _verdict([tuple(m[c] for c in VERDICT_INPUTS) for m in measures])


VERDICT_INPUTS = ("kind", "colour", "label", "rank", "n")


def _verdict(measures: list[tuple]) -> str:
    quality = [m for m in measures if m[0] == "quality"]
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
    ints as int64, float32 as float64; every value exactly as it was computed. Built from
    arrays (each a new one), which for the small frames of a view is twice as fast as
    converting Series and aligning them."""
    columns = {}
    for name, column in frame.items():
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            columns[name] = _str_values(column)
        elif dtype in (np.int8, np.int16, np.int32):
            columns[name] = column.to_numpy(np.int64)
        elif dtype == np.float32:
            columns[name] = column.to_numpy(np.float64)
        else:
            columns[name] = column.array.copy()  # the frame's own: never the cached table's
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _str_values(column: pd.Series) -> pd.api.extensions.ExtensionArray:
    """A categorical column's values as str (NaN where missing): a take of its categories,
    which is many times faster than astype(str)."""
    return column.cat.categories.array.take(column.cat.codes.to_numpy(), allow_fill=True)


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

    def places(self) -> np.ndarray:
        """Each row's municipality_id (the column the table is kept without)."""
        out = np.empty(len(self.table), dtype=object)
        for place, span in self.spans.items():
            out[span] = place
        return out

    def of_place(self, municipality: str) -> pd.DataFrame:
        """The municipality's rows (maybe none), numbered from 0. Taken, not sliced: a slice
        (and its copy: Arrow text columns share their buffers) keeps the whole table alive
        in the cache that holds it; 20 cached area pages held 9 MB of area-year tables."""
        span = self.spans.get(municipality, slice(0, 0))
        return self.table.take(np.arange(span.start, span.stop)).reset_index(drop=True)


def _text(meta: pd.Series | None, column: str, default: str) -> str:
    if meta is None:
        return default
    value = meta.get(column)
    return value if isinstance(value, str) else default
