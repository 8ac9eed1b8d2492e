"""Page benchmark: the overview callback on the server, and /oversikt in headless Chromium.

    python benchmarks/bench_pages.py [--repeats 10]

1. Server side, warm: the overview content callback called directly, and the same through
   Dash's HTTP endpoint (JSON in and out), for Västervik 2022 and for other municipalities.
2. In Debian's Chromium (Playwright): `python app.py` runs in its own process; each run opens
   a fresh browser context (nothing cached) and times from navigation start until the level-1
   tiles are on screen; then the same again with the browser cache warm.
Goals: callback < 50 ms; first render < 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time

from kvalitetsvisaren.config import load_config
from kvalitetsvisaren.factory import create_app
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG, ROOT
from kvalitetsvisaren.store import load_store

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MUNICIPALITIES = ["0883", "0180", "1480", "2584", "0114"]


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:8.1f} ms"


def server_side(repeats: int) -> tuple[list[float], list[float]]:
    app = create_app(load_store(BUNDLED_SNAPSHOT), load_config(DEFAULT_CONFIG))
    from kvalitetsvisaren.pages.overview import update_overview  # after the app: Dash Pages

    client = app.server.test_client()
    client.get("/oversikt?kommun=0883&ar=2022")
    direct, http = [], []
    for i in range(repeats):
        params = {
            "kommun": MUNICIPALITIES[i % len(MUNICIPALITIES)],
            "ar": 2022,
            "grupp": "liknande",
            "enhet": None,
            "omrade": None,
        }
        start = time.perf_counter()
        update_overview(params)
        direct.append(time.perf_counter() - start)
        body = {
            "output": "oversikt-content.children",
            "outputs": {"id": "oversikt-content", "property": "children"},
            "inputs": [{"id": "oversikt-params", "property": "data", "value": params}],
            "changedPropIds": ["oversikt-params.data"],
        }
        start = time.perf_counter()
        response = client.post(
            "/_dash-update-component", data=json.dumps(body), content_type="application/json"
        )
        http.append(time.perf_counter() - start)
        assert response.status_code == 200, response.data[:300]
    return direct, http


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_browser(repeats: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/oversikt?kommun=0883&ar=2022"
    cold, warm = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
            page = browser.new_page()
            for _ in range(100):  # wait for the server
                try:
                    page.goto(url, timeout=2000)
                    break
                except Exception:
                    time.sleep(0.2)
            page.wait_for_selector("[data-measure]", timeout=30000)
            for _ in range(repeats):
                context = browser.new_context()  # empty cache: a first visit
                fresh = context.new_page()
                start = time.perf_counter()
                fresh.goto(url)
                fresh.wait_for_selector("[data-measure]", timeout=30000)
                cold.append(time.perf_counter() - start)
                start = time.perf_counter()
                fresh.reload()
                fresh.wait_for_selector("[data-measure]", timeout=30000)
                warm.append(time.perf_counter() - start)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    direct, http = server_side(args.repeats * 3)
    cold, warm = in_browser(args.repeats)
    print(f"{'measure':<52}{'median':>12}   runs")
    rows = [
        ("overview callback, direct (goal < 50 ms)", direct),
        ("overview callback over HTTP, JSON in and out", http),
        ("/oversikt first render, empty cache (goal < 1.5 s)", cold),
        ("/oversikt render again, cache warm", warm),
    ]
    for name, times in rows:
        runs = " ".join(f"{t * 1000:.0f}" for t in times[:10])
        print(f"{name:<52}{median_ms(times):>12}   {runs} (ms)")
    print()
    print(
        f"callback: {statistics.median(direct) * 1000 / 50:.2f} of the 50 ms budget; "
        f"first render: {statistics.median(cold) / 1.5:.2f} of the 1.5 s budget"
    )


if __name__ == "__main__":
    main()
