from __future__ import annotations

from pathlib import Path

import pytest

from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG

FIXTURES = Path(__file__).parent / "fixtures"

pytest_plugins = ["kvalitetsvisaren.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The bundled real-data snapshot committed in data/snapshot."""
    return BUNDLED_SNAPSHOT


@pytest.fixture(scope="session")
def config_path() -> Path:
    return DEFAULT_CONFIG
