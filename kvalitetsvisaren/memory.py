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
from typing import Any

import pyarrow as pa


def use_system_allocator() -> None:
    """Arrow arrays (pandas' text columns) from malloc, which `give_back` can trim."""
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def give_back() -> None:
    """Collect garbage and return the freed heap to the system (glibc's malloc_trim)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:  # a ctypes function, or None
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
