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
    """Collect garbage and return the freed heap to the system (glibc's malloc_trim)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim()


def trim() -> None:
    """Return the heap's free pages to the system, such as what a request freed (~0.4 ms;
    ctypes lets other threads run meanwhile). Without it, after each callback, app.py held
    302 MB after every level of the four largest municipalities, with it 281 MB."""
    malloc_trim = _libc_function("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


@functools.cache
def _libc_function(name: str) -> Any:  # a ctypes function, or None
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name) if library else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return None
