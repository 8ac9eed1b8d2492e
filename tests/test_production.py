"""Production serving: /healthz, security headers, the freshness banner, picking up newly
synced data without restart, the callback answer cache, and gunicorn end to end.

Data is the real snapshot; "synthetic" tests change its metadata or break its files on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.freshness import freshness, write_sync_status
from kvalitetsvisaren.data.store import load_store, make_store, write_store
from kvalitetsvisaren.service.facade import IndicatorService
from kvalitetsvisaren.testing.dash_session import DashSession, texts
from kvalitetsvisaren.testing.serving import free_port, wait_until_answering
from kvalitetsvisaren.web import runtime
from kvalitetsvisaren.web.response_cache import ResponseCache
from kvalitetsvisaren.web.runtime import Runtime
from kvalitetsvisaren.web.security import check_frame_ancestors

OVERVIEW = "/oversikt?kommun=0883&ar=2022"
PAGES = [
    OVERVIEW,
    "/omrade/hemtjanst?kommun=0883&ar=2022",
    "/nyckeltal/U21468?kommun=0883&ar=2022&omrade=hemtjanst",
    "/enheter/hemtjanst?kommun=0883&ar=2024",
    "/finns-inte",
    "/oversikt?kommun=9999&ar=2022",
]
FAILED = "senaste uppdateringen misslyckades"
# A reader's pause between views: readers who read (as bench_load's first run), not a busy
# loop that takes the CPU the workers need to load the new data.
THINK = 0.2


def pages_callback(client, target: str):
    """What the browser posts to get a page's content for a URL (Dash Pages)."""
    path, _, query = target.partition("?")
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": f"?{query}"},
        ],
        "state": [  # the router's states: the same location (factory.create_app)
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": f"?{query}"},
        ],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
    }
    return client.post("/_dash-update-component", json=body)


def shown(client, target: str) -> str:
    """The text a reader sees of the page at `target` (its header, banner and skeleton)."""
    response = pages_callback(client, target)
    assert response.status_code == 200, target
    return texts(response.get_json()["response"]["_pages_content"]["children"])


@pytest.fixture
def swap_runtime(dash_app):
    """Install another Runtime for one test; the session's is put back afterwards."""
    original = runtime.get_runtime()
    yield runtime.install
    runtime.install(original)


# --- /healthz and headers ------------------------------------------------------------------


def test_healthz_says_what_is_served_and_how_fresh(dash_app, config_path):
    body = dash_app.server.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["source"] == "snapshot"
    assert body["fetched_at"] == "2024-08-30" and body["age_days"] > 365
    assert body["kpis"] == len(load_config(config_path).kpi_ids())
    assert body["municipalities"] == 290 and body["last_sync"] is None
    assert re.fullmatch(r"[0-9a-f]{32}", body["version"])
    assert "path" not in body  # the server's file layout is not published


@pytest.mark.parametrize(
    "path",
    [OVERVIEW, "/healthz", "/_dash-layout", "/export/utveckling?kommun=0883&kpi=U21468&format=csv"],
)
def test_every_response_carries_the_security_headers(dash_app, path):
    response = dash_app.server.test_client().get(path)
    assert response.status_code == 200
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert csp["frame-ancestors"] == "'self'" and csp["object-src"] == "'none'"
    scripts = csp["script-src"].split()
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_exactly_the_inline_scripts_of_the_page(dash_app):
    """Every inline script Dash puts in the page is allowed by its hash (else the browser blocks
    it); the JSON config block is data, not script."""
    response = dash_app.server.test_client().get(OVERVIEW)
    html = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)  # IE-only
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
        for attrs, code in inline
        if "application/json" not in attrs
    }
    assert hashes  # Dash's renderer start-up is inline
    allowed = set(
        response.headers["Content-Security-Policy"].split("script-src ")[1].split(";")[0].split()
    )
    assert hashes <= allowed


def test_frame_ancestors_are_checked_before_they_reach_a_header():
    assert check_frame_ancestors("'self'  https://www.vastervik.se") == (
        "'self' https://www.vastervik.se"
    )
    assert check_frame_ancestors("https://*.vastervik.se:443") == "https://*.vastervik.se:443"
    for bad in ["", "'self'; script-src *", "https://a.se\nSet-Cookie: x=1", "javascript:x", "*"]:
        with pytest.raises(ValueError, match="frame-ancestors"):
            check_frame_ancestors(bad)


def test_no_stack_traces_in_answers(dash_app):
    client = dash_app.server.test_client()
    broken = client.post(
        "/_dash-update-component", data="{not json", content_type="application/json"
    )
    assert broken.status_code >= 400
    assert b"Traceback" not in broken.data and b"File " not in broken.data


def test_unknown_and_hostile_query_parameters_are_ignored_or_explained(dash_app):
    client = dash_app.server.test_client()
    plain = shown(client, OVERVIEW)
    assert "Kvalitetsvisaren" in plain and "Nivå 1" in plain
    assert shown(client, OVERVIEW + "&utm_source=nyhetsbrev&x=%3Cscript%3E") == plain
    hostile = shown(client, "/oversikt?kommun=%3Cimg%20src%3Dx%3E&ar=2022")
    assert "Kommunkoden ”<img src=x>” ska vara fyra siffror" in hostile  # as text


# --- freshness and the banner ------------------------------------------------------------------


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")


@pytest.mark.parametrize(
    ("meta", "status", "load_error", "expected"),
    [
        ({"source": "kolada", "fetched_at": at(3)}, {"ok": True}, None, None),
        ({"source": "kolada", "fetched_at": at(50)}, {"ok": True}, None, "kan vara inaktuella"),
        ({"source": "kolada", "fetched_at": None}, None, None, "okänt datum"),
        (
            {"source": "kolada", "fetched_at": at(3)},
            {"ok": False, "attempted_at": at(0)},
            None,
            FAILED,
        ),
        ({"source": "snapshot", "fetched_at": "2024-08-30"}, None, None, None),
        (
            {"source": "snapshot", "fetched_at": "2024-08-30"},
            None,
            "values.parquet: trasig",
            FAILED,
        ),
    ],
)
def test_the_banner_says_when_data_is_old_or_the_last_update_failed(
    tmp_path, meta, status, load_error, expected
):
    if status is not None:
        write_sync_status(tmp_path / "data", status)
    state = freshness(meta, tmp_path / "data", 45, load_error=load_error)
    banner = state.banner()
    if expected is None:
        assert banner is None and state.status == "ok"
    else:
        assert expected in banner and state.status == "stale"
        assert banner.startswith(f"Data hämtades {(meta['fetched_at'] or 'okänt datum')[:10]}")


def test_every_page_shows_the_banner_after_a_failed_sync(tmp_path, dash_app, service, swap_runtime):
    write_sync_status(tmp_path / "data", {"ok": False, "attempted_at": "2026-11-20T03:00:00+00:00"})
    swap_runtime(Runtime(service, service.config, tmp_path / "data"))
    client = dash_app.server.test_client()
    for target in PAGES:
        text = shown(client, target)
        assert "Data hämtades 2024-08-30; senaste uppdateringen misslyckades (2026-11-20)" in text
    assert client.get("/healthz").get_json()["status"] == "stale"


# --- new data without restart ------------------------------------------------------------------


def relabel(store, **meta):
    """The same real tables under other metadata (a "new sync")."""
    return make_store(store.tables(), {**store.meta, **meta})


@pytest.mark.slow
def test_a_sync_is_picked_up_without_restart(tmp_path, snapshot_store, service):
    data = tmp_path / "data"
    write_store(snapshot_store, data)
    rt = Runtime(
        IndicatorService(load_store(data), service.config), service.config, data, check_every=0
    )
    first, old_service = rt.version, rt.service
    rt.maybe_reload()
    assert rt._reloading is None  # nothing new: nothing loaded
    write_store(relabel(snapshot_store, fetched_at="2026-11-22"), data)
    rt.maybe_reload()
    rt._reloading.join(timeout=60)
    assert rt.version != first and rt.version == load_store(data).meta["version"]
    assert rt.service.store.meta["fetched_at"] == "2026-11-22"
    # a request that started on the old service finishes on it
    assert len(old_service.overview("0883", 2022)) == len(service.config.areas)


@pytest.mark.slow
def test_a_broken_new_version_keeps_the_old_data_and_says_so_synthetic(
    tmp_path, snapshot_store, service
):
    data = tmp_path / "data"
    write_store(snapshot_store, data)
    rt = Runtime(
        IndicatorService(load_store(data), service.config), service.config, data, check_every=0
    )
    good = rt.version
    newer = write_store(relabel(snapshot_store, fetched_at="2026-11-22"), data)
    (newer / "values.parquet").write_bytes(b"not parquet")  # a disk error after publishing
    rt.maybe_reload()
    rt._reloading.join(timeout=60)
    assert rt.version == good and "values.parquet" in rt.reload_error
    assert FAILED in rt.freshness().banner()
    assert rt.freshness().health()["status"] == "stale"


@pytest.mark.slow
def test_readers_never_see_a_half_written_store(tmp_path, snapshot_store):
    """Readers load the store over and over while versions are published under them."""
    data = tmp_path / "data"
    write_store(snapshot_store, data)
    rows = len(snapshot_store.values)
    stop, failures, loads = threading.Event(), [], [0]

    def read() -> None:
        while not stop.is_set():
            try:
                store = load_store(data)
                assert len(store.values) == rows and store.meta["version"]
                loads[0] += 1
            except Exception as exc:
                failures.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    for i in range(4):
        write_store(relabel(snapshot_store, fetched_at=f"2026-11-2{i}"), data)
    stop.set()
    for r in readers:
        r.join()
    assert failures == [] and loads[0] > 0


# --- the callback answer cache -------------------------------------------------------------


def test_response_cache_is_bounded_in_bytes_and_drops_the_oldest():
    cache = ResponseCache(max_bytes=800)
    for i in range(10):
        cache.put(f"k{i}", bytes(100))
    assert cache.bytes <= 800 and cache.get("k0") is None and cache.get("k9") == bytes(100)
    cache.put("huge", bytes(500))  # more than an eighth of the budget: not kept
    assert cache.get("huge") is None


def test_repeated_callbacks_are_answered_from_memory_until_the_state_changes(
    dash_app, service, swap_runtime, tmp_path
):
    from kvalitetsvisaren.web.factory import CACHE

    client = dash_app.server.test_client()
    target = "/omrade/grundskola?kommun=1480&ar=2022"
    first = pages_callback(client, target).get_data()
    hits = CACHE.hits
    assert pages_callback(client, target).get_data() == first and CACHE.hits == hits + 1
    # a failed sync changes the banner: the answer is built anew, with the banner
    write_sync_status(tmp_path / "data", {"ok": False, "attempted_at": "2026-11-20"})
    swap_runtime(Runtime(service, service.config, tmp_path / "data"))
    again = pages_callback(client, target).get_data()
    assert again != first and FAILED in again.decode() and CACHE.hits == hits + 1


def test_an_answer_built_by_the_error_fallback_is_not_kept(dash_app, monkeypatch):
    from kvalitetsvisaren.web import views

    client = dash_app.server.test_client()
    body = {
        "output": "oversikt-content.children",
        "outputs": {"id": "oversikt-content", "property": "children"},
        "inputs": [
            {
                "id": "oversikt-params",
                "property": "data",
                "value": {
                    "kommun": "2584",
                    "ar": 2021,
                    "grupp": "liknande",
                    "enhet": None,
                    "omrade": None,
                },
            }
        ],
        "changedPropIds": [],
    }

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "overview_content", broken)
    failed = client.post("/_dash-update-component", json=body).get_data(as_text=True)
    assert "Ett fel uppstod" in failed
    monkeypatch.undo()
    fixed = client.post("/_dash-update-component", json=body).get_data(as_text=True)
    assert "Ett fel uppstod" not in fixed and "Kiruna" in fixed


# --- gunicorn end to end ---------------------------------------------------------------------


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kvalitetsvisaren.cli", "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production(tmp_path, snapshot_store):
    """`kvalitetsvisaren serve --prod` (gunicorn, 2 workers) on a synced copy of the snapshot."""
    data = tmp_path / "data"
    write_store(snapshot_store, data)
    port = free_port()
    log = (tmp_path / "server.log").open("w")  # a file, not a pipe: a full pipe blocks gunicorn
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kvalitetsvisaren.cli",
            "serve",
            "--prod",
            "--port",
            str(port),
            "--data",
            str(data),
            "--workers",
            "2",
            "--threads",
            "2",
            "--reload-check",
            "0.5",
            "--frame-ancestors",
            "'self' https://www.vastervik.se",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(origin + "/healthz", proc, 90, log=tmp_path / "server.log")
        yield origin, data, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_gunicorn_serves_many_readers_while_new_data_arrives(production, snapshot_store):
    origin, data, _proc = production
    home = requests.get(origin + OVERVIEW, timeout=10)
    # the configured site may frame the embeddable views only (issue 17), no other page
    assert home.status_code == 200
    assert home.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    embedded = requests.get(origin + "/inbaddning" + OVERVIEW, timeout=10)
    assert embedded.status_code == 200 and (
        "frame-ancestors 'self' https://www.vastervik.se"
        in embedded.headers["Content-Security-Policy"]
    )
    before = requests.get(origin + "/healthz", timeout=5).json()
    stop, views, failures = threading.Event(), [0], []

    def reader(seed: int) -> None:
        with DashSession(origin) as session:
            while not stop.is_set():
                view = session.view(PAGES[(seed + views[0]) % len(PAGES)])
                views[0] += 1
                if not view.ok or view.content is None:
                    failures.append([(h.kind, h.status, h.target) for h in view.hits])
                stop.wait(THINK)

    readers = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for r in readers:
        r.start()
    try:
        wait_until(lambda: views[0] >= 8, 60, "the readers are under way")
        write_store(relabel(snapshot_store, fetched_at="2026-11-22"), data)  # a sync lands
        new = load_store(data).meta["version"]

        def everyone_serves_the_new_data() -> bool:  # new connections reach both workers
            seen = [requests.get(origin + "/healthz", timeout=30).json() for _ in range(12)]
            return all(s["version"] == new and s["fetched_at"] == "2026-11-22" for s in seen)

        wait_until(everyone_serves_the_new_data, 60, "both workers switch to the new data")
        write_sync_status(data, {"ok": False, "attempted_at": "2026-11-23T03:00:00+00:00"})
        with DashSession(origin) as session:
            shown = texts(session.view(OVERVIEW).content)
        assert "Data hämtades 2026-11-22; senaste uppdateringen misslyckades" in shown
    finally:
        stop.set()
        for r in readers:
            r.join(timeout=60)
    assert before["version"] != new and views[0] > 8 and failures == []
    assert requests.get(origin + "/healthz", timeout=5).json()["status"] == "stale"


@pytest.mark.slow
def test_prod_refuses_a_missing_or_corrupt_store_with_one_clear_message(tmp_path, snapshot_dir):
    missing = serve("--prod", "--data", str(tmp_path / "nope"))
    assert missing.returncode == 2 and str(tmp_path / "nope") in missing.stderr
    broken = tmp_path / "broken"
    shutil.copytree(snapshot_dir, broken)
    (broken / "ou_values.parquet").write_bytes(b"PAR1 truncated")
    corrupt = serve("--prod", "--data", str(broken))
    assert corrupt.returncode == 2 and "ou_values.parquet" in corrupt.stderr
    for result in (missing, corrupt):
        assert "Traceback" not in result.stderr and "gunicorn" not in result.stderr.lower()
    debug = serve("--prod", "--debug")
    assert debug.returncode == 2 and "--debug" in debug.stderr
    framing = serve("--frame-ancestors", "'self'; script-src *")
    assert framing.returncode == 2 and "frame-ancestors" in framing.stderr
