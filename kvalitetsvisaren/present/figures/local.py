"""The municipality's own measures and units: own trends, own units, a KPI's units."""

from __future__ import annotations

import pandas as pd

from ...labels import QUARTILES, esc, is_missing, number
from ...rows import records
from .base import (
    FOCUS,
    GRID,
    LABEL_ROOM,
    LOCAL,
    RIKET,
    Figure,
    _figure,
    _quartile_marker,
    _trace,
    _units,
)
from .national import (
    _target_trace,
)


def own_trend_figure(series: pd.DataFrame, *, unit: str, title: str) -> Figure:
    """An own measure over the years: one line per place (column `name`: the municipality
    and/or units), plus the target line. No quartile colours: there is no national
    comparison for a local measure."""
    traces = []
    for i, (name, part) in enumerate(series.groupby("name", sort=False)):
        traces.append(
            _trace(
                "scatter",
                x=part["year"],
                y=part["value"],
                name=esc(str(name)),
                mode="lines+markers",
                line={"color": FOCUS if i == 0 else LOCAL, "width": 2.5 if i == 0 else 1.5},
                marker={"symbol": "diamond", "size": 9},
                hovertemplate="%{x}: %{y}<extra></extra>",
            )
        )
    targets = series.dropna(subset=["target"]).drop_duplicates("year")
    traces += _target_trace(targets)
    return _figure(
        traces,
        title,
        340,
        xaxis={"dtick": 1, "tickformat": "d"},
        yaxis={"title": {"text": unit}, **GRID},
    )


def own_units_figure(
    rows: pd.DataFrame, *, unit: str, title: str, focus: str | None, municipality: float, name: str
) -> Figure:
    """The municipality's units on an own measure as bars, the chosen unit darker and
    marked; the municipality's own value as a line."""
    d = rows.sort_values("value")
    is_focus = d["ou_id"] == focus
    bars = _trace(
        "bar",
        x=d["value"],
        y=[esc(t) + (" ◀" if f else "") for t, f in zip(d["title"], is_focus, strict=True)],
        orientation="h",
        showlegend=False,
        marker={"color": [FOCUS if f else LOCAL for f in is_focus]},
        text=[number(v, unit) for v in d["value"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x}<extra></extra>",
    )
    marks = []
    if not is_missing(municipality):
        note = {
            "y": 1.02,
            "text": esc(f"{name} {number(municipality, unit)}"),
            "font": {"size": 11},
        }
        marks.append((municipality, {"color": RIKET, "dash": "dot"}, note))
    return _figure(
        [bars],
        title,
        120 + 30 * max(len(d), 1),
        marks,
        xaxis={"title": {"text": unit}, **GRID},
        margin=LABEL_ROOM,
    )


def units_figure(
    shown: pd.DataFrame, *, unit: str, title: str, municipality: float, riket: float, name: str
) -> Figure:
    """Some of the municipality's units for one KPI as bars, best on top (colour and pattern:
    each unit among all units of its type nationally; chosen units starred and outlined), a
    gap row where units are left out (`skipped`), the municipality's and Riket's values as
    lines. Rows are placed by position, so two units of the same name stay two bars."""
    labels, values, colours, chosen = [], [], [], []
    for row in records(shown):
        if row.skipped:
            labels.append(f"… {number(float(row.skipped))} {_units(row.skipped)} till …")
            values.append(None)
            colours.append("grey")
            chosen.append(False)
        labels.append(("★ " if row.chosen else "") + esc(row.title))
        values.append(row.value)
        colours.append(row.colour)
        chosen.append(row.chosen)
    bars = _trace(
        "bar",
        x=values,
        y=list(range(len(labels))),
        orientation="h",
        showlegend=False,
        marker={
            **_quartile_marker(pd.Series(colours)),
            "line": {"color": FOCUS, "width": [3 if c else 0 for c in chosen]},
        },
        text=[
            "" if v is None else f"{QUARTILES.get(c, QUARTILES['grey'])[0]} {number(v, unit)}"
            for c, v in zip(colours, values, strict=True)
        ],
        textposition="outside",
        cliponaxis=False,
        customdata=labels,
        hovertemplate="%{customdata}: %{x}<extra></extra>",
    )
    marks = [
        (
            x,
            {"color": RIKET, "dash": dash},
            {"y": 1.02, "text": esc(f"{text} {number(x, unit)}"), "font": {"size": 11}},
        )
        for x, text, dash in ((municipality, name, "dot"), (riket, "Riket", "dash"))
        if not is_missing(x)
    ]
    return _figure(
        [bars],
        title,
        120 + 30 * max(len(labels), 1),
        marks,
        xaxis={"title": {"text": unit}, **GRID},
        margin=LABEL_ROOM,
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(len(labels))),
            "ticktext": labels,
            "autorange": "reversed",  # the first row (the best) on top
        },
    )
