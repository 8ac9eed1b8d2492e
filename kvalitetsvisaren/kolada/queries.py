"""Pure: Kolada v3 URL builders and request planning (no I/O).

Kolada's limits: at most 25 ids per path segment and per_page <= 5000. A query over more ids
is split into chunks (the cartesian product of the per-dimension splits); each chunk is then
paged. The plan keeps the number of chunks minimal and their sizes balanced, so the requests
made stay close to the floor ceil(items / 5000) that the page limit allows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from urllib.parse import parse_qsl, urlencode, urlsplit

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_IDS_PER_SEGMENT = 25
MAX_PER_PAGE = 5000
# Items per (KPI, year) when all municipalities are asked for: 290 kommuner + Riket. KPIs that
# also cover regions have 312; the planner then under-estimates and next_url covers the rest.
ALL_MUNICIPALITIES_ESTIMATE = 291
# Share of the expected items whose pages are requested up front, all at once. Real data is
# sparser than the estimate (survey years skipped, municipalities without data), so only the
# pages that surely exist are prefetched; the last ones follow next_url, which costs no
# wasted requests.
PREFETCH_SHARE = 0.8

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


def page_of(url: str) -> int | None:
    """The `page` query parameter of a next_url, or None if it has none."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return int(value)
    return None


@dataclass(frozen=True)
class Chunk:
    """One path within the limits, and how many items it is expected to return."""

    path: str
    params: tuple[tuple[str, str], ...] = ()
    expected_items: int = 0

    def prefetch_pages(self, per_page: int = MAX_PER_PAGE) -> int:
        """Pages to request at once: those that surely exist (at least page 1)."""
        return max(1, math.floor(self.expected_items * PREFETCH_SHARE / per_page))


def plan_value_chunks(
    kpis: Sequence[str],
    where_ids: Sequence[str] | None,
    years: Sequence[str] | None,
    *,
    ou: bool = False,
    estimate: bool = True,
) -> list[Chunk]:
    """Chunks for a data query: the cartesian product of balanced splits of each dimension.

    Expected items: one per (KPI, id, year) when ids are given; ALL_MUNICIPALITIES_ESTIMATE
    per (KPI, year) for all municipalities; unknown (0 -> one page, then next_url) for all units,
    all years, or `estimate=False`, where there is no way to know the size in advance.
    """
    build = ou_data_path if ou else data_path
    kpi_chunks = balanced_chunks(kpis)
    id_chunks = balanced_chunks(where_ids) if where_ids is not None else [None]
    year_chunks = balanced_chunks(years) if years is not None else [None]
    chunks = []
    for k, w, y in product(kpi_chunks, id_chunks, year_chunks):
        if y is None or not estimate:
            expected = 0
        elif w is not None:
            expected = len(k) * len(w) * len(y)
        else:
            expected = 0 if ou else len(k) * len(y) * ALL_MUNICIPALITIES_ESTIMATE
        chunks.append(Chunk(build(k, w, y), (), expected))
    return chunks


def request_floor(items: int, n_chunks_required: int, per_page: int = MAX_PER_PAGE) -> int:
    """The fewest requests the limits allow: every page holds at most `per_page` items and each
    of the `n_chunks_required` id combinations forced by the 25-id limit needs a request."""
    return max(math.ceil(items / per_page), n_chunks_required)
