"""KoladaClient: fetch Kolada v3 metadata and values as DataFrames, completely or not at all.

Requests go through `transport` (a polite rate, retries, typed errors) and are paged by
`paging` (next_url as yes/no, many chunks side by side, heavy chunks split). Whatever cannot be
fetched completely raises a KoladaError subclass; no partial result is ever returned, and only
complete, well-formed chunks are cached.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import diskcache
import pandas as pd
import requests

from . import frames
from .errors import KoladaError, KoladaResponseError
from .pages import Page, json_page, values_page
from .paging import ChunkFetcher, FetchedPage, fingerprint
from .queries import (
    DEFAULT_BASE_URL,
    MAX_PER_PAGE,
    Chunk,
    ValueChunk,
    balanced_chunks,
    metadata_path,
    page_url,
    plan_value_chunks,
    unique_ids,
)
from .transport import Timeout, Transport, http_error, make_retry, make_session

log = logging.getLogger(__name__)

FIRST_YEAR = 1970  # the oldest values in Kolada (population series)
# Tries of a query that can still be split when it times out or answers 504: one retry (it may
# have been a passing hiccup), then its halves. A single KPI x year gets max_retries + 1.
SPLIT_AFTER_TRIES = 2

ItemsHook = Callable[[int], None]
# Parses one page body, in the worker thread that fetched it, so that parsing overlaps with
# waiting for other pages.
Parser = Callable[[bytes, str], Page]


def _value_parser(where: str, changes: bool, drop_groups: bool) -> Parser:
    return functools.partial(values_page, where=where, changes=changes, drop_groups=drop_groups)


@dataclass
class FetchStats:
    """Counts for benchmarks and logs (thread-safe)."""

    requests: int = 0
    cache_hits: int = 0
    items: int = 0
    splits: int = 0  # queries split in halves after a timeout or 504
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


class KoladaClient:
    """Kolada v3 client returning DataFrames with the column contract of `frames`.

    `timeout` is the connect timeout of every request and the read timeout of metadata;
    data queries get the longer read timeout `data_timeout` (a heavy query may take minutes).
    `rate_limit` (requests per second) is the politeness, `concurrency` the requests in flight:
    5 of them keep the rate, not the connections, the limit when a page takes a second. On 429
    every request waits, for at least `throttle_patience` seconds in all before one gives up.

    >>> c = KoladaClient(cache_dir="~/.cache/kvalitetsvisaren")        # doctest: +SKIP
    >>> c.get_values(["U21468"], years=[2021, 2022])                   # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        cache_dir: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        *,
        data_timeout: float = 180.0,
        concurrency: int = 5,
        rate_limit: float = 5.0,
        backoff_factor: float = 0.5,
        max_retry_after: float = 60.0,
        throttle_patience: float = 60.0,
        metadata_ttl: float = 24 * 3600,
        data_ttl: float = 3600,
        per_page: int = MAX_PER_PAGE,
        session: requests.Session | None = None,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.data_timeout = data_timeout
        self.max_retries = max_retries
        self.concurrency = concurrency
        self.per_page = per_page
        self.metadata_ttl = metadata_ttl
        self.data_ttl = data_ttl
        self.stats = FetchStats()
        self.on_items: ItemsHook | None = None  # progress hook: called with each page's item count
        retry = make_retry(max_retries, backoff_factor, max_retry_after)
        self._transport = Transport(
            session or make_session(retry, concurrency),
            retry,
            max_retries=max_retries,
            rate_limit=rate_limit,
            backoff_factor=backoff_factor,
            max_retry_after=max_retry_after,
            throttle_patience=throttle_patience,
            on_request=functools.partial(self.stats.add, requests=1),
        )
        self._cache = diskcache.Cache(str(cache_dir)) if cache_dir else None

    def close(self) -> None:
        self._transport.session.close()
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> KoladaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- metadata -------------------------------------------------------------------------

    def get_kpis(
        self, ids: Iterable[str] | str | None = None, *, title: str | None = None
    ) -> pd.DataFrame:
        """KPI metadata (all KPIs when `ids` is None). `title`: only the KPIs whose title
        contains it (Kolada's case-insensitive substring filter, /v3/kpi?title=); not with
        `ids`."""
        if title is not None:
            if ids is not None:
                raise ValueError("give ids or title, not both")
            if not title.strip():
                raise ValueError("title must not be empty (it would select every KPI)")
            chunks = [Chunk(metadata_path("kpi"), (("title", title),))]
        else:
            chunks = self._metadata_chunks("kpi", ids)
        return _sorted(frames.kpis_frame(self._fetch_items(chunks)), ["id"])

    def get_municipalities(self) -> pd.DataFrame:
        """All municipalities, regions and Riket (0000): id, title, type (K/L)."""
        items = self._fetch_items([Chunk("municipality")])
        return _sorted(frames.municipalities_frame(items), ["id"])

    def get_municipality_groups(self, title: str | None = None) -> pd.DataFrame:
        """Municipality groups (members: list of ids), optionally filtered by a title substring."""
        params = (("title", title),) if title else ()
        items = self._fetch_items([Chunk("municipality_groups", params)])
        return _sorted(frames.groups_frame(items), ["id"])

    def get_ous(self, municipalities: Iterable[str] | str | None = None) -> pd.DataFrame:
        """Organisational units (all, or those of the given municipalities)."""
        if municipalities is None:
            chunks = [Chunk("ou")]
        else:
            ids = unique_ids(municipalities)
            chunks = [Chunk("ou", (("municipality", ",".join(c)),)) for c in balanced_chunks(ids)]
        return _sorted(frames.ous_frame(self._fetch_items(chunks)), ["id"])

    # --- values ---------------------------------------------------------------------------

    def get_values(
        self,
        kpis: Iterable[str] | str,
        municipalities: Iterable[str] | str | None = None,
        years: Iterable[int | str] | int | str | None = None,
        *,
        from_date: date | str | None = None,
    ) -> pd.DataFrame:
        """Municipality-level values: kpi, municipality_id, year, gender, value, status, count.

        municipalities=None means every municipality, region and Riket (municipality groups,
        should Kolada send them, are dropped); years=None all years.
        from_date: only the values changed since that day (Kolada's `from_date`), including
        those Kolada deleted, marked in an extra boolean column `deleted`.
        """
        chunks = self._value_chunks(kpis, municipalities, years, ou=False, from_date=from_date)
        parser = _value_parser("municipality", bool(from_date), municipalities is None)
        parts = self._fetch(chunks, self.data_ttl, parser)
        columns = _with_deleted(frames.VALUE_COLUMNS, from_date)
        return _checked_values(parts, columns, "municipality_id", self.base_url)

    def get_ou_values(
        self,
        kpis: Iterable[str] | str,
        ous: Iterable[str] | str | None = None,
        years: Iterable[int | str] | int | str | None = None,
        *,
        from_date: date | str | None = None,
    ) -> pd.DataFrame:
        """Unit-level values: kpi, ou_id, year, gender, value, status, count (from_date: as
        get_values)."""
        chunks = self._value_chunks(kpis, ous, years, ou=True, from_date=from_date)
        parser = _value_parser("ou", bool(from_date), drop_groups=False)
        parts = self._fetch(chunks, self.data_ttl, parser)
        columns = _with_deleted(frames.OU_VALUE_COLUMNS, from_date)
        return _checked_values(parts, columns, "ou_id", self.base_url)

    def _value_chunks(
        self,
        kpis: Iterable[str] | str,
        where: Iterable[str] | str | None,
        years: Iterable[int | str] | int | str | None,
        *,
        ou: bool,
        from_date: date | str | None = None,
    ) -> list[ValueChunk]:
        kpi_ids = unique_ids(kpis)
        if not kpi_ids:
            return []
        where_ids = unique_ids(where) if where is not None else None
        year_ids = unique_ids(years) if years is not None else None
        if where_ids == [] or year_ids == []:
            return []
        if where_ids is None and year_ids is None:
            # Kolada needs two dimensions: ask for every year instead.
            year_ids = [str(y) for y in range(FIRST_YEAR, date.today().year + 1)]
        params = (("from_date", parse_date(from_date).isoformat()),) if from_date else ()
        return plan_value_chunks(kpi_ids, where_ids, year_ids, ou=ou, params=params)

    def _metadata_chunks(self, entity: str, ids: Iterable[str] | str | None) -> list[Chunk]:
        if ids is None:
            return [Chunk(metadata_path(entity))]
        return [Chunk(metadata_path(entity, c)) for c in balanced_chunks(unique_ids(ids))]

    # --- fetching -------------------------------------------------------------------------

    def _fetch_items(self, chunks: Sequence[Chunk]) -> list[Any]:
        """Metadata items of all chunks, in order."""
        return [i for part in self._fetch(chunks, self.metadata_ttl, json_page) for i in part]

    def _fetch(self, chunks: Sequence[Chunk], ttl: float, parser: Parser) -> list[Any]:
        """The parsed content of every page of every chunk, in chunk and page order. Raises
        rather than returning less than everything."""
        results: dict[int, list[Any]] = {}
        todo = []
        for i, chunk in enumerate(chunks):
            cached = self._cache_get(chunk, parser)
            if cached is None:
                todo.append(i)
            else:
                results[i] = cached
        if todo:
            fetcher = ChunkFetcher(
                functools.partial(self._get_page, parser=parser),
                self._url,
                [chunks[i] for i in todo],
                concurrency=self.concurrency,
                per_page=self.per_page,
            )
            fetched = fetcher.run()
            self.stats.add(splits=fetcher.splits)
            for i, pages in zip(todo, fetched, strict=True):
                results[i] = [p.content for p in pages]
                self._cache_set(chunks[i], [p.body for p in pages if p.body is not None], ttl)
        return [part for i in range(len(chunks)) for part in results[i]]

    def _url(self, chunk: Chunk, page: int) -> str:
        return page_url(self.base_url, chunk.path, dict(chunk.params), page, self.per_page)

    def _get_page(self, chunk: Chunk, page: int, parser: Parser) -> FetchedPage:
        url = self._url(chunk, page)
        timeout: Timeout = self.timeout
        if isinstance(chunk, ValueChunk):
            timeout = (self.timeout, self.data_timeout)
        tries = SPLIT_AFTER_TRIES if chunk.halves() is not None else self.max_retries + 1
        response = self._transport.get(url, timeout, tries)
        if page > 1 and response.status_code in (404, 422):
            return FetchedPage.past_end()  # see paging: only `page` differs from page 1
        if response.status_code != 200:
            raise http_error(response, url)
        parsed = parser(response.content, url)
        self.stats.add(items=parsed.n_items)
        if self.on_items is not None:
            self.on_items(parsed.n_items)
        return FetchedPage(
            parsed.n_items,
            bool(parsed.next_url),
            response.content,
            parsed.content,
            fingerprint(response.content),
        )

    # --- cache: one entry per complete chunk (all its raw page bodies) ---------------------

    def _cache_key(self, chunk: Chunk) -> str:
        return self._url(chunk, 1)

    def _cache_get(self, chunk: Chunk, parser: Parser) -> list[Any] | None:
        if self._cache is None:
            return None
        key = self._cache_key(chunk)
        bodies = self._cache.get(key)
        if bodies is None:
            return None
        try:
            parts = [parser(body, key).content for body in bodies]
        except KoladaError:
            log.warning("Discarding unreadable cache entry for %s", key)
            self._cache.delete(key)
            return None
        self.stats.add(cache_hits=1)
        return parts

    def _cache_set(self, chunk: Chunk, bodies: list[bytes], ttl: float) -> None:
        if self._cache is not None:
            self._cache.set(self._cache_key(chunk), bodies, expire=ttl)


def _checked_values(
    parts: list[pd.DataFrame], columns: dict[str, str], where: str, url: str
) -> pd.DataFrame:
    """One sorted frame; a key seen twice means the data changed while we paged it."""
    frame = pd.concat(parts, ignore_index=True) if parts else frames.typed_frame([], columns)
    keys = ["kpi", where, "year", "gender"]
    duplicated = frame.duplicated(keys)
    if duplicated.any():
        example = frame.loc[duplicated, keys].iloc[0].tolist()
        raise KoladaResponseError(
            f"Duplicate values from {url} (e.g. {example}): data changed while paging; try again",
            url,
        )
    return _sorted(frame, keys)


def parse_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"from_date must be a date like 2026-01-31, got {value!r}") from None


def _with_deleted(columns: dict[str, str], from_date: date | str | None) -> dict[str, str]:
    return {**columns, "deleted": "bool"} if from_date else columns


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable", ignore_index=True)
