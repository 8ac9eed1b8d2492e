"""Ranking benchmark: national quartiles for every KPI x year of the national dump.

    python benchmarks/bench_ranking.py [--shared ../shared/kolada-real] [--repeats 5]

Reads every open-numbers `datapoints_total` file (all kommuner, regions and Riket, gender T,
about 2.5 M rows incl. empty values), then times `national_quartiles` on all of it, side by side
with a plain pandas groupby-rank implementation of the same rule (which also cross-checks the
result). Goal: < 0.5 s, vectorised.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kvalitetsvisaren.analysis.ranking import national_quartiles
from kvalitetsvisaren.paths import ROOT

ON = "open-numbers_ddf--kolada--dump/datapoints_total"
MUNIC = "rKolada_LCHansson/v3_2026-03-23/munic.csv"


def load_dump(shared: Path) -> pd.DataFrame:
    parts = []
    for file in sorted((shared / ON).glob("ddf--datapoints--*--by--geo--year.csv")):
        frame = pd.read_csv(file, dtype={"geo": str})
        kpi = frame.columns[2]
        parts.append(
            pd.DataFrame(
                {
                    "kpi": kpi.upper(),
                    "municipality_id": frame["geo"],
                    "year": frame["year"],
                    "value": frame[kpi].astype(float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def groupby_rank(values: pd.DataFrame, kommuner: pd.Index, directions: dict) -> pd.DataFrame:
    """The same rule with pandas groupby ranks: the baseline and an independent check."""
    v = values[values["municipality_id"].isin(kommuner) & values["value"].notna()].copy()
    v["key"] = v["value"] * v["kpi"].map({k: 1 if d else -1 for k, d in directions.items()})
    by = v.groupby(["kpi", "year"])["key"]
    v["rank"] = by.rank(method="min", ascending=False)
    v["worse"] = by.rank(method="min", ascending=True) - 1
    v["n"] = by.transform("size")
    green = 4 * v["rank"] <= v["n"]
    red = 4 * (v["worse"] + 1) <= v["n"]
    v["colour"] = np.select(
        [v["n"] < 4, green & ~red, red & ~green], ["grey", "green", "red"], "yellow"
    )
    return v


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "kolada-real")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    values = load_dump(args.shared)
    municipalities = pd.read_csv(args.shared / MUNIC, dtype=str)
    kommuner = pd.Index(municipalities.loc[municipalities["type"] == "K", "id"])
    kpis = sorted(values["kpi"].unique())
    # Directions alternate so both code paths run; a few KPIs are context (no colour).
    directions = {
        k: [True, False, None][i % 3] if i % 50 == 0 else i % 2 == 0 for i, k in enumerate(kpis)
    }

    start = time.perf_counter()
    national_quartiles(values, municipalities, directions)  # cold: first allocations
    cold = time.perf_counter() - start
    ours, theirs = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = national_quartiles(values, municipalities, directions)
        ours.append(time.perf_counter() - start)
        directional = {k: d for k, d in directions.items() if d is not None}
        start = time.perf_counter()
        baseline = groupby_rank(values[values["kpi"].isin(directional)], kommuner, directional)
        theirs.append(time.perf_counter() - start)

    check = result.merge(
        baseline[["kpi", "municipality_id", "year", "rank", "colour"]],
        on=["kpi", "municipality_id", "year"],
        suffixes=("", "_baseline"),
    )
    agree = (check["colour"].astype(str) == check["colour_baseline"]).all() and (
        check["rank"] == check["rank_baseline"]
    ).all()
    groups = result[["kpi", "year"]].drop_duplicates()
    print(
        f"input: {len(values):,} rows ({values['value'].notna().sum():,} with a value), "
        f"{len(kpis)} KPIs, {len(groups):,} KPI-years"
    )
    print(f"output: {len(result):,} rows (KPI-years x {len(kommuner)} kommuner)")
    print()
    print(f"{'implementation':<34}{'median s':>10}  runs (s)")
    for name, times in [
        ("national_quartiles (vectorised)", ours),
        ("pandas groupby-rank baseline", theirs),
    ]:
        runs = " ".join(f"{t:.3f}" for t in times)
        print(f"{name:<34}{statistics.median(times):>10.3f}  {runs}")
    print(f"{'(first, cold run of ours)':<34}{cold:>10.3f}")
    print()
    print(
        f"baseline / ours: {statistics.median(theirs) / statistics.median(ours):.2f}x "
        f"(the baseline ranks only the rows with a value and builds no full grid)"
    )
    print(
        f"same ranks and colours as the baseline on {len(check):,} rows: {'yes' if agree else 'NO'}"
    )
    print(f"goal: < 0.5 s (warm median) -> {'met' if statistics.median(ours) < 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
