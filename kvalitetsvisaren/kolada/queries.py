"""Pure: Kolada v3 URL builders and request planning (no I/O).

Kolada's limits: at most 25 ids per path segment and per_page <= 5000. A data query is split
into chunks, each the cartesian product of a balanced split of every dimension, and each chunk
is paged by following next_url. Besides the 25-id limit, a chunk selects at most about
MAX_QUERY_ITEMS items, so that no single query is heavy for Kolada to answer (a 504 on
/v3/oudata is on record) and independent chunks can be fetched side by side; within that, the
plan keeps the chunks as few as possible, so that the requests stay close to the floor
ceil(items / 5000) that the page limit allows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import product
from urllib.parse import urlencode

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_IDS_PER_SEGMENT = 25
MAX_PER_PAGE = 5000
# The most items one query should select: four full pages. Kolada pages by offset, so each page
# of a query costs the server about the whole query again; a small query is cheap to answer and
# cheap to retry. It still fills its pages: the requests stay within ~10-20 % of the floor.
MAX_QUERY_ITEMS = 4 * MAX_PER_PAGE
# Items per (KPI, year) when no ids are given. All municipalities: 290 kommuner + Riket (KPIs
# that also cover regions have 312). All units: about a page; the snapshot's unit KPIs have
# 3,600 units a year on average, 8,810 at most (förskolor). So a unit-level query asks for at
# most 4 (KPI, year) cells, e.g. 4 KPIs x 1 year: some 15,000 rows, 36,000 at the very most,
# where one chunk used to be 20 KPIs x 15 years of every unit. (The only public whole-country oudata
# sync asked for one KPI x one year per call; heavier queries are split if they time out.)
ALL_MUNICIPALITIES_ESTIMATE = 291
ALL_UNITS_ESTIMATE = 5_000

_ID = re.compile(r"^[A-Za-z0-9]+$")


def balanced_chunks(ids: Sequence[str], max_size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    """Split into the fewest chunks of at most `max_size`, with sizes differing by at most one."""
    if not ids:
        return []
    n_chunks = math.ceil(len(ids) / max_size)
    base, extra = divmod(len(ids), n_chunks)
    chunks, start = [], 0
    for i in range(n_chunks):
        size = base + (1 if i < extra else 0)
        chunks.append(list(ids[start : start + size]))
        start += size
    return chunks


def unique_ids(ids: Iterable[str | int] | str | int) -> list[str]:
    """Normalise one id or many into a de-duplicated list of strings (order kept); validate them."""
    if isinstance(ids, str | int):
        ids = [ids]
    out = list(dict.fromkeys(str(i).strip() for i in ids))
    bad = [i for i in out if not _ID.match(i)]
    if bad:
        raise ValueError(f"Invalid Kolada id(s): {bad[:5]}")
    return out


def segment(ids: Sequence[str]) -> str:
    if not 0 < len(ids) <= MAX_IDS_PER_SEGMENT:
        raise ValueError(f"A path segment takes 1 to {MAX_IDS_PER_SEGMENT} ids, got {len(ids)}")
    return ",".join(ids)


def data_path(
    kpis: Sequence[str], municipalities: Sequence[str] | None, years: Sequence[str] | None
) -> str:
    """`data/kpi/{kpis}[/municipality/{ids}][/year/{years}]`; Kolada needs two of the three."""
    return _dimension_path("data", kpis, "municipality", municipalities, years)


def ou_data_path(
    kpis: Sequence[str], ous: Sequence[str] | None, years: Sequence[str] | None
) -> str:
    return _dimension_path("oudata", kpis, "ou", ous, years)


def _dimension_path(
    root: str,
    kpis: Sequence[str],
    where: str,
    ids: Sequence[str] | None,
    years: Sequence[str] | None,
) -> str:
    if ids is None and years is None:
        raise ValueError(f"/{root} needs {where} ids or years besides the KPIs")
    path = f"{root}/kpi/{segment(kpis)}"
    if ids is not None:
        path += f"/{where}/{segment(ids)}"
    if years is not None:
        path += f"/year/{segment(years)}"
    return path


def metadata_path(entity: str, ids: Sequence[str] | None = None) -> str:
    return entity if ids is None else f"{entity}/{segment(ids)}"


def page_url(
    base_url: str, path: str, params: dict[str, str] | None, page: int, per_page: int = MAX_PER_PAGE
) -> str:
    query = {**(params or {}), "page": str(page), "per_page": str(per_page)}
    return f"{base_url.rstrip('/')}/{path}?{urlencode(query)}"


@dataclass(frozen=True)
class Chunk:
    """One path within the limits, and how many items it is expected to return."""

    path: str
    params: tuple[tuple[str, str], ...] = ()
    expected_items: int = 0

    def halves(self) -> tuple[Chunk, Chunk] | None:
        """Two chunks that together ask for what this one does, or None if it cannot be split."""
        return None


@dataclass(frozen=True)
class ValueChunk(Chunk):
    """A data query: KPIs x places (None: all) x years (None: all), from /data or /oudata."""

    root: str = "data"
    kpis: tuple[str, ...] = ()
    where: tuple[str, ...] | None = None
    years: tuple[str, ...] | None = None

    def halves(self) -> tuple[Chunk, Chunk] | None:
        """Half the KPIs each, else half the years each (a single KPI x year cannot split)."""
        for dim in ("kpis", "years"):
            ids = getattr(self, dim)
            if ids is not None and len(ids) > 1:
                mid = (len(ids) + 1) // 2
                first, second = (
                    replace(
                        self,
                        **{dim: part},
                        path=_value_path(self.root, **{**self._dims(), dim: part}),
                        expected_items=self.expected_items * len(part) // len(ids),
                    )
                    for part in (ids[:mid], ids[mid:])
                )
                return first, second
        return None

    def _dims(self) -> dict[str, tuple[str, ...] | None]:
        return {"kpis": self.kpis, "where": self.where, "years": self.years}


def _value_path(
    root: str,
    kpis: Sequence[str],
    where: Sequence[str] | None,
    years: Sequence[str] | None,
) -> str:
    build = ou_data_path if root == "oudata" else data_path
    return build(kpis, where, years)


def plan_value_chunks(
    kpis: Sequence[str],
    where_ids: Sequence[str] | None,
    years: Sequence[str] | None,
    *,
    ou: bool = False,
    params: tuple[tuple[str, str], ...] = (),
    max_items: int = MAX_QUERY_ITEMS,
) -> list[ValueChunk]:
    """Chunks for a data query: the cartesian product of balanced splits of each dimension,
    each within the 25-id limit and, as far as the estimate tells, within `max_items`.

    Items per (KPI, year) cell: one per given id, or ALL_MUNICIPALITIES_ESTIMATE /
    ALL_UNITS_ESTIMATE when no ids are given. With years=None (every year) the number of years
    is unknown; such chunks are split by the 25-id limit only and expect nothing.
    """
    root = "oudata" if ou else "data"
    chunks = []
    for w in balanced_chunks(where_ids) if where_ids is not None else [None]:
        per_cell = (
            len(w) if w is not None else ALL_UNITS_ESTIMATE if ou else ALL_MUNICIPALITIES_ESTIMATE
        )
        n_years = len(years) if years is not None else 1
        k_size, y_size = chunk_shape(len(kpis), n_years, per_cell, max_items)
        year_chunks = balanced_chunks(years, y_size) if years is not None else [None]
        for k, y in product(balanced_chunks(kpis, k_size), year_chunks):
            expected = len(k) * len(y) * per_cell if y is not None else 0
            path = _value_path(root, k, w, y)
            where = tuple(w) if w is not None else None
            years_part = tuple(y) if y is not None else None
            chunks.append(ValueChunk(path, params, expected, root, tuple(k), where, years_part))
    return chunks


def chunk_shape(n_kpis: int, n_years: int, per_cell: int, max_items: int) -> tuple[int, int]:
    """(KPIs, years) per chunk: the fewest chunks within the 25-id limit whose cells stay within
    `max_items` (a single cell always may); of those, the one that splits the years least."""
    options = []
    for kpi_parts in range(1, n_kpis + 1):
        k = math.ceil(n_kpis / kpi_parts)
        if k > MAX_IDS_PER_SEGMENT:
            continue
        for year_parts in range(1, n_years + 1):
            y = math.ceil(n_years / year_parts)
            if y <= MAX_IDS_PER_SEGMENT and (k * y * per_cell <= max_items or k * y == 1):
                options.append((kpi_parts * year_parts, year_parts, k, y))
                break  # more year parts would only make more chunks
    _, _, k, y = min(options)
    return k, y


def request_floor(items: int, n_chunks_required: int, per_page: int = MAX_PER_PAGE) -> int:
    """The fewest requests the limits allow: every page holds at most `per_page` items and each
    of the `n_chunks_required` id combinations forced by the 25-id limit needs a request."""
    return max(math.ceil(items / per_page), n_chunks_required)
