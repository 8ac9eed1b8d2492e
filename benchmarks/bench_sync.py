"""Sync benchmark: our KoladaClient vs koladapy 1.0.1 against the stand-in on loopback.

    python benchmarks/bench_sync.py [--data data/snapshot] [--latencies 0.2,1] [--repeats 3]
                                    [--rate-limit R] [--concurrency C]

The stand-in runs in its own process (so it never competes with the clients for the GIL) and
serves real data (the bundled snapshot by default) with a latency added to every request: 0.2 s,
and 1 s, which is realistic for a 5000-row Kolada page. Both clients fetch the same query:
30 configured KPIs x all municipalities x 10 years, each with its default politeness (ours:
5 requests/s, 5 in flight; koladapy: 5 requests/s, one at a time) unless --rate-limit or
--concurrency say otherwise. Runs alternate between the clients (this machine is noisy) and
the medians are compared. Printed, per latency: requests made, the request floor
(ceil(items / 5000), and at least one request per id chunk the 25-id limit forces), wall
time, the ratios, and whether both clients returned identical rows.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import requests

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import load_store
from kvalitetsvisaren.kolada import KoladaClient
from kvalitetsvisaren.kolada.frames import VALUE_COLUMNS, typed_frame
from kvalitetsvisaren.kolada.queries import MAX_IDS_PER_SEGMENT, request_floor
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG

YEARS = list(range(2013, 2023))


class Standin:
    """`python -m kvalitetsvisaren.testing.standin` in a subprocess, driven by its admin API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.admin = base_url.rsplit("/v3", 1)[0] + "/_standin"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def set_latency(self, seconds: float) -> None:
        requests.post(f"{self.admin}/latency", json={"seconds": seconds}).raise_for_status()

    def clear_requests(self) -> None:
        requests.delete(f"{self.admin}/requests").raise_for_status()

    def count_requests(self) -> int:
        return len(requests.get(f"{self.admin}/requests").json())


@contextlib.contextmanager
def standin_process(data: Path) -> Iterator[Standin]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "kvalitetsvisaren.testing.standin", "--data", str(data)]
    proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()  # "... at http://127.0.0.1:PORT/v3" once it serves
        yield Standin(f"http://127.0.0.1:{port}/v3")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def pick_kpis(store, config, n: int) -> list[str]:
    """The first n configured KPIs (config order) with national values in most of YEARS."""
    v = store.values[store.values["year"].isin(YEARS)]
    years_per_kpi = v.groupby("kpi")["year"].nunique()
    chosen = [k for k in config.kpi_ids() if years_per_kpi.get(k, 0) >= len(YEARS) - 1][:n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} configured KPIs have data for {YEARS}")
    return chosen


def run_ours(
    server: Standin, kpis: list[str], options: dict[str, float]
) -> tuple[pd.DataFrame, float, int]:
    server.clear_requests()
    start = time.perf_counter()
    with KoladaClient(server.base_url, **options) as client:
        frame = client.get_values(kpis, None, YEARS)
    return frame, time.perf_counter() - start, server.count_requests()


def run_koladapy(server: Standin, kpis: list[str]) -> tuple[pd.DataFrame, float, int, int]:
    from koladapy.api import KoladaAPI
    from koladapy.utils import flatten_data

    server.clear_requests()
    start = time.perf_counter()
    items = KoladaAPI(base_url=server.base_url + "/").get_values(kpi_id=kpis, years=YEARS)
    rows = pd.DataFrame(flatten_data(items))
    elapsed = time.perf_counter() - start
    rows = rows[~rows["isdeleted"].fillna(False).astype(bool)]
    rows = rows.rename(columns={"municipality": "municipality_id", "period": "year"})
    frame = typed_frame(rows, VALUE_COLUMNS)
    frame = frame.sort_values(["kpi", "municipality_id", "year", "gender"], ignore_index=True)
    return frame, elapsed, server.count_requests(), len(items)


def standin_page_overhead(server: Standin, kpis: list[str], n: int = 20) -> float:
    """Seconds the stand-in itself needs for one 5000-item page (no latency), end to end."""
    url = server.url(f"data/kpi/{','.join(kpis[:25])}/year/{','.join(map(str, YEARS))}")
    session = requests.Session()
    session.get(url, params={"page": 1, "per_page": 5000}).raise_for_status()
    start = time.perf_counter()
    for i in range(n):
        session.get(url, params={"page": 1 + i % 3, "per_page": 5000}).raise_for_status()
    return (time.perf_counter() - start) / n


@dataclass
class Case:
    latency: float
    items: int = 0
    rows: int = 0
    identical: bool = True
    runs: dict[str, list[float]] = field(default_factory=lambda: {"ours": [], "koladapy": []})
    requests: dict[str, int] = field(default_factory=dict)


def run_case(server: Standin, kpis: list[str], case: Case, repeats: int, options) -> None:
    server.set_latency(case.latency)
    for _ in range(repeats):
        ours, t_ours, case.requests["ours"] = run_ours(server, kpis, options)
        theirs, t_theirs, case.requests["koladapy"], case.items = run_koladapy(server, kpis)
        case.runs["ours"].append(t_ours)
        case.runs["koladapy"].append(t_theirs)
        case.identical &= ours.equals(theirs)
        if not ours.equals(theirs):
            pd.testing.assert_frame_equal(ours, theirs)  # show where they differ
    case.rows = len(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BUNDLED_SNAPSHOT)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--latencies", default="0.2,1", help="seconds per request, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kpis", type=int, default=30)
    parser.add_argument("--rate-limit", type=float, help="ours (default: the client's, 5/s)")
    parser.add_argument("--concurrency", type=int, help="ours (default: the client's, 5)")
    args = parser.parse_args()
    os.environ["TQDM_DISABLE"] = "1"  # koladapy's progress bars
    options = {
        name: value
        for name, value in (("rate_limit", args.rate_limit), ("concurrency", args.concurrency))
        if value is not None
    }
    defaults = inspect.signature(KoladaClient).parameters
    rate = options.get("rate_limit", defaults["rate_limit"].default)
    concurrency = options.get("concurrency", defaults["concurrency"].default)

    store = load_store(args.data)
    kpis = pick_kpis(store, load_config(args.config), args.kpis)
    cases = [Case(float(x)) for x in args.latencies.split(",")]
    with standin_process(args.data) as server:
        overhead = standin_page_overhead(server, kpis)
        for case in cases:
            run_case(server, kpis, case, args.repeats, options)
    chunks = math.ceil(len(kpis) / MAX_IDS_PER_SEGMENT) * math.ceil(
        len(YEARS) / MAX_IDS_PER_SEGMENT
    )
    floor = request_floor(cases[0].items, chunks)

    print(
        f"query: {len(kpis)} KPIs x all municipalities x {len(YEARS)} years ({YEARS[0]}-"
        f"{YEARS[-1]}), {cases[0].items} items, {cases[0].rows} rows; {args.repeats} runs each"
    )
    print(f"stand-in overhead per 5000-item page (no latency): {overhead * 1000:.1f} ms")
    print(f"request floor: {floor}  (ceil({cases[0].items}/5000), at least {chunks} id chunks)")
    print()
    names = {
        "ours": f"kvalitetsvisaren ({rate:g}/s, c={concurrency})",
        "koladapy": "koladapy 1.0.1 (5/s, c=1)",
    }
    header = f"{'latency':>8}  {'client':<32}{'requests':>9}{'/floor':>8}{'median s':>10}"
    print(f"{header}{'speed-up':>10}  {'identical rows':<15}{'runs (s)'}")
    for case in cases:
        speedup = statistics.median(case.runs["koladapy"]) / statistics.median(case.runs["ours"])
        for key, name in names.items():
            runs = case.runs[key]
            req = case.requests[key]
            print(
                f"{case.latency:>7g}s  {name:<32}{req:>9}{req / floor:>8.2f}"
                f"{statistics.median(runs):>10.2f}"
                f"{(f'{speedup:.2f}x' if key == 'ours' else ''):>10}  "
                f"{('yes' if case.identical else 'NO') if key == 'ours' else '':<15}"
                f"{' '.join(f'{t:.2f}' for t in runs)}"
            )
    print()
    print("goals: our requests / floor <= 1.25; >= 3x faster than koladapy at 1 s; identical rows")


if __name__ == "__main__":
    main()
