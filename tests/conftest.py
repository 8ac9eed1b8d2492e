from __future__ import annotations

import gc
import logging
import os
from datetime import date
from pathlib import Path

import pytest

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import load_store
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG

FIXTURES = Path(__file__).parent / "fixtures"

pytest_plugins = ["kvalitetsvisaren.testing.pytest_plugin"]


def pytest_collection_modifyitems(config, items):
    """Every test driving a real browser is `e2e`. `live` tests (the real api.kolada.se) run
    only when the -m expression names them: `-m "not e2e and not slow"` must not pull them in
    (a second -m replaces the default one instead of adding to it)."""
    wants_live = "live" in (config.getoption("markexpr") or "")
    kept, dropped = [], []
    for item in items:
        if "page" in item.fixturenames:
            item.add_marker(pytest.mark.e2e)
        (dropped if item.get_closest_marker("live") and not wants_live else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: twice the cores (at most 4 more). Many tests wait rather than compute: on a
    browser (its own processes), on loopback HTTP, on a Kolada fault's timeout. Measured on 2
    cores, the full suite took 476 s with 2 workers and 415 s with 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1), (cores or 1) + 4)


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The bundled real-data snapshot committed in data/snapshot."""
    return BUNDLED_SNAPSHOT


@pytest.fixture(scope="session")
def config_path() -> Path:
    return DEFAULT_CONFIG


@pytest.fixture(scope="session")
def snapshot_store():
    """The bundled snapshot loaded once for the session (tests read it, never change it)."""
    return load_store(BUNDLED_SNAPSHOT)


@pytest.fixture(scope="session")
def dated_service(snapshot_store):
    """A service on the snapshot with a fixed 'today' (freshness words do not drift)."""
    from kvalitetsvisaren.service.facade import IndicatorService

    built = IndicatorService(snapshot_store, load_config(DEFAULT_CONFIG), today=date(2026, 11, 23))
    freeze_what_lives()
    return built


@pytest.fixture(scope="session")
def dash_app(snapshot_store):
    """The dashboard on the bundled snapshot. Created once per session: Dash keeps page and
    callback registrations in module globals."""
    from kvalitetsvisaren.web.factory import create_app

    app = create_app(snapshot_store, load_config(DEFAULT_CONFIG))
    freeze_what_lives()
    return app


def freeze_what_lives() -> None:
    """Move every object alive now (the session's store, service and app, the imported
    modules) out of the garbage collector's way for the rest of the session: each full
    collection Python runs walks every tracked object, ~0.3 s with the session's ~600k.
    Nothing alive now is meant to be freed during the session; what the tests make later is
    collected as before."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def session(dash_app):
    """A browser's requests (testing/dash_session) against the app, over its test client."""
    from kvalitetsvisaren.testing.dash_session import ClientSession

    return ClientSession(dash_app.server.test_client())


@pytest.fixture
def errors(caplog):
    """ERROR records logged while the test ran (the last-resort handler logs one)."""
    caplog.set_level(logging.WARNING)
    return lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture(scope="session")
def service(dash_app):
    from kvalitetsvisaren.web.runtime import get_service

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
    from kvalitetsvisaren.web.pages import kpi

    def view(params: dict, kpi_id: str) -> tuple:
        summary = kpi.update_kpi(params, kpi_id)
        spread, group, more = kpi.update_kpi_charts(params, kpi_id)
        return [*summary, spread], group, more

    return view
