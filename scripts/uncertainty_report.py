"""Real-data report for issue 16: do "sure" quartile colours mean something?

    python scripts/uncertainty_report.py [--dump DIR]   (default: DUMP below, in ../shared)

For U21468 (hemtjänst, helhetssyn) and U23471 (särskilt boende, helhetssyn), per survey year
with respondent counts (U23592 and U23594: 2019, 2020 and 2022 in the dump; there is no 2021
survey value), it prints as Markdown: how many green and red colours are "sure" by size class
of the municipality (respondents n), how often a sure colour kept its side of the cut the next
survey year compared with an unsure one, how many intervals exclude Riket's value and how many
year-to-year changes are sure. The colours are those of the app (ranking.national_quartiles
over the 290 kommuner of data/snapshot/municipalities.parquet); the intervals those of
kvalitetsvisaren.uncertainty (Wilson 95 % from n).

Needs the open-numbers Kolada dump (datapoints_total/ddf--datapoints--<kpi>--by--geo--year.csv).
It lives in ../shared, which is not part of a clone: the script runs offline wherever that data
is present and stops with a message otherwise. No test needs it. docs/uncertainty.md holds its
output.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from kvalitetsvisaren.analysis import uncertainty
from kvalitetsvisaren.analysis.ranking import national_quartiles
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, ROOT

DUMP = ROOT.parent / "shared" / "kolada-real" / "open-numbers_ddf--kolada--dump"
SURVEYS = {  # result KPI -> (its respondent count KPI, label)
    "U21468": ("U23592", "hemtjänst, helhetssyn"),
    "U23471": ("U23594", "särskilt boende, helhetssyn"),
}
SIZE_CLASSES = [(0, 50, "< 50"), (50, 150, "50–149"), (150, 500, "150–499"), (500, np.inf, "≥ 500")]
NO_COUNT = "n saknas (< 30)"
RIKET = "0000"
CHANGE_COLUMNS = ["förändring sedan", "säker upp", "säker ned", "oförändrat inom felmarginalen"]


def read_kpi(dump: Path, kpi: str) -> pd.DataFrame:
    """municipality_id, year, value of one KPI (all geos, Riket included)."""
    path = dump / "datapoints_total" / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv"
    frame = pd.read_csv(path, dtype={"geo": str})
    return frame.rename(columns={"geo": "municipality_id", kpi.lower(): "value"}).dropna()


def annotated(dump: Path, kpi: str, municipalities: pd.DataFrame) -> pd.DataFrame:
    """The app's colours of `kpi` in the survey years with counts, with n, size class, lo, hi,
    place range and certainty."""
    count_kpi, _ = SURVEYS[kpi]
    values = read_kpi(dump, kpi)
    counts = read_kpi(dump, count_kpi)
    years = sorted(set(counts["year"]) & set(values["year"]))
    values = values[values["year"].isin(years)].assign(kpi=kpi)
    ranked = national_quartiles(values, municipalities, {kpi: True})
    ranked["municipality_id"] = ranked["municipality_id"].astype(str)
    n = counts.set_index(["municipality_id", "year"])["value"].rename("respondents")
    ranked = ranked.join(n, on=["municipality_id", "year"])
    interval = uncertainty.value_interval(ranked["value"], ranked["respondents"])
    ranked["lo"], ranked["hi"] = interval.lo, interval.hi
    ranked = uncertainty.annotate_kpis(ranked, {kpi: True})
    riket = values[values["municipality_id"] == RIKET].set_index("year")["value"]
    ranked["riket"] = ranked["year"].map(riket)
    ranked["differs"] = uncertainty.differs_from_reference(
        ranked["lo"], ranked["hi"], ranked["riket"]
    )
    ranked["size"] = size_class(ranked["respondents"])
    return ranked[ranked["value"].notna()]


def size_class(n: pd.Series) -> pd.Series:
    labels = pd.Series(NO_COUNT, index=n.index)
    for low, high, label in SIZE_CLASSES:
        labels[(n >= low) & (n < high)] = label
    return labels


def sure_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per year and size class: municipalities, green (sure), red (sure), yellow (sure in
    the middle), as "sure/all"."""
    order = [label for *_, label in SIZE_CLASSES] + [NO_COUNT]
    out = []
    for (year, size), part in rows.groupby(["year", "size"]):
        line = {"år": year, "storlek (svarande)": size, "kommuner": len(part)}
        for colour, name in (("green", "grön"), ("red", "röd"), ("yellow", "gul")):
            coloured = part[part["colour"] == colour]
            sure = (coloured["certainty"] == "sure").sum()
            line[f"{name}: säker/alla"] = f"{sure}/{len(coloured)}"
        out.append(line)
    table = pd.DataFrame(out)
    table["_order"] = table["storlek (svarande)"].map({s: i for i, s in enumerate(order)})
    return table.sort_values(["år", "_order"]).drop(columns="_order")


def persistence_table(rows: pd.DataFrame) -> pd.DataFrame:
    """For each pair of consecutive survey years: of the green and the red colours, sure and
    unsure, how many had the same colour the next survey year (those with a colour then)."""
    years = sorted(rows["year"].unique())
    by_year = rows.set_index(["municipality_id", "year"])["colour"].astype(str)
    out = []
    for first, then in itertools.pairwise(years):
        now = rows[rows["year"] == first]
        later = by_year.reindex(
            pd.MultiIndex.from_arrays([now["municipality_id"], [then] * len(now)])
        )
        later = later.to_numpy()
        for colour, name in (("green", "grön"), ("red", "röd")):
            for certainty, word in (("sure", "säker"), ("unsure", "osäker")):
                chosen = ((now["colour"] == colour) & (now["certainty"] == certainty)).to_numpy()
                followed = chosen & pd.Series(later).isin(["green", "yellow", "red"]).to_numpy()
                kept = followed & (later == colour)
                share = f"{kept.sum() / followed.sum():.0%}" if followed.sum() else "–"
                out.append(
                    {
                        "år → nästa": f"{first} → {then}",
                        "färg": f"{name}, {word}",
                        "kvar på sin sida": f"{kept.sum()}/{followed.sum()}",
                        "andel": share,
                    }
                )
    table = pd.DataFrame(out)
    return pd.concat([table, _all_years(table)], ignore_index=True)


def _all_years(table: pd.DataFrame) -> pd.DataFrame:
    """One line per colour and certainty summed over the year pairs."""
    counts = table["kvar på sin sida"].str.split("/", expand=True).astype(int)
    summed = counts.groupby(table["färg"], sort=False).sum()
    return pd.DataFrame(
        {
            "år → nästa": "alla år",
            "färg": summed.index,
            "kvar på sin sida": [f"{k}/{f}" for k, f in summed.itertuples(index=False)],
            "andel": [f"{k / f:.0%}" if f else "–" for k, f in summed.itertuples(index=False)],
        }
    )


def riket_and_change_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per year: intervals known, of them excluding Riket's value; changes from the previous
    survey year that are sure (up / down) and unchanged within the margin of error."""
    years = sorted(rows["year"].unique())
    wide = rows.pivot(index="municipality_id", columns="year", values=["value", "respondents"])
    out = []
    for i, year in enumerate(years):
        part = rows[rows["year"] == year]
        known = part["differs"].notna()
        line = {
            "år": year,
            "riket": f"{part['riket'].iloc[0]:g}",
            "med intervall": int(known.sum()),
            "skild från riket": int(part["differs"].fillna(False).sum()),
        }
        line |= dict.fromkeys(CHANGE_COLUMNS, "–")
        if i:
            before = years[i - 1]
            state = uncertainty.change_certainty(
                wide[("value", before)],
                wide[("respondents", before)],
                wide[("value", year)],
                wide[("respondents", year)],
            )
            up = wide[("value", year)].to_numpy() > wide[("value", before)].to_numpy()
            line["förändring sedan"] = before
            line["säker upp"] = int(((state == "sure") & up).sum())
            line["säker ned"] = int(((state == "sure") & ~up).sum())
            line["oförändrat inom felmarginalen"] = int((state == "unsure").sum())
        out.append(line)
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> str:
    cells = table.astype(object).where(table.notna(), "")
    header = "| " + " | ".join(map(str, cells.columns)) + " |"
    rule = "|" + "|".join("---" for _ in cells.columns) + "|"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, default=DUMP, help="the open-numbers Kolada dump")
    args = parser.parse_args(argv)
    if not (args.dump / "datapoints_total").is_dir():
        print(f"Kolada dump not found at {args.dump}; see the docstring.", file=sys.stderr)
        return 2
    municipalities = pd.read_parquet(BUNDLED_SNAPSHOT / "municipalities.parquet")
    for kpi, (count_kpi, label) in SURVEYS.items():
        rows = annotated(args.dump, kpi, municipalities)
        print(f"## {kpi} ({label}; n = {count_kpi})\n")
        print("Säkra färger per storlek:\n")
        print(markdown(sure_table(rows)) + "\n")
        print("Höll färgen nästa undersökningsår?\n")
        print(markdown(persistence_table(rows)) + "\n")
        print("Skild från riket och förändring från förra undersökningsåret:\n")
        print(markdown(riket_and_change_table(rows)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
