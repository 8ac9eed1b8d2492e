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
MMAP_THRESHOLD = 128 * 1024  # bytes: glibc's initial threshold, kept from moving
_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # glibc's mallopt parameters


def tune_malloc() -> None:
    """glibc's malloc for a long-lived server that builds tables per request. Measured on
    app.py after every level of the four largest municipalities (bench_memory):
    - at most ARENAS arenas: glibc gives each thread that meets a busy arena one of its own,
      up to 8 per core, and the request threads each kept their own freed memory (336 ->
      318 MB). The GIL serialises most allocations anyway.
    - blocks over MMAP_THRESHOLD always from mmap, so that freeing one returns it: glibc
      raises the threshold after each such free (up to 32 MB), after which a request's
      short-lived arrays came from the heap and stayed there, fragmented (320 -> 280 MB; a
      gunicorn worker 255 -> 235 MB).
    MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_ in the environment, if set, decide instead."""
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return
    if not os.environ.get("MALLOC_ARENA_MAX"):
        mallopt(_M_ARENA_MAX, ARENAS)
    if not os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def give_back() -> None:
    """Collect garbage and return the freed heap to the system (glibc's malloc_trim)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


@functools.cache
def _libc_function(name: str) -> Any:  # a ctypes function, or None
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name) if library else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return None
