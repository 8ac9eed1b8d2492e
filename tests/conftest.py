from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, for the browser tests and the image export (kaleido). Skipped without
    it on a fresh machine; failed in CI, which installs it and sets
    KVALITETSVISAREN_REQUIRE_BROWSER."""
    path = os.environ.get("KVALITETSVISAREN_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        message = f"Chromium not found at {path} (Debian: apt-get install chromium)"
        if os.environ.get("KVALITETSVISAREN_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def kpi_view(dash_app):
    """A whole KPI page's content as (summary and spread, group, trend and genders): its two
    content callbacks (the summary arrives first, the charts in their own answer)."""
    from kvalitetsvisaren.pages import kpi

    def view(params: dict, kpi_id: str) -> tuple:
        summary = kpi.update_kpi(params, kpi_id)
        spread, group, more = kpi.update_kpi_charts(params, kpi_id)
        return [*summary, spread], group, more

    return view
