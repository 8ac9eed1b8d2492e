"""The charts of the municipality's own measures (no national quartile)."""

from __future__ import annotations

import pandas as pd

from ...labels import number
from ...service.facade import IndicatorService
from .. import figures
from .chart import (
    Chart,
    _names,
    _unit_col,
    slugify,
)

# --- own measures (lokala uppgifter) ------------------------------------------------------


def own_trend(
    svc: IndicatorService, measure_id: str, *, municipality: str, year: int, ou: str | None = None
) -> Chart | None:
    """The own measure over the years for the municipality, or for one unit beside the
    municipality as a whole; the targets as a dotted line."""
    name, slug, _ = _names(svc, municipality)
    info = svc.own_measure(measure_id)
    whole = svc.own_values(measure_id, municipality).assign(name=name)
    place, series = name, whole
    if ou is not None:
        place = svc.unit(ou)["title"]
        mine = svc.own_values(measure_id, municipality, ou).assign(name=place)
        both = [mine, whole.assign(target=float("nan"))]
        series = pd.concat([f for f in both if len(f)] or [mine], ignore_index=True)
    if series[series["name"] == place].empty:
        return None
    title = f"{info['label']}, {place}"
    fig = figures.own_trend_figure(series, unit=info["unit"], title=title)
    data = series.pivot_table(index="year", columns="name", values="value", sort=False)
    data = data.rename(columns=lambda c: _unit_col(c, info["unit"])).rename_axis(None, axis=1)
    data = data.rename_axis("År").reset_index()
    goals = series.dropna(subset=["target"]).drop_duplicates("year").set_index("year")["target"]
    if len(goals):
        data[_unit_col("Mål", info["unit"])] = data["År"].map(goals)
    focus = series[series["name"] == place]
    first, last = focus.iloc[0], focus.iloc[-1]
    alt = (
        f"Linjediagram (lokal uppgift, jämförs inte med landet): {info['label']} för {place} "
        f"{int(first['year'])}–{int(last['year'])}, från {number(first['value'], info['unit'])} "
        f"till {number(last['value'], info['unit'])}."
    )
    stem = slugify(place) if ou else info["area"]
    return Chart(
        "lokal-utveckling",
        f"{slug}_{int(last['year'])}_{stem}_{slugify(measure_id)}_lokal",
        title,
        f"{place}, {name}" if ou else name,
        fig,
        data,
        alt,
        int(last["year"]),
        universe="lokal",
        params=(("matt", measure_id), *((("enhet", ou),) if ou else ())),
    )


def own_units(
    svc: IndicatorService, measure_id: str, *, municipality: str, year: int, ou: str | None = None
) -> Chart | None:
    """The municipality's units on the own measure in `year` (or its latest year before),
    compared with each other."""
    name, slug, _ = _names(svc, municipality)
    info = svc.own_measure(measure_id)
    every = svc.own_years(measure_id, municipality)  # newest first
    for at in [y for y in every if y <= year] + [y for y in every if y > year][::-1]:
        rows = svc.own_units(measure_id, municipality, at)
        if len(rows):
            break
    else:
        return None
    whole = svc.own_values(measure_id, municipality)
    own = whole.loc[whole["year"] == at, "value"]
    title = f"{info['label']}, enheterna i {name}"
    fig = figures.own_units_figure(
        rows,
        unit=info["unit"],
        title=title,
        focus=ou,
        municipality=float(own.iloc[0]) if len(own) else float("nan"),
        name=name,
    )
    data = pd.DataFrame(
        {
            "Enhet": rows["title"],
            _unit_col("Värde", info["unit"]): rows["value"],
            "Svarande": rows["respondents"],
            "Placering i kommunen": rows["place"],
        }
    )
    best, worst = rows.iloc[0], rows.iloc[-1]
    alt = (
        f"Stapeldiagram (lokal uppgift): {info['label']} {at} för {len(rows)} enheter i {name}, "
        f"bäst {best['title']} {number(best['value'], info['unit'])}, "
        f"lägst placerad {worst['title']} {number(worst['value'], info['unit'])}."
    )
    return Chart(
        "lokal-enheter",
        f"{slug}_{at}_{slugify(measure_id)}_lokal_enheter",
        title,
        f"{name} {at}",
        fig,
        data,
        alt,
        at,
        universe="lokal",
        params=(("matt", measure_id), *((("enhet", ou),) if ou else ())),
    )
