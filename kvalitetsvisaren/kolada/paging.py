"""Fetch every page of several chunks, at most `concurrency` requests at a time.

A chunk is paged serially: page N+1 is asked for only when page N's next_url announces more
pages. next_url is read as yes or no only (null and "" mean no; its text is never parsed,
since servers write it in many forms): the page numbers are counted here. Speed comes from
fetching many chunks side by side, the chunk with the most pages still expected first.

Guards, each a KoladaResponseError naming the URL:

* a cycle: a non-empty page with the same content as an earlier page of the chunk (a server
  that ignores `page`), or more than MAX_PAGES pages;
* an empty page that still announces more: with offset paging the data has ended, so one more
  page is fetched to prove it; it must be empty (or past the end), else the paging is broken.

A 404 or 422 on a later page means that page does not exist: page 1 of the same query was
answered, and only `page` differs, so neither a bad route (404) nor a broken limit (422) is
possible. A chunk that times out or answers 504 is split in halves (Chunk.halves) and the
halves are fetched instead; a chunk that cannot be split raises.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from .errors import KoladaError, KoladaHTTPError, KoladaResponseError, KoladaTimeoutError
from .queries import Chunk

log = logging.getLogger(__name__)

MAX_PAGES = 10_000  # no query has this many pages; more means broken paging
_PAGE_LINKS = re.compile(rb'"(?:next|previous)_url"\s*:\s*(?:"(?:[^"\\]|\\.)*"|null)')


@dataclass(frozen=True)
class FetchedPage:
    n_items: int
    more: bool  # next_url announced another page
    body: bytes | None  # None: a page past the end (404/422), nothing to keep
    content: Any
    fingerprint: bytes = b""

    @classmethod
    def past_end(cls) -> FetchedPage:
        return cls(0, False, None, None)


def fingerprint(body: bytes) -> bytes:
    """The body without its page links: equal for two answers with the same items."""
    return hashlib.blake2b(_PAGE_LINKS.sub(b"", body), digest_size=16).digest()


# Fetches page `page` of a chunk; raises KoladaError.
PageGetter = Callable[[Chunk, int], FetchedPage]


@dataclass(eq=False)
class _Task:
    chunk: Chunk
    root: int  # the index of the chunk it was split from (or its own)
    pages: list[FetchedPage] = field(default_factory=list)
    seen: set[bytes] = field(default_factory=set)
    proving: bool = False  # the last page was empty yet announced more

    def expected_left(self, per_page: int) -> int:
        expected = max(1, math.ceil(self.chunk.expected_items / per_page))
        return max(1, expected - len(self.pages))


class ChunkFetcher:
    """See the module docstring. `run()` returns the pages of every chunk, in order."""

    def __init__(
        self,
        get_page: PageGetter,
        url: Callable[[Chunk, int], str],
        chunks: Sequence[Chunk],
        *,
        concurrency: int,
        per_page: int,
    ) -> None:
        self.get_page = get_page
        self.url = url
        self.concurrency = concurrency
        self.per_page = per_page
        self.leaves: list[list[_Task]] = [[_Task(c, i)] for i, c in enumerate(chunks)]
        self.ready: list[tuple[int, int, _Task]] = []
        self.in_flight: dict[Future[FetchedPage], _Task] = {}
        self._order = itertools.count()
        self.splits = 0
        for tasks in self.leaves:
            self._push(tasks[0])

    def run(self) -> list[list[FetchedPage]]:
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="kolada") as pool:
            try:
                self._fill(pool)
                while self.in_flight:
                    done, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
                    for future in done:
                        self._settle(self.in_flight.pop(future), future)
                    self._fill(pool)
            except BaseException:
                for future in self.in_flight:
                    future.cancel()
                raise
        return [
            [p for task in tasks for p in task.pages if p.body is not None] for tasks in self.leaves
        ]

    def _push(self, task: _Task) -> None:
        heapq.heappush(self.ready, (-task.expected_left(self.per_page), next(self._order), task))

    def _fill(self, pool: ThreadPoolExecutor) -> None:
        while self.ready and len(self.in_flight) < self.concurrency:
            task = heapq.heappop(self.ready)[2]
            future = pool.submit(self.get_page, task.chunk, len(task.pages) + 1)
            self.in_flight[future] = task

    def _settle(self, task: _Task, future: Future[FetchedPage]) -> None:
        try:
            page = future.result()
        except (KoladaTimeoutError, KoladaHTTPError) as exc:
            halves = task.chunk.halves()
            if halves is None or not _too_heavy(exc):
                raise
            self._split(task, halves, exc)
            return
        self._on_page(task, page)

    def _split(self, task: _Task, halves: tuple[Chunk, Chunk], exc: KoladaError) -> None:
        log.info("Splitting %s in two: %s", exc.url, exc)
        self.splits += 1
        tasks = self.leaves[task.root]
        at = tasks.index(task)
        parts = [_Task(half, task.root) for half in halves]
        tasks[at : at + 1] = parts
        for part in parts:
            self._push(part)

    def _on_page(self, task: _Task, page: FetchedPage) -> None:
        task.pages.append(page)
        n = len(task.pages)
        if page.body is None:  # past the end
            return
        if task.proving:
            if page.n_items:
                url = self.url(task.chunk, n)
                raise KoladaResponseError(
                    f"Inconsistent paging of {url}: data after the last page (an empty page)",
                    url,
                )
            return
        if not page.n_items:
            task.proving = page.more
        elif page.fingerprint in task.seen:
            url = self.url(task.chunk, n)
            raise KoladaResponseError(
                f"Broken paging at {url}: page {n} repeats an earlier page (a cycle)", url
            )
        else:
            task.seen.add(page.fingerprint)
        if page.more:
            if n >= MAX_PAGES:
                url = self.url(task.chunk, 1)
                raise KoladaResponseError(f"More than {MAX_PAGES} pages for {url}", url)
            self._push(task)


def _too_heavy(exc: KoladaError) -> bool:
    return isinstance(exc, KoladaTimeoutError) or (
        isinstance(exc, KoladaHTTPError) and exc.status == 504
    )
