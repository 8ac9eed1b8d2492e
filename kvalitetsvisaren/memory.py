"""Memory the process no longer uses, given back to the system (issue 14).

Building the service makes many short-lived arrays. Arrow's own allocator (mimalloc) and
glibc's keep what was freed for later, so a process that built its tables once would hold
two or three times what it uses, and every forked gunicorn worker would start by touching
(and so copying) those pages. With Arrow on the system allocator, `give_back` after a build
returns the freed memory at once. Both are no-ops where they do not apply."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa


def use_system_allocator() -> None:
    """Arrow arrays (pandas' text columns) from malloc, which `give_back` can trim."""
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_arenas() -> None:
    """At most ARENAS malloc arenas (before the server's threads start). glibc gives each
    thread that meets a busy arena one of its own, up to 8 per core, and the request threads
    each kept their own freed memory: app.py after every level of the four largest
    municipalities 298 MB with 8 arenas, 281 MB with 2 (a gunicorn worker 265 -> 237 MB).
    The GIL serialises most allocations anyway. MALLOC_ARENA_MAX in the environment, if
    set, decides instead."""
    mallopt = _libc_function("mallopt")
    if mallopt is not None and not os.environ.get("MALLOC_ARENA_MAX"):
        mallopt(_M_ARENA_MAX, ARENAS)


def give_back() -> None:
    """Collect the young garbage and return the freed heap to the system (glibc's
    malloc_trim). Not a full collection: the tables' arrays are freed by reference counting
    the moment they go, and a full collection found no cyclic garbage after a build or after
    16 first views of four years, but walked every live object each time: 80-90 ms per call
    in a served process (2.2 s over those 16 views), 0.3 s in a test process, for the same
    RSS (303-315 MB either way, two runs each)."""
    gc.collect(1)
    pa.default_memory_pool().release_unused()
    trim()


def trim() -> None:
    """Return the heap's free pages to the system, such as what requests freed (~0.4 ms;
    ctypes lets other threads run meanwhile)."""
    malloc_trim = _libc_function("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


class IdleTrimmer:
    """Trims the heap (`trim`) once the process has had no request in flight for `delay`
    seconds, on a thread of its own. Without a trim, app.py held 302 MB after every level of
    the four largest municipalities, with one after each answer 281 MB. A trim in each
    answer's own time is paid by that reader and, under load, gives back pages the next
    requests fault straight back in; once idle it is paid by nobody, and under steady load
    it does not run. benchmarks/bench_trim.py (4 readers at once, views from scratch): the
    median callback 8-11 % faster than with a trim after each, p95 within the noise.
    Requests say `enter()` and `leave()`."""

    def __init__(self, delay: float = 0.2, trim: Callable[[], None] = trim) -> None:
        self.delay = delay
        self._trim = trim
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # threads do not survive a fork

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._busy = 0
        self._idle_since = time.monotonic()
        self._thread: threading.Thread | None = None

    def enter(self) -> None:
        with self._lock:
            self._busy += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="trim", daemon=True)
                self._thread.start()

    def leave(self) -> None:
        with self._lock:
            self._busy = max(0, self._busy - 1)
            if self._busy == 0:
                self._idle_since = time.monotonic()
                self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self.delay)
            with self._lock:
                quiet = self._busy == 0 and time.monotonic() - self._idle_since >= self.delay
                if quiet or self._busy:  # else idle again only just now: look once more
                    self._wake.clear()
            if quiet:
                self._trim()


@functools.cache
def _libc_function(name: str) -> Any:  # a ctypes function, or None
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name) if library else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return None
