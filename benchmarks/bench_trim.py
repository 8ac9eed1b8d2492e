"""When the server gives its heap back: after every callback (as before) or once idle
(memory.IdleTrimmer), under concurrent callbacks built from scratch, in one run.

    python benchmarks/bench_trim.py [--rounds 2] [--threads 4]

Each round runs both variants, one after the other, each in a process of its own: the app on
the bundled snapshot (in-process, Flask's test client), `--threads` readers at once over the
KPI page (U21468) and the hemtjänst unit page of every municipality, each view new to the
process (the response cache never answers). Printed per variant: the wall time of all views
and the median and p95 of the callbacks (this machine is noisy: compare within a round).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import threading
import time


def run(mode: str, threads: int) -> str:
    import pandas as pd

    from kvalitetsvisaren import memory
    from kvalitetsvisaren.config.loader import load_config
    from kvalitetsvisaren.data.store import load_store
    from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG
    from kvalitetsvisaren.testing.dash_session import ClientSession
    from kvalitetsvisaren.web import factory

    if mode == "each":

        class AfterEach:  # the previous hook: a trim in every callback's teardown
            def enter(self) -> None: ...

            def leave(self) -> None:
                memory.trim()

        factory.TRIMMER = AfterEach()
    memory.limit_arenas()
    app = factory.create_app(load_store(BUNDLED_SNAPSHOT), load_config(DEFAULT_CONFIG))
    places = pd.read_parquet(BUNDLED_SNAPSHOT / "municipalities.parquet")
    kommuner = places.loc[places["type"] == "K", "id"].tolist()
    targets = [f"/nyckeltal/U21468?kommun={k}&ar=2022" for k in kommuner]
    targets += [f"/enheter/hemtjanst?kommun={k}&ar=2024" for k in kommuner]
    random.Random(1).shuffle(targets)
    seconds: list[float] = []
    lock = threading.Lock()

    def read(part: list[str]) -> None:
        session = ClientSession(app.server.test_client())
        for target in part:
            hits = [
                h.seconds for h in session.view(target, assets=False).hits if h.kind == "callback"
            ]
            with lock:
                seconds.extend(h.seconds for h in hits if h.kind == "callback")

    started = time.perf_counter()
    readers = [threading.Thread(target=read, args=(targets[i::threads],)) for i in range(threads)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    wall = time.perf_counter() - started
    seconds.sort()
    p95 = seconds[int(len(seconds) * 0.95)]
    median = statistics.median(seconds) * 1000
    return (
        f"{len(targets)} views {wall:6.1f} s  callbacks median {median:4.0f} ms"
        f"  p95 {p95 * 1000:4.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--run", choices=["each", "idle"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(run(args.run, args.threads))
        return
    for i in range(args.rounds):
        for mode, label in (("each", "trim after every callback"), ("idle", "trim once idle")):
            out = subprocess.run(
                [sys.executable, __file__, "--run", mode, "--threads", str(args.threads)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            print(f"round {i + 1}  {label:26s} {out}")


if __name__ == "__main__":
    main()
