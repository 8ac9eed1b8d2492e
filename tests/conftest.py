from __future__ import annotations

from pathlib import Path

import pytest

from kvalitetsvisaren.config import load_config
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG
from kvalitetsvisaren.store import load_store

FIXTURES = Path(__file__).parent / "fixtures"

pytest_plugins = ["kvalitetsvisaren.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The bundled real-data snapshot committed in data/snapshot."""
    return BUNDLED_SNAPSHOT


@pytest.fixture(scope="session")
def config_path() -> Path:
    return DEFAULT_CONFIG


@pytest.fixture(scope="session")
def dash_app():
    """The dashboard on the bundled snapshot. Created once per session: Dash keeps page and
    callback registrations in module globals."""
    from kvalitetsvisaren.factory import create_app

    return create_app(load_store(BUNDLED_SNAPSHOT), load_config(DEFAULT_CONFIG))


@pytest.fixture(scope="session")
def service(dash_app):
    from kvalitetsvisaren.runtime import get_service

    return get_service()
