"""Memory and start-up benchmark, today's code beside a baseline's, in one run.

    python benchmarks/bench_memory.py [--baseline d7ba1d7] [--repeats 10]

For each code tree (the baseline commit in a temporary worktree, and this checkout) in turn:
1. in a process of the tree's own: seconds of the imports, of start-up after them (store load +
   create_app; goal <= 1.5 s) and the overview content callback called directly (median;
   goal <= 50 ms), as bench_pages measures them;
2. `python app.py`: resident memory after every level of every area for the four largest
   municipalities (bench_pages.views) was shown once (goal <= 300 MB);
3. `serve --prod --workers 2` (gunicorn, the data loaded once before the fork): the master's
   and each worker's resident memory after two readers at once showed every level (goal
   <= 250 MB per worker), and each worker's private memory (what it does not share with the
   master: the pages copy-on-write had to copy, and its own caches).
"""

from __future__ import annotations

import argparse
import statistics
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bench_pages import startup_timing, target, views
from trees import (
    DEFAULT_BASELINE,
    checkout,
    idle_settle,
    private_mb,
    rss_mb,
    serve,
    worker_rss_mb,
)

from kvalitetsvisaren.paths import ROOT
from kvalitetsvisaren.testing.dash_session import DashSession

READERS = 2  # one per worker, if the kernel hands each its own connection


@dataclass
class Result:
    imports: float = 0.0
    startup: float = 0.0
    overview: list[float] = field(default_factory=list)
    dev_rss: float = 0.0
    master_rss: float = 0.0
    workers_rss: list[float] = field(default_factory=list)
    workers_private: list[float] = field(default_factory=list)


def measure(tree: Path, repeats: int) -> Result:
    result = Result()
    timing = startup_timing(tree, repeats)
    result.imports, result.startup = timing["imports"], timing["startup"]
    result.overview = timing["overview"][1:]  # the first call builds caches
    with serve(tree) as (origin, proc):
        visit_every_level(origin, readers=1)
        idle_settle()
        result.dev_rss = rss_mb(proc.pid)
    with serve(tree, "--prod", "--workers", "2") as (origin, proc):
        visit_every_level(origin, readers=READERS)
        idle_settle()
        result.master_rss = rss_mb(proc.pid, children=False)
        result.workers_rss = sorted(worker_rss_mb(proc.pid), reverse=True)
        result.workers_private = sorted(private_mb(proc.pid), reverse=True)
    return result


def visit_every_level(origin: str, readers: int) -> None:
    """Every view of bench_pages, by `readers` readers at once (each over its own connection)."""

    def read() -> None:
        with DashSession(origin, timeout=300) as session:
            for view in views():
                session.view(target(*view))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def report(base: Result, now: Result, baseline: str) -> None:
    print(f"{'':<56}{'baseline ' + baseline:>18}{'now':>14}")

    def row(name: str, a: str, b: str) -> None:
        print(f"{name:<56}{a:>18}{b:>14}")

    def mbs(values: list[float]) -> str:
        return " ".join(f"{v:.0f}" for v in values) + " MB"

    row("imports (s)", f"{base.imports:.2f}", f"{now.imports:.2f}")
    row("start-up after imports, goal <= 1.5 s", f"{base.startup:.2f}", f"{now.startup:.2f}")
    row(
        "overview callback direct, median, goal <= 50 ms",
        f"{statistics.median(base.overview) * 1000:.0f} ms",
        f"{statistics.median(now.overview) * 1000:.0f} ms",
    )
    row(
        "python app.py RSS after every level, goal <= 300 MB",
        mbs([base.dev_rss]),
        mbs([now.dev_rss]),
    )
    row("gunicorn master RSS", mbs([base.master_rss]), mbs([now.master_rss]))
    row("gunicorn workers RSS, goal <= 250 MB each", mbs(base.workers_rss), mbs(now.workers_rss))
    row(
        "gunicorn workers private (not shared)", mbs(base.workers_private), mbs(now.workers_private)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit to compare")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    with checkout(args.baseline) as tree:
        base = measure(tree, args.repeats)
    now = measure(ROOT, args.repeats)
    report(base, now, args.baseline)


if __name__ == "__main__":
    main()
