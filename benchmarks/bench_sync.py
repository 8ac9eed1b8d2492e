"""Sync benchmark: our KoladaClient vs koladapy 1.0.1 against the stand-in on loopback.

    python benchmarks/bench_sync.py [--data data/snapshot] [--latency 0.2] [--repeats 3]

The stand-in runs in its own process (so it never competes with the clients for the GIL) and
serves real data (the bundled snapshot by default) with `--latency` seconds added to every
request, about what a 5000-row Kolada page costs. Both clients fetch the same query:
30 configured KPIs x all municipalities x 10 years. Runs alternate between the clients (this
machine is noisy) and the medians are compared. Printed: requests made, the request floor
(ceil(items / 5000), and at least one request per id chunk the 25-id limit forces), wall
time, the ratios, and whether both clients returned identical rows.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import requests

from kvalitetsvisaren.config import load_config
from kvalitetsvisaren.kolada import KoladaClient
from kvalitetsvisaren.kolada.frames import VALUE_COLUMNS, typed_frame
from kvalitetsvisaren.kolada.queries import MAX_IDS_PER_SEGMENT, request_floor
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG
from kvalitetsvisaren.store import load_store

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


def run_ours(server: Standin, kpis: list[str]) -> tuple[pd.DataFrame, float, int]:
    server.clear_requests()
    start = time.perf_counter()
    with KoladaClient(server.base_url) as client:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BUNDLED_SNAPSHOT)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kpis", type=int, default=30)
    args = parser.parse_args()
    os.environ["TQDM_DISABLE"] = "1"  # koladapy's progress bars

    store = load_store(args.data)
    kpis = pick_kpis(store, load_config(args.config), args.kpis)
    with standin_process(args.data) as server:
        overhead = standin_page_overhead(server, kpis)
        server.set_latency(args.latency)
        ours_t, theirs_t = [], []
        for _ in range(args.repeats):
            ours, t_ours, req_ours = run_ours(server, kpis)
            theirs, t_theirs, req_theirs, items = run_koladapy(server, kpis)
            ours_t.append(t_ours)
            theirs_t.append(t_theirs)
    chunks = math.ceil(len(kpis) / MAX_IDS_PER_SEGMENT) * math.ceil(
        len(YEARS) / MAX_IDS_PER_SEGMENT
    )
    floor = request_floor(items, chunks)
    identical = ours.equals(theirs)
    if not identical:
        pd.testing.assert_frame_equal(ours, theirs)  # show where they differ

    print(
        f"query: {len(kpis)} KPIs x all municipalities x {len(YEARS)} years ({YEARS[0]}-"
        f"{YEARS[-1]}), {items} items, {len(ours)} rows; latency {args.latency:g} s/request"
    )
    print(f"stand-in overhead per 5000-item page (no latency): {overhead * 1000:.1f} ms")
    print(f"request floor: {floor}  (ceil({items}/5000), at least {chunks} id chunks)")
    print()
    print(f"{'client':<24}{'requests':>9}{'/floor':>8}{'median s':>10}{'runs (s)':>28}")
    for name, req, times in [
        ("kvalitetsvisaren (c=4)", req_ours, ours_t),
        ("koladapy 1.0.1", req_theirs, theirs_t),
    ]:
        runs = " ".join(f"{t:.2f}" for t in times)
        print(f"{name:<24}{req:>9}{req / floor:>8.2f}{statistics.median(times):>10.2f}{runs:>28}")
    speedup = statistics.median(theirs_t) / statistics.median(ours_t)
    print()
    print(f"identical rows: {'yes' if identical else 'NO'} ({len(ours)} rows)")
    print(f"speed-up vs koladapy (median): {speedup:.2f}x   (goal >= 3x)")
    print(f"our requests / floor: {req_ours / floor:.2f}   (goal <= 1.10)")


if __name__ == "__main__":
    main()
