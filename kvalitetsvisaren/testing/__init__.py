"""Test support: a local Kolada v3 stand-in with fault injection, and pytest fixtures for it.

* `standin` — `StandinServer` (the server), `StandinApp` (its WSGI app), `synthetic_store()`,
  and the CLI ``python -m kvalitetsvisaren.testing.standin --data DIR --port N``.
* `faults` — `FaultRule` / `FaultPlan`, deterministic fault injection.
* `pytest_plugin` — the fixtures ``standin_server``, ``standin`` and ``standin_factory``.

The names below are imported lazily, so ``python -m kvalitetsvisaren.testing.standin`` does not
import the module twice.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "FaultPlan": "faults",
    "FaultRule": "faults",
    "RequestRecord": "standin",
    "StandinApp": "standin",
    "StandinServer": "standin",
    "synthetic_store": "standin",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
