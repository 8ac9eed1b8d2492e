"""pytest fixtures for the Kolada v3 stand-in.

Register in tests/conftest.py with ``pytest_plugins = ["kvalitetsvisaren.testing.pytest_plugin"]``
(or pass ``-p kvalitetsvisaren.testing.pytest_plugin``). The fixtures:

``standin_server`` (session)
    One stand-in serving the ``snapshot_dir`` store (that fixture comes from tests/conftest.py).
``standin`` (function)
    The session server after ``.reset()`` (empty request log, no faults, no latency); it is
    reset again after the test.
``standin_factory`` (function)
    ``standin_factory(store_or_dir, **kwargs) -> StandinServer``: starts an extra server on
    another store (e.g. ``synthetic_store()``); every server it started is stopped after the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..data.store import Store
from .standin import StandinServer
from .synthetic import synthetic_store

__all__ = ["StandinServer", "synthetic_store"]


@pytest.fixture(scope="session")
def standin_server(snapshot_dir: Path) -> Iterator[StandinServer]:
    """The stand-in serving the bundled snapshot for the whole session."""
    with StandinServer(snapshot_dir) as server:
        yield server


@pytest.fixture
def standin(standin_server: StandinServer) -> Iterator[StandinServer]:
    """The session stand-in, reset before and after the test."""
    standin_server.reset()
    yield standin_server
    standin_server.reset()


@pytest.fixture
def standin_factory() -> Iterator[Callable[..., StandinServer]]:
    """Start extra stand-ins on other stores; all are stopped when the test ends."""
    servers: list[StandinServer] = []

    def start(store: Store | str | os.PathLike[str], **kwargs: Any) -> StandinServer:
        server = StandinServer(store, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
