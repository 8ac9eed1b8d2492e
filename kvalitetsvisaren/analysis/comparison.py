"""Pure pandas: statistics of a KPI-year across municipalities, and comparison groups.

The quartile cuts are exact thresholds of the ranking rule: with k = floor(n/4), a value at
least as good as the k-th best is green (4·rank <= n), one at most as good as the k-th worst
is red; a value that is both is yellow.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

RIKET = "0000"
_LIKNANDE = re.compile(r"^Liknande kommuner,? (?P<area>.+?), (?P<name>[^,]+), (?P<year>\d{4})$")
_COUNTY = re.compile(r"^(?P<label>.+ läns kommuner)( \(ovägt medel\))?$")


def kpi_year_stats(ranked: pd.DataFrame, directions: dict[str, bool | None]) -> pd.DataFrame:
    """Per (kpi, year) over the municipalities with a value: n, mean (unweighted), min, max,
    green_cut and red_cut (NaN when n < 4 or for context KPIs)."""
    has = ranked[ranked["value"].notna()][["kpi", "year", "value"]]
    stats = has.groupby(["kpi", "year"], observed=True)["value"].agg(["size", "mean", "min", "max"])
    stats = stats.rename(columns={"size": "n"})
    sign = has["kpi"].map(
        {k: {True: 1.0, False: -1.0}.get(d, np.nan) for k, d in directions.items()}
    )
    keyed = has.assign(key=has["value"] * sign).dropna(subset=["key"])
    keyed = keyed.join(stats["n"], on=["kpi", "year"])
    keyed["k"] = keyed["n"] // 4
    for cut, best_first in (("green_cut", False), ("red_cut", True)):
        ordered = keyed.sort_values(["kpi", "year", "key"], ascending=[True, True, best_first])
        position = ordered.groupby(["kpi", "year"], observed=True).cumcount() + 1
        at_cut = ordered[(position == ordered["k"]) & (ordered["k"] > 0)]
        stats[cut] = at_cut.set_index(["kpi", "year"])["value"]
    return stats.reset_index()


def riket_values(values: pd.DataFrame) -> pd.Series:
    """Kolada's national value (Riket, 0000; a weighted value) per (kpi, year), gender T."""
    t = values[(values["municipality_id"] == RIKET) & (values["gender"] == "T")]
    return t.set_index(["kpi", "year"])["value"]


def peer_groups(groups: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Kolada's "Liknande kommuner <område>, <kommun>, <år>" groups, one row each: group_id,
    title, area, municipality_id, group_year, members (the 7 peers; the municipality itself is
    never a member in Kolada)."""
    parsed = groups["title"].str.extract(_LIKNANDE)
    ok = parsed["area"].notna()
    names = municipalities[municipalities["type"] == "K"].set_index("title")["id"]
    out = pd.DataFrame(
        {
            "group_id": groups.loc[ok, "id"],
            "title": groups.loc[ok, "title"],
            "area": parsed.loc[ok, "area"],
            "municipality_id": parsed.loc[ok, "name"].map(names),
            "group_year": parsed.loc[ok, "year"].astype(int),
            "members": groups.loc[ok, "members"],
        }
    )
    return out.dropna(subset=["municipality_id"]).reset_index(drop=True)


def liknande_group(
    peers: pd.DataFrame, municipality: str, area: str, year: int
) -> tuple[str, list[str]] | None:
    """The municipality's "Liknande kommuner <area>" group for `year`: the newest drawn in or
    before the year, else the oldest after it. Returns (title, members incl. the municipality)."""
    mine = peers[(peers["municipality_id"] == municipality) & (peers["area"] == area)]
    if mine.empty:
        return None
    earlier = mine[mine["group_year"] <= year]
    row = (
        earlier.loc[earlier["group_year"].idxmax()]
        if not earlier.empty
        else mine.loc[mine["group_year"].idxmin()]
    )
    return row["title"], [municipality, *[m for m in row["members"] if m != municipality]]


def county_group(
    groups: pd.DataFrame, municipalities: pd.DataFrame, municipality: str
) -> tuple[str, list[str]] | None:
    """The kommuner of the municipality's county: Kolada's "<län> läns kommuner" group, else
    those sharing the county code (the first two digits of the id)."""
    parsed = groups["title"].str.extract(_COUNTY)
    county = groups[parsed["label"].notna() & groups["members"].map(lambda m: municipality in m)]
    if not county.empty:
        label = parsed.loc[county.index[0], "label"]
        return label, list(county.iloc[0]["members"])
    kommuner = municipalities[municipalities["type"] == "K"]["id"]
    same = kommuner[kommuner.str[:2] == municipality[:2]].tolist()
    return (f"Kommunerna i länet ({municipality[:2]})", same) if municipality in same else None


def place_in_group(values: pd.Series, higher_is_better: bool | None) -> pd.Series:
    """Place of each member among those with a value (1 = best; ties share the better place);
    NaN without a value or for a context KPI."""
    if higher_is_better is None:
        return pd.Series(np.nan, index=values.index)
    return values.rank(method="min", ascending=not higher_is_better)
