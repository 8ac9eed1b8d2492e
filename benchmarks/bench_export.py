"""Export benchmark: time per publication PNG with a warm kaleido server, and the whole batch
of one municipality (every chart of every area as PNG, plus CSV, Excel, alt texts, one-pagers).

    python benchmarks/bench_export.py [--kommun 0883] [--images 20] [--formats png]

Goal: < 1 s per image warm.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import load_store
from kvalitetsvisaren.export import batch as export_batch
from kvalitetsvisaren.export import render as export
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG
from kvalitetsvisaren.present import charts
from kvalitetsvisaren.service.facade import IndicatorService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommun", default="0883")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--formats", default="png")
    args = parser.parse_args()

    svc = IndicatorService(load_store(BUNDLED_SNAPSHOT), load_config(DEFAULT_CONFIG))
    year = svc.years()[0]
    every = list(charts.all_charts(svc, args.kommun, year, [a.id for a in svc.config.areas]))

    start = time.perf_counter()
    export.image(every[0], "png")  # starts Chromium
    cold = time.perf_counter() - start
    warm = []
    for chart in every[1 : 1 + args.images]:
        start = time.perf_counter()
        export.image(chart, "png")
        warm.append(time.perf_counter() - start)

    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = export_batch.export_all(
            svc, args.kommun, year, None, formats, Path(tmp) / "out", progress=False
        )
        batch = time.perf_counter() - start
    images = result.charts * len(formats) + len(svc.config.areas)  # + one one-pager per area

    print(f"municipality {args.kommun}, year {year}: {result.charts} charts")
    print(f"{'first image (starts Chromium)':<44}{cold:8.2f} s")
    print(
        f"{'PNG 1200x675, warm, median of ' + str(len(warm)):<44}{statistics.median(warm):8.2f} s"
        f"   (goal < 1 s: {statistics.median(warm):.2f} of it)"
    )
    print(
        f"{'whole batch (' + ','.join(formats) + ' + data + one-pagers)':<44}{batch:8.2f} s"
        f"   {result.files} files, {batch / images:.2f} s per image incl. data files"
    )


if __name__ == "__main__":
    main()
