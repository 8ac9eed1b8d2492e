"""Pre-encoded Kolada v3 items for the stand-in: every data item and metadata record is encoded
to JSON bytes once, so serving a page is a slice and a join."""

from __future__ import annotations

import functools
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..data.store import Store

GENDER_ORDER = {"T": 0, "K": 1, "M": 2}
KPI_FIELDS = (
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
)


@functools.lru_cache(maxsize=65536)
def js_literal(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_column(column: pd.Series) -> list[str]:
    """Each cell of a string column as a JSON literal (NA -> null), encoding each distinct once."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    literals = np.array([*(js_literal(str(u)) for u in uniques), "null"], dtype=object)
    return literals[codes].tolist()  # code -1 (NA) picks the trailing "null"


def _plain(value: Any) -> Any:
    """A table cell as a JSON-ready Python value (NA/NaN -> None, numpy scalars unwrapped)."""
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


class DataIndex:
    """Data items of one level (municipality or OU), each encoded once to JSON bytes.

    ``by_pair[(kpi, location)]`` is the list of ``(period, item bytes)`` in period order;
    ``locations[kpi]`` the sorted locations that have items for the KPI. Selections are cached,
    so the pages after the first of a query are a slice and a join.
    """

    def __init__(self, frame: pd.DataFrame, loc_col: str, loc_key: str, cache_size: int = 128):
        self.loc_key = loc_key
        self.by_pair: dict[tuple[str, str], list[tuple[int, bytes]]] = {}
        self.locations: dict[str, list[str]] = {}
        self.items = 0
        self._cache: OrderedDict[tuple[Any, ...], list[bytes]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        if not frame.empty:
            self._encode(frame, loc_col)
        self.kpis = sorted(self.locations)

    def _encode(self, frame: pd.DataFrame, loc_col: str) -> None:
        rank = frame["gender"].map(GENDER_ORDER).fillna(len(GENDER_ORDER))
        f = frame.assign(_rank=rank).sort_values(
            ["kpi", loc_col, "year", "_rank", "gender"], kind="stable"
        )
        # One JSON fragment per row (a gender entry), built column-wise.
        genders = _json_column(f["gender"])
        statuses = _json_column(f["status"])  # a status the store lacks is sent as null
        values = [repr(v) if math.isfinite(v) else "null" for v in f["value"].tolist()]
        counts = [
            "null" if c is None else str(int(c))
            for c in f["count"].astype(object).where(f["count"].notna(), None).tolist()
        ]
        deleted = (
            ["true" if d else "false" for d in f["isdeleted"].tolist()]
            if "isdeleted" in f  # a change feed (from_date) flags deletions
            else ["false"] * len(f)
        )
        entries = [
            f'{{"gender":{g},"count":{c},"status":{s},"value":{v},"isdeleted":{d}}}'
            for g, c, s, v, d in zip(genders, counts, statuses, values, deleted, strict=True)
        ]
        # Rows of one item (kpi, location, year) are adjacent; find where each item starts.
        kpi_arr = f["kpi"].to_numpy(dtype=object)
        loc_arr = f[loc_col].to_numpy(dtype=object)
        year_arr = f["year"].to_numpy()
        change = np.ones(len(f), dtype=bool)
        change[1:] = (
            (kpi_arr[1:] != kpi_arr[:-1])
            | (loc_arr[1:] != loc_arr[:-1])
            | (year_arr[1:] != year_arr[:-1])
        )
        starts = np.flatnonzero(change).tolist()
        ends = [*starts[1:], len(f)]
        kpis, locs, years = kpi_arr.tolist(), loc_arr.tolist(), year_arr.tolist()
        by_pair, locations, loc_key = self.by_pair, self.locations, self.loc_key
        for start, end in zip(starts, ends, strict=True):
            kpi, loc, year = kpis[start], locs[start], years[start]
            item = (
                f'{{"kpi":{js_literal(kpi)},"{loc_key}":{js_literal(loc)},"period":{year},'
                f'"values":[{",".join(entries[start:end])}]}}'
            ).encode()
            series = by_pair.get((kpi, loc))
            if series is None:
                series = by_pair[(kpi, loc)] = []
                locations.setdefault(kpi, []).append(loc)
            series.append((year, item))
        self.items = len(starts)
        for kpi in locations:
            locations[kpi].sort()

    def with_pairs_from(self, current: pd.DataFrame, loc_col: str, pairs: Iterable) -> DataIndex:
        """This index with the (kpi, location) `pairs` encoded again from `current`, every other
        pair kept: equal to an index of all of `current` when only those pairs changed, at the
        cost of the changed rows (a full build of a real store takes seconds)."""
        touched = set(pairs)
        mine = pd.MultiIndex.from_frame(current[["kpi", loc_col]]).isin(list(touched))
        fresh = DataIndex(current[mine], loc_col, self.loc_key, self._cache_size)
        index = DataIndex(current.iloc[0:0], loc_col, self.loc_key, self._cache_size)
        index.by_pair = {p: s for p, s in self.by_pair.items() if p not in touched}
        index.by_pair.update(fresh.by_pair)
        index.locations = dict(self.locations)
        for kpi in {kpi for kpi, _ in touched}:
            kept = [loc for loc in self.locations.get(kpi, ()) if (kpi, loc) not in touched]
            locations = sorted([*kept, *fresh.locations.get(kpi, ())])
            if locations:
                index.locations[kpi] = locations
            else:
                index.locations.pop(kpi, None)
        gone = sum(len(self.by_pair.get(pair, ())) for pair in touched)
        index.items = self.items - gone + fresh.items
        index.kpis = sorted(index.locations)
        return index

    def select(
        self,
        kpis: Iterable[str] | None,
        locations: Iterable[str] | None,
        years: Iterable[int] | None,
    ) -> list[bytes]:
        """Items in (kpi, location, period) order; None for a dimension means all of it."""
        key = tuple(None if d is None else tuple(sorted(set(d))) for d in (kpis, locations, years))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        out = self._select(*key)
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def _select(
        self,
        kpis: Sequence[str] | None,
        locations: Sequence[str] | None,
        years: Sequence[int] | None,
    ) -> list[bytes]:
        wanted_years = None if years is None else set(years)
        out: list[bytes] = []
        for kpi in self.kpis if kpis is None else kpis:
            locs = self.locations.get(kpi, ()) if locations is None else locations
            for loc in locs:
                series = self.by_pair.get((kpi, loc))
                if series is None:
                    continue
                if wanted_years is None:
                    out.extend(item for _, item in series)
                else:
                    out.extend(item for year, item in series if year in wanted_years)
        return out


class Catalog:
    """Metadata items (KPIs, municipalities, groups, OUs) encoded once, in id order."""

    def __init__(self, records: Iterable[Mapping[str, Any]], attrs: Sequence[str] = ()):
        rows = sorted(records, key=lambda r: str(r["id"]))
        self.ids = [str(r["id"]) for r in rows]
        self.position = {i: n for n, i in enumerate(self.ids)}
        self.encoded = [
            json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() for r in rows
        ]
        self.titles = [str(r.get("title") or "").casefold() for r in rows]
        self.attrs = {a: [r.get(a) for r in rows] for a in attrs}

    def select(
        self, ids: Sequence[str] | None = None, title: str | None = None, **equals: set[str] | None
    ) -> list[bytes]:
        if ids is None:
            positions: Iterable[int] = range(len(self.ids))
        else:
            positions = sorted({self.position[i] for i in ids if i in self.position})
        needle = title.casefold() if title else None
        out = []
        for n in positions:
            if needle is not None and needle not in self.titles[n]:
                continue
            if any(vals is not None and self.attrs[a][n] not in vals for a, vals in equals.items()):
                continue
            out.append(self.encoded[n])
        return out


def _members(value: Any) -> list[Any]:
    if value is None or isinstance(value, float | str):  # NaN or a malformed cell: no members
        return []
    return list(value)


def catalogs(store: Store) -> dict[str, Catalog]:
    kpis = [{f: _plain(r.get(f)) for f in KPI_FIELDS} for r in store.kpis.to_dict("records")]
    for k in kpis:
        for flag in ("is_divided_by_gender", "has_ou_data"):
            if k[flag] is not None:
                k[flag] = bool(k[flag])
    munis = [
        {"id": _plain(r["id"]), "title": _plain(r["title"]), "type": _plain(r["type"])}
        for r in store.municipalities.to_dict("records")
    ]
    names = {m["id"]: m["title"] for m in munis}
    groups = [
        {
            "id": _plain(r["id"]),
            "title": _plain(r["title"]),
            "members": [
                {"member_id": str(m), "member_title": names.get(str(m))}
                for m in _members(r["members"])
            ],
        }
        for r in store.municipality_groups.to_dict("records")
    ]
    ous = [
        {
            "id": _plain(r["id"]),
            "municipality": _plain(r["municipality_id"]),
            "title": _plain(r["title"]),
        }
        for r in store.ous.to_dict("records")
    ]
    return {
        "kpi": Catalog(kpis),
        "municipality": Catalog(munis, attrs=("type",)),
        "municipality_groups": Catalog(groups),
        "ou": Catalog(ous, attrs=("municipality",)),
        "kpi_groups": Catalog([]),
    }
