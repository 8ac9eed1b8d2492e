"""The plumbing of every figure: colours, symbols, the compact template, a figure as plain
data, its JSON for the browser, the quartile markers and labels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec

from ...labels import QUARTILES, esc, is_missing, number

COLOURS = {
    "green": "#1b7a3e",
    "yellow": "#c99a06",
    "red": "#c0392b",
    "grey": "#9e9e9e",
    "neutral": "#4a6fa5",
}
SYMBOLS = {
    "green": "triangle-up",
    "yellow": "square",
    "red": "triangle-down",
    "grey": "circle-open",
    "neutral": "diamond",
}
FOCUS = "#111111"
RIKET = "#37474f"
TARGET = "#6a1b9a"  # the municipality's own target: a colour no quartile uses, and dotted
LOCAL = "#5c6f7e"  # own measures: one neutral colour, they have no national quartile
FONT = {"family": "Arial, Liberation Sans, DejaVu Sans, sans-serif", "size": 13}


GRID = {"showgrid": True, "gridcolor": "#e6e6e6"}
_PLOTLY = pio.templates["plotly"]
# What bar and scatter charts use of plotly's default template (all our figures are made of
# them; the rest is for polar, 3D, map and colour-scale charts): the whole one is 9 KB of JSON
# in every figure, deep-copied into each, and a page sends up to one chart per KPI.
_PLOTLY_JSON = _PLOTLY.to_plotly_json()
CHART_TEMPLATE = {
    "layout": {
        name: value
        for name, value in _PLOTLY_JSON["layout"].items()
        if name not in ("polar", "ternary", "coloraxis", "colorscale", "scene", "geo")
    },
    "data": {"bar": _PLOTLY_JSON["data"]["bar"], "scatter": _PLOTLY_JSON["data"]["scatter"]},
}


Figure = dict  # a plotly figure as plain data: {"data": [trace, ...], "layout": {...}}


def _trace(kind: str, **props: Any) -> dict:
    """A trace as plain data; columns may stay Series (for_browser and plotly both take them)."""
    return {"type": kind, **props}


# horizontal bars with their values outside: room at the right for the longest bar's label
LABEL_ROOM = {"l": 10, "r": 90, "t": 50, "b": 40}


def _figure(
    traces: list, title: str, height: int, lines: list | None = None, **layout: object
) -> Figure:
    """The figure as plain data: plotly's objects validate every property on construction
    (most of a chart callback's time), and only an export needs them (`plotly_figure`, which
    validates; the tests check every chart kind that way). `lines`: (x, line style,
    annotation) vertical reference lines."""
    shapes, notes = [], []
    for x, line, note in lines or []:
        shapes.append(
            {"type": "line", "xref": "x", "yref": "y domain", "x0": x, "x1": x, "y0": 0, "y1": 1}
            | {"line": line}
        )
        notes.append({"x": x, "yref": "paper", "showarrow": False, "xanchor": "left", **note})
    return {
        "data": traces,
        "layout": {
            "template": CHART_TEMPLATE,
            "title": {"text": esc(title), "x": 0, "xanchor": "left", "font": {"size": 15}},
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 40},
            "font": FONT,
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "legend": {"orientation": "h", "y": -0.2, "x": 0},
            "separators": ", ",  # Swedish: decimal comma, space between thousands
            **({"shapes": shapes, "annotations": notes} if lines else {}),
            **layout,
        },
    }


def plotly_figure(fig: Figure) -> go.Figure:
    """The figure as plotly's object (validated: an unknown property raises), for kaleido."""
    return go.Figure(fig)


def annotate(fig: Figure, **note: object) -> None:
    fig["layout"].setdefault("annotations", []).append(note)


def draw(fig: Figure, **shape: object) -> None:
    fig["layout"].setdefault("shapes", []).append(shape)


def for_browser(fig: Figure) -> dict:
    """The figure as the JSON-ready dict Dash sends to the browser: what plotly's own
    `to_plotly_json` gives, numbers packed as its typed arrays, NaN as null (the tests
    compare the two). The template is the same for every chart: converted once."""
    layout = {k: _plain(v) for k, v in fig["layout"].items() if k != "template"}
    if "template" in fig["layout"]:
        layout["template"] = _TEMPLATE_JSON
    return {"data": [_plain(trace) for trace in fig["data"]], "layout": layout}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iuf" and value.size:
            spec = to_typed_array_spec(value)  # not for integers beyond 32 bits
            if isinstance(spec, dict):
                return spec
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, pd.Series | pd.Index):
        return _plain(value.to_numpy())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None  # as plotly's encoder writes NaN and infinities
    return None if value is pd.NaT or is_missing(value) else value


_TEMPLATE_JSON = _plain(CHART_TEMPLATE)


def _units(n: int) -> str:
    return "enhet" if n == 1 else "enheter"


def _quartile_marker(colours: pd.Series) -> dict:
    """Bar fill by quartile: its colour and its pattern (so print and colour-blind readers
    tell them apart too)."""
    return {
        "color": [COLOURS.get(c, COLOURS["grey"]) for c in colours],
        "pattern": {"shape": [_pattern(c) for c in colours]},
    }


def _quartile_labels(rows: pd.DataFrame, unit: str) -> list[str]:
    """The bar labels: the quartile's icon and the value ("▲ 93 %")."""
    return [
        f"{QUARTILES.get(c, QUARTILES['grey'])[0]} {number(v, unit)}"
        for c, v in zip(rows["colour"], rows["value"], strict=True)
    ]


def _pattern(colour: str) -> str:
    """A fill pattern per quartile, so the bars differ in print and for colour-blind readers."""
    return {"green": "", "yellow": ".", "red": "x", "grey": "-", "neutral": "/"}.get(colour, "")
