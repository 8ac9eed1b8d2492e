"""KoladaClient: fetch Kolada v3 metadata and values as DataFrames, completely or not at all.

Requests go through one requests.Session whose adapter retries timeouts, connection errors,
429 (honouring Retry-After) and 5xx with exponential backoff (urllib3 Retry); their starts
are spaced evenly to stay under a polite rate limit. Independent chunks and the pages of a
chunk are fetched concurrently (bounded). Whatever cannot be fetched completely raises a
KoladaError subclass; no partial result is ever returned, and only complete, well-formed
chunks are cached.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import diskcache
import pandas as pd
import requests
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

from . import frames
from .errors import (
    KoladaConnectionError,
    KoladaError,
    KoladaHTTPError,
    KoladaLimitError,
    KoladaNotFoundError,
    KoladaResponseError,
    KoladaTimeoutError,
)
from .pages import Page, json_page, values_page
from .queries import (
    DEFAULT_BASE_URL,
    MAX_PER_PAGE,
    Chunk,
    balanced_chunks,
    metadata_path,
    page_of,
    page_url,
    plan_value_chunks,
    unique_ids,
)

log = logging.getLogger(__name__)

FIRST_YEAR = 1970  # the oldest values in Kolada (population series)
MAX_PAGES = 10_000  # no query has this many pages; more means broken paging
RETRY_STATUSES = (429, 500, 502, 503, 504)

ItemsHook = Callable[[int], None]
# Parses one page body, in the worker thread that fetched it, so that parsing overlaps with
# waiting for other pages.
Parser = Callable[[bytes, str], Page]
_MUNICIPALITY_VALUES: Parser = functools.partial(values_page, where="municipality")
_OU_VALUES: Parser = functools.partial(values_page, where="ou")
_MUNICIPALITY_CHANGES: Parser = functools.partial(values_page, where="municipality", changes=True)
_OU_CHANGES: Parser = functools.partial(values_page, where="ou", changes=True)


class _CappedRetry(Retry):
    """urllib3 Retry that never waits longer than `max_retry_after` for a Retry-After header,
    so a misbehaving server cannot park a sync for hours."""

    def __init__(self, *args: Any, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> _CappedRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)


def make_retry(max_retries: int, backoff_factor: float, max_retry_after: float) -> Retry:
    return _CappedRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=max_retries,
        backoff_factor=backoff_factor,
        backoff_max=30.0,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        max_retry_after=max_retry_after,
    )


def make_session(retry: Retry, pool_size: int) -> requests.Session:
    adapter = requests.adapters.HTTPAdapter(
        max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size
    )
    session = requests.Session()
    session.headers["User-Agent"] = "kvalitetsvisaren (+https://github.com/kvalitetsvisaren)"
    session.headers["Accept"] = "application/json"
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _Spacing:
    """Starts requests at least 1/rate seconds apart. Even spacing rather than a token bucket:
    no bursts toward Kolada, and concurrent workers stay staggered instead of all parsing at
    once. (requests-ratelimiter/pyrate-limiter allow a burst per window and pad each wait.)"""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        time.sleep(start - now)


@dataclass
class FetchStats:
    """Counts for benchmarks and logs (thread-safe)."""

    requests: int = 0
    cache_hits: int = 0
    items: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


@dataclass
class _Page:
    n_items: int
    next_page: int | None
    body: bytes
    content: Any


class KoladaClient:
    """Kolada v3 client returning DataFrames with the column contract of `frames`.

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
        concurrency: int = 4,
        rate_limit: float = 20.0,
        backoff_factor: float = 0.5,
        max_retry_after: float = 60.0,
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
        self.max_retries = max_retries
        self.concurrency = concurrency
        self.per_page = per_page
        self.metadata_ttl = metadata_ttl
        self.data_ttl = data_ttl
        self.stats = FetchStats()
        self.on_items: ItemsHook | None = None  # progress hook: called with each page's item count
        self._retry = make_retry(max_retries, backoff_factor, max_retry_after)
        self._session = session or make_session(self._retry, concurrency)
        self._spacing = _Spacing(rate_limit)
        self._cache = diskcache.Cache(str(cache_dir)) if cache_dir else None

    def close(self) -> None:
        self._session.close()
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> KoladaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- metadata -------------------------------------------------------------------------

    def get_kpis(self, ids: Iterable[str] | str | None = None) -> pd.DataFrame:
        """KPI metadata (all KPIs when `ids` is None)."""
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

        municipalities=None means every municipality, region and Riket; years=None all years.
        from_date: only the values changed since that day (Kolada's `from_date`), including
        those Kolada deleted, marked in an extra boolean column `deleted`.
        """
        chunks = self._value_chunks(kpis, municipalities, years, ou=False, from_date=from_date)
        parser = _MUNICIPALITY_CHANGES if from_date else _MUNICIPALITY_VALUES
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
        parser = _OU_CHANGES if from_date else _OU_VALUES
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
    ) -> list[Chunk]:
        kpi_ids = unique_ids(kpis)
        if not kpi_ids:
            return []
        where_ids = unique_ids(where) if where is not None else None
        year_ids = unique_ids(years) if years is not None else None
        if where_ids == [] or year_ids == []:
            return []
        # Changes since a date are few and their number unknown: one page, then next_url.
        estimate = from_date is None
        if where_ids is None and year_ids is None:
            # Kolada needs two dimensions: ask for every year instead, size unknown.
            year_ids = [str(y) for y in range(FIRST_YEAR, date.today().year + 1)]
            estimate = False
        chunks = plan_value_chunks(kpi_ids, where_ids, year_ids, ou=ou, estimate=estimate)
        if from_date is None:
            return chunks
        params = (("from_date", parse_date(from_date).isoformat()),)
        return [replace(c, params=c.params + params) for c in chunks]

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
            fetched = _ChunkFetcher(self, [chunks[i] for i in todo], parser).run()
            for i, pages in zip(todo, fetched, strict=True):
                results[i] = [p.content for p in pages]
                self._cache_set(chunks[i], [p.body for p in pages], ttl)
        return [part for i in range(len(chunks)) for part in results[i]]

    def _url(self, chunk: Chunk, page: int) -> str:
        return page_url(self.base_url, chunk.path, dict(chunk.params), page, self.per_page)

    def _get_page(self, chunk: Chunk, page: int, parser: Parser) -> _Page:
        url = self._url(chunk, page)
        response = self._get(url)
        if response.status_code != 200:
            raise _http_error(response, url, self.max_retries)
        parsed = parser(response.content, url)
        next_page = _next_page(parsed.next_url, url, chunk.path)
        self.stats.add(items=parsed.n_items)
        if self.on_items is not None:
            self.on_items(parsed.n_items)
        return _Page(parsed.n_items, next_page, response.content, parsed.content)

    def _get(self, url: str) -> requests.Response:
        """GET with the session's retries. A connection cut while the body is read surfaces
        after urllib3's retry loop (requests reads bodies later), so it is retried here under
        the same Retry policy."""
        retry = self._retry
        while True:
            self._spacing.wait()
            self.stats.add(requests=1)
            try:
                return self._session.get(url, timeout=self.timeout)
            except requests.exceptions.ChunkedEncodingError as exc:
                try:
                    retry = retry.increment("GET", url, error=exc)
                except MaxRetryError:
                    raise _connection_error(exc, url, self.max_retries, self.timeout) from exc
                retry.sleep()
            except requests.RequestException as exc:
                raise _connection_error(exc, url, self.max_retries, self.timeout) from exc

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


class _ChunkFetcher:
    """Fetch every page of several chunks, at most `concurrency` requests at a time.

    The pages the estimate says surely exist are queued up front, the highest of each chunk
    first: its next_url starts the chain of later pages at once while the other workers fill in
    the earlier pages, in ascending order (so if the estimate was too high, the page that ends
    the chunk comes soon and the queued pages past it are dropped). Pages announced by next_url
    go ahead of the queue. A page whose next_url
    is null ends its chunk, and queued pages past it are dropped. Checks: next_url must name the
    next page of the same path (else a cycle or a foreign URL), no page may be missing, and
    pages past the end must be empty.
    """

    def __init__(self, client: KoladaClient, chunks: Sequence[Chunk], parser: Parser) -> None:
        self.client = client
        self.chunks = chunks
        self.parser = parser
        self.pages: list[dict[int, _Page]] = [{} for _ in chunks]
        self.last: list[int | None] = [None] * len(chunks)
        self.in_flight: dict[Future[_Page], tuple[int, int]] = {}
        self.queued: set[tuple[int, int]] = set()
        self.announced: deque[tuple[int, int]] = deque()  # by next_url: fetched first
        self.planned: deque[tuple[int, int]] = deque()

    def run(self) -> list[list[_Page]]:
        """The pages 1..last of every chunk."""
        prefetch = [c.prefetch_pages(self.client.per_page) for c in self.chunks]
        highest = list(enumerate(prefetch))
        rest = [(i, p) for p in range(1, max(prefetch)) for i, n in highest if p < n]
        for i, page in highest + rest:
            self._queue(self.planned, i, page)
        with ThreadPoolExecutor(self.client.concurrency, thread_name_prefix="kolada") as pool:
            try:
                self._fill(pool)
                while self.in_flight:
                    done, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
                    for future in done:
                        i, page = self.in_flight.pop(future)
                        self._on_page(i, page, future.result())
                    self._fill(pool)
            except BaseException:
                for future in self.in_flight:
                    future.cancel()
                raise
        return [self._complete(i) for i in range(len(self.chunks))]

    def _queue(self, queue: deque[tuple[int, int]], i: int, page: int) -> None:
        if page > MAX_PAGES:
            url = self.client._url(self.chunks[i], 1)
            raise KoladaResponseError(f"More than {MAX_PAGES} pages for {url}: broken paging", url)
        if (i, page) not in self.queued:
            self.queued.add((i, page))
            queue.append((i, page))

    def _fill(self, pool: ThreadPoolExecutor) -> None:
        while len(self.in_flight) < self.client.concurrency and (self.announced or self.planned):
            i, page = (self.announced or self.planned).popleft()
            if page <= self._last_needed(i):
                future = pool.submit(self.client._get_page, self.chunks[i], page, self.parser)
                self.in_flight[future] = (i, page)

    def _last_needed(self, i: int) -> float:
        """The highest page of chunk i still worth requesting (the proof page after an empty
        page that announced a next one included)."""
        last = self.last[i]
        if last is None:
            return float("inf")
        return last + (1 if self.pages[i][last].next_page else 0)

    def _on_page(self, i: int, page: int, result: _Page) -> None:
        self.pages[i][page] = result
        last = self.last[i]
        if last is not None and page > last:
            return  # a page past the known end: only checked for emptiness in _complete
        if result.next_page is None:
            self._end_at(i, page)
        elif result.next_page != page + 1:
            url = self.client._url(self.chunks[i], page)
            raise KoladaResponseError(
                f"Broken paging at {url}: next_url points to page {result.next_page} "
                f"(a cycle or a skip), not {page + 1}",
                url,
            )
        elif not result.n_items:
            # An empty page that still announces a next one. With offset paging the data has
            # ended; fetch one more page so _complete can prove nothing follows.
            self._end_at(i, page)
            self._queue(self.announced, i, page + 1)
        else:
            self._queue(self.announced, i, page + 1)

    def _end_at(self, i: int, page: int) -> None:
        last = self.last[i]
        self.last[i] = page if last is None else min(last, page)

    def _complete(self, i: int) -> list[_Page]:
        chunk_url = self.client._url(self.chunks[i], 1)
        last = self.last[i]
        if last is None:
            raise KoladaResponseError(f"Paging of {chunk_url} never reached a last page", chunk_url)
        pages = self.pages[i]
        needed = last + (1 if pages[last].next_page else 0)  # the proof page after an empty one
        missing = [p for p in range(1, needed + 1) if p not in pages]
        extra = [p for p, r in pages.items() if p > last and r.n_items]
        if missing or extra:
            raise KoladaResponseError(
                f"Inconsistent paging of {chunk_url}: pages {missing or extra} "
                f"{'missing' if missing else 'have data after the last page'}",
                chunk_url,
            )
        return [pages[p] for p in range(1, last + 1)]


def _next_page(next_url: str | None, url: str, path: str) -> int | None:
    """The page number next_url announces; it must be a later page of the same path."""
    if next_url is None:
        return None
    next_page = page_of(next_url)
    if next_page is None or not urlsplit(next_url).path.rstrip("/").endswith("/" + path):
        raise KoladaResponseError(
            f"next_url {next_url!r} from {url} is not the next page of it", url
        )
    return next_page


def _http_error(response: requests.Response, url: str, retries: int) -> KoladaHTTPError:
    status = response.status_code
    detail = response.text[:300].strip()
    if status == 422:
        return KoladaLimitError(
            f"Kolada refused {url} (HTTP 422): a request limit was broken "
            f"(at most 25 ids per path segment, per_page at most 5000): {detail}",
            url,
            status,
        )
    if status == 404:
        return KoladaNotFoundError(
            f"Kolada has no such resource: {url} (HTTP 404): {detail}", url, status
        )
    after = f" after {retries} retries" if status in RETRY_STATUSES else ""
    return KoladaHTTPError(f"Kolada answered HTTP {status} for {url}{after}: {detail}", url, status)


def _connection_error(
    exc: requests.RequestException, url: str, retries: int, timeout: float
) -> KoladaError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, TimeoutError | requests.Timeout) or "timed out" in str(cause).lower():
            return KoladaTimeoutError(
                f"Kolada did not answer within {timeout:g} s for {url} after {retries} retries", url
            )
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "reason", None)
        if not isinstance(cause, BaseException):
            break
    return KoladaConnectionError(f"Could not get {url} after {retries} retries: {exc}", url)


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
