"""Load benchmark: many readers at once against `kvalitetsvisaren serve --prod` (gunicorn).

    python benchmarks/bench_load.py [--sessions 50] [--seconds 60] [--workers 2] [--threads 4]
                                    [--baseline df8b758 | none]

Each simulated reader replays what a browser asks for (kvalitetsvisaren/testing/dash_session):
it opens the overview (the HTML page, /_dash-layout, /_dash-dependencies, the Pages callback
and the page's own callbacks), then navigates inside the app as a reader does (the callbacks
only): an area, one of its KPIs, the units of the area, and back to the overview. Between
views it reads for a while (think time). Most readers look at the municipality that runs the
site (Västervik, 0883), the rest at others, chosen at random with a fixed seed.

Three runs, one after the other, on the same server:
  1. readers with think time (--think, default 2–6 s): a publication day with --sessions
     readers clicking around at once. Goal: 0 errors, p95 < 300 ms for callbacks.
  2. the same readers without think time: the server saturated, to show its capacity.
  3. readers spread evenly over all 290 municipalities: few repeated views, so the workers'
     response caches rarely help; the cost of views built from scratch.
The loop is bounded in time and count and only ever targets 127.0.0.1. The load generator
runs on the same machine and takes CPU from the server: the latencies are pessimistic.

The same runs are made first against a baseline commit (--baseline, in a temporary worktree:
benchmarks/trees.py) and then against this checkout, one server at a time, and the figures
are printed side by side with their ratios (this machine is noisy: two separate runs an hour
apart are not comparable). --baseline none measures this checkout only.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from trees import DEFAULT_BASELINE, checkout, tree_env

from kvalitetsvisaren.paths import ROOT
from kvalitetsvisaren.testing.dash_session import DashSession, Hit

HOME = "0883"
OTHERS = ["0180", "1480", "1280", "0880", "2584", "0114", "0484", "1980", "2480", "0980"]
AREAS = {"hemtjanst": "U21468", "sarskilt-boende": "U23471", "grundskola": "N15419"}


@dataclass
class Tally:
    hits: list[Hit] = field(default_factory=list)
    views: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, hits: list[Hit], failure: str | None = None) -> None:
        with self.lock:
            self.hits.extend(hits)
            self.views += 1
            if failure:
                self.failures.append(failure)


def walk(rng: random.Random, everywhere: list[str] | None = None) -> list[str]:
    """One reader's visit: overview, an area, a KPI of it, its units, the overview again.
    Most readers look at the home municipality, unless `everywhere` spreads them over all."""
    if everywhere:
        kommun = rng.choice(everywhere)
    else:
        kommun = HOME if rng.random() < 0.7 else rng.choice(OTHERS)
    area = rng.choice(list(AREAS))
    q = f"kommun={kommun}&ar=2022"
    return [
        f"/oversikt?{q}",
        f"/omrade/{area}?{q}",
        f"/nyckeltal/{AREAS[area]}?{q}&omrade={area}",
        f"/enheter/{area}?kommun={kommun}&ar=2024",
        f"/oversikt?{q}",
    ]


def reader(
    origin: str,
    seed: int,
    deadline: float,
    think: tuple[float, float],
    tally: Tally,
    everywhere: list[str] | None,
) -> None:
    rng = random.Random(seed)
    with DashSession(origin, timeout=60) as session:
        while time.monotonic() < deadline:
            for i, target in enumerate(walk(rng, everywhere)):
                if time.monotonic() >= deadline:
                    return
                try:
                    view = session.view(target, assets=i == 0)
                    bad = [h for h in view.hits if h.status not in (200, 204)]
                    failure = f"{target}: {[(h.kind, h.status) for h in bad]}" if bad else None
                    if not view.callbacks and view.content is not None and "oversikt" in target:
                        failure = f"{target}: no content callback"
                    tally.add(view.hits, failure)
                except requests.RequestException as exc:
                    tally.add([], f"{target}: {type(exc).__name__}: {exc}")
                if think[1] > 0:
                    time.sleep(rng.uniform(*think))


def run(
    origin: str,
    sessions: int,
    seconds: float,
    think: tuple[float, float],
    everywhere: list[str] | None = None,
    first_seed: int = 0,
) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=reader,
            args=(origin, first_seed + seed, deadline, think, tally, everywhere),
            daemon=True,
        )
        for seed in range(sessions)
    ]
    for t in threads:
        t.start()
        time.sleep(min(0.05, seconds / sessions / 4))  # readers arrive over a moment
    for t in threads:
        t.join(timeout=seconds + 120)
    return tally


def ms(values: list[float], q: float) -> str:
    if not values:
        return "       –"
    values = sorted(values)
    return f"{values[min(len(values) - 1, int(q * len(values)))] * 1000:8.0f}"


def report(title: str, tally: Tally, seconds: float) -> dict[str, float]:
    hits = tally.hits
    callbacks = [h.seconds for h in hits if h.kind in ("pages", "callback")]
    print(f"\n{title}")
    print(
        f"  {tally.views} page views, {len(hits)} requests in {seconds:.0f} s: "
        f"{len(hits) / seconds:.1f} requests/s, {tally.views / seconds:.1f} views/s; "
        f"errors: {len(tally.failures)}"
    )
    print(f"  {'request kind':<34}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max':>9}")
    kinds = [
        ("HTML page", ["page"]),
        ("/_dash-layout + dependencies", ["layout", "dependencies"]),
        ("Pages callback (page content)", ["pages"]),
        ("page callbacks (charts, tables)", ["callback"]),
        ("all callbacks", ["pages", "callback"]),
    ]
    for name, wanted in kinds:
        values = [h.seconds for h in hits if h.kind in wanted]
        print(
            f"  {name:<34}{len(values):>7}{ms(values, 0.5):>9}{ms(values, 0.95):>9}"
            f"{ms(values, 0.99):>9}{ms(values, 1.0):>9}"
        )
    for failure in tally.failures[:5]:
        print(f"  error: {failure}")
    p95 = sorted(callbacks)[int(0.95 * len(callbacks))] if callbacks else float("nan")
    return {"p95": p95, "errors": len(tally.failures), "rps": len(hits) / seconds}


def all_municipalities() -> list[str]:
    from kvalitetsvisaren.data.store import load_store
    from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT

    m = load_store(BUNDLED_SNAPSHOT).municipalities
    return sorted(m.loc[m["type"] == "K", "id"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tree: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "kvalitetsvisaren.cli",
        "serve",
        "--prod",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    log = Path(tempfile.gettempdir()) / f"bench_load-{port}.log"
    # a file, not a pipe: nobody reads a pipe during the run, and a full one blocks gunicorn
    with log.open("w") as out:
        server = subprocess.Popen(
            command, cwd=tree, env=tree_env(tree), stdout=subprocess.DEVNULL, stderr=out
        )
    origin = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(origin + "/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn did not start: {log.read_text()[-2000:]}")
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def measure(tree: Path, args: argparse.Namespace, think: tuple[float, float]) -> dict:
    """The three runs against the tree's own server; each run's report and the cache stats."""
    port = free_port()
    server = start_server(tree, port, args.workers, args.threads)
    origin = f"http://127.0.0.1:{port}"
    print(
        f"\n=== {tree}: gunicorn on {origin}: {args.workers} workers × {args.threads} threads, "
        f"{os.cpu_count()} CPUs; {args.sessions} readers for {args.seconds:.0f} s each run"
    )
    try:
        with DashSession(origin) as warm:  # what a first visitor would pay once per worker
            for target in walk(random.Random(0)):
                warm.view(target)
        real = run(origin, args.sessions, args.seconds, think)
        busy = run(origin, args.sessions, args.seconds, (0.0, 0.0))
        spread = run(origin, args.sessions, args.seconds, think, all_municipalities(), 1000)
        cache = requests.get(origin + "/healthz", timeout=10).json()["response_cache"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    out = {
        "1": report(
            f"1. {args.sessions} readers, think time {think[0]:g}–{think[1]:g} s",
            real,
            args.seconds,
        ),
        "2": report(f"2. {args.sessions} readers, no think time (saturated)", busy, args.seconds),
        "3": report(
            f"3. {args.sessions} readers spread over all 290 municipalities (few repeats), "
            f"think time {think[0]:g}–{think[1]:g} s",
            spread,
            args.seconds,
        ),
    }
    print(f"\nresponse cache of the worker that answered /healthz at the end: {cache}")
    return out


def side_by_side(base: dict | None, now: dict, baseline: str) -> None:
    print()
    print(f"{'callbacks':<48}{'baseline ' + baseline:>18}{'now':>12}{'now/base':>10}")

    def row(name: str, key: str, run_: str, scale: float, unit: str) -> None:
        b = base[run_][key] * scale if base else float("nan")
        n = now[run_][key] * scale
        ratio = f"{n / b:.2f}" if base and b else "–"
        print(f"{name:<48}{f'{b:.0f} {unit}':>18}{f'{n:.0f} {unit}':>12}{ratio:>10}")

    row("1. think time: p95 (goal <= 150 ms)", "p95", "1", 1000, "ms")
    row("1. think time: errors (goal 0)", "errors", "1", 1, "")
    row("2. saturated: requests/s", "rps", "2", 1, "/s")
    row("2. saturated: p95", "p95", "2", 1000, "ms")
    row("2. saturated: errors", "errors", "2", 1, "")
    row("3. all 290 municipalities: p95 (goal <= 300 ms)", "p95", "3", 1000, "ms")
    row("3. all 290 municipalities: errors (goal 0)", "errors", "3", 1, "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", default="2-6", help="reading time between views, seconds")
    parser.add_argument(
        "--baseline", default=DEFAULT_BASELINE, help="git commit to compare, or 'none'"
    )
    args = parser.parse_args()
    if not 1 <= args.sessions <= 500 or not 1 <= args.seconds <= 900:
        raise SystemExit("bounded: 1–500 sessions, 1–900 seconds")
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))
    base = None
    if args.baseline != "none":
        with checkout(args.baseline) as tree:
            base = measure(tree, args, think)
    now = measure(ROOT, args, think)
    side_by_side(base, now, args.baseline)


if __name__ == "__main__":
    main()
