"""Pure: view frames -> plotly figures. No Dash. Colour is never the only cue: every quartile
also has its own marker symbol and a legend word, and the charts have table alternatives."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec

from ..labels import QUARTILES, esc, is_missing, number, quartile_label
from ..rows import records

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
    """A trace as plain data. Columns become arrays, as plotly's validators make them."""
    return {"type": kind} | {k: _array(v) for k, v in props.items()}


def _array(value: Any) -> Any:
    return value.to_numpy() if isinstance(value, pd.Series | pd.Index) else value


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


def strip_figure(
    distribution: pd.DataFrame,
    focus: str,
    focus_name: str,
    *,
    unit: str,
    title: str,
    riket: float,
    mean: float,
    green_cut: float,
    red_cut: float,
) -> Figure:
    """Every municipality's value as a point (jittered for visibility), the chosen one marked
    and named, the quartile cuts, Riket and the unweighted mean as labelled lines."""
    d = distribution.sort_values("value", ignore_index=True)
    jitter = [((i * 0.618_034) % 1 - 0.5) * 0.8 for i in range(len(d))]
    d = d.assign(y=jitter)
    traces = []
    for colour in QUARTILES:
        part = d[d["colour"] == colour]
        if part.empty:
            continue
        traces.append(
            _trace(
                "scatter",
                x=part["value"],
                y=part["y"],
                mode="markers",
                name=QUARTILES[colour][1],
                marker={
                    "color": COLOURS[colour],
                    "symbol": SYMBOLS[colour],
                    "size": 8,
                    "line": {"width": 0.5, "color": "white"},
                },
                text=part["title"].map(esc),
                hovertemplate="%{text}: %{x}<extra></extra>",
            )
        )
    mine = d[d["municipality_id"] == focus]
    focus_name = esc(focus_name)
    if not mine.empty:
        traces.append(
            _trace(
                "scatter",
                x=mine["value"],
                y=mine["y"],
                mode="markers+text",
                name=focus_name,
                marker={
                    "color": COLOURS.get(mine["colour"].iloc[0], FOCUS),
                    "size": 16,
                    "symbol": SYMBOLS.get(mine["colour"].iloc[0], "circle"),
                    "line": {"width": 2.5, "color": FOCUS},
                },
                error_x=_error_bars(mine, "x"),
                text=[focus_name],
                textposition="top center",
                textfont={"size": 14, "color": FOCUS},
                hovertemplate=f"{focus_name}: %{{x}}<extra></extra>",
            )
        )
    lines = [
        (green_cut, f"Gräns bästa 25 % ({number(green_cut, unit)})", COLOURS["green"], "dash"),
        (red_cut, f"Gräns sämsta 25 % ({number(red_cut, unit)})", COLOURS["red"], "dash"),
        (riket, f"Riket {number(riket, unit)}", RIKET, "solid"),
        (mean, f"Ovägt medel {number(mean, unit)}", RIKET, "dot"),
    ]
    # Labels stacked inside the top of the plot, one row each, so they never overlap.
    marks = [
        (
            x,
            {"color": colour, "dash": dash, "width": 1.5},
            {
                "y": 1 - 0.075 * row,
                "text": text,
                "font": {"size": 11, "color": colour},
                "bgcolor": "rgba(255,255,255,0.85)",
            },
        )
        for row, (x, text, colour, dash) in enumerate(lines)
        if not is_missing(x)
    ]
    return _figure(
        traces,
        title,
        360,
        marks,
        yaxis={"visible": False, "range": [-0.6, 1.6]},
        xaxis={"title": {"text": unit}, "zeroline": False, **GRID},
    )


def group_figure(
    members: pd.DataFrame, *, unit: str, title: str, mean: float, higher_is_better: bool | None
) -> Figure:
    """The comparison group as bars, best first; the chosen municipality outlined and marked.
    The values (icon and number) stand in a column right of the plot, where the group's mean
    line never crosses them; the legend gives every colour with its icon and word."""
    ascending = higher_is_better is not False
    d = members.sort_values("value", ascending=ascending, na_position="first")
    names = [esc(f"{t} (vald)" if f else t) for t, f in zip(d["title"], d["is_focus"], strict=True)]
    bars = _trace(
        "bar",
        x=d["value"],
        y=names,
        orientation="h",
        marker={
            **_quartile_marker(d["colour"]),
            "line": {
                "color": [FOCUS if f else "white" for f in d["is_focus"]],
                "width": [3 if f else 0 for f in d["is_focus"]],
            },
        },
        hovertemplate="%{y}: %{x}<extra></extra>",
        showlegend=False,
    )
    values = [
        {
            "x": 1,
            "xref": "paper",
            "xanchor": "left",
            "xshift": 8,
            "y": name,
            "yref": "y",
            "text": text,
            "showarrow": False,
            "font": {"size": 12},
        }
        for name, text in zip(names, _quartile_labels(d, unit), strict=True)
    ]
    marks = [
        (
            mean,
            {"color": RIKET, "dash": "dot"},
            {"y": 1.02, "text": f"Gruppens medel {number(mean, unit)}", "font": {"size": 11}},
        )
    ]
    fig = _figure(
        [bars, *_quartile_legend(d["colour"])],
        title,
        120 + 34 * len(d),
        [] if is_missing(mean) else marks,
        xaxis={"title": {"text": unit}, **GRID},
        margin={"l": 10, "r": 90, "t": 50, "b": 40},  # the column of values
        showlegend=True,
    )
    fig["layout"].setdefault("annotations", []).extend(values)
    return fig


def _quartile_legend(colours: pd.Series) -> list[dict]:
    """Legend entries (empty bars: colour, pattern, icon and word) for every colour a quality
    KPI can have, or, for a context KPI, the colours it has."""
    if (colours == "neutral").any():  # a context KPI is not ranked: no quartiles
        shown = ["neutral", *(["grey"] if (colours == "grey").any() else [])]
    else:
        shown = ["green", "yellow", "red", "grey"]
    return [
        _trace(
            "bar",
            x=[None],
            y=[None],
            orientation="h",
            name=quartile_label(colour),
            marker={
                "color": COLOURS[colour],
                "pattern": {"shape": _pattern(colour)},
            },
            hoverinfo="skip",
            showlegend=True,
        )
        for colour in shown
    ]


def trend_figure(
    trend: pd.DataFrame,
    *,
    name: str,
    unit: str,
    title: str,
    municipality_name: str = "",
    gaps: dict[int, str] | None = None,
) -> Figure:
    """The values over the years (marked by quartile) against Riket, when Riket is known; with
    `municipality_name`, also the municipality's values (column `municipality`, for a unit's
    chart), when known. The legend says what each marker's colour and shape mean; `gaps`
    (year: why there is no value) are written into the chart where the line breaks."""
    references = [("riket", "Riket", "dash", "circle-open")]
    if municipality_name:
        references.insert(0, ("municipality", esc(municipality_name), "dot", "square-open"))
    traces = [
        _trace(
            "scatter",
            x=trend["year"],
            y=trend[column],
            name=label,
            mode="lines+markers",
            line={"color": RIKET, "dash": dash},
            marker={"symbol": symbol},
        )
        for column, label, dash, symbol in references
        if trend[column].notna().any()
    ]
    line = {"color": FOCUS, "width": 2.5}
    traces.append(
        _trace(
            "scatter",
            x=trend["year"],
            y=trend["value"],
            name=esc(name),
            mode="lines+markers",
            line=line,
            marker={
                "size": 11,
                "color": [COLOURS.get(c, COLOURS["grey"]) for c in trend["colour"]],
                "symbol": [SYMBOLS.get(c, "circle") for c in trend["colour"]],
                "line": {"width": 1, "color": FOCUS},
            },
            customdata=[quartile_label(c) for c in trend["colour"]],
            hovertemplate="%{x}: %{y} (%{customdata})<extra></extra>",
            error_y=_error_bars(trend, "y"),
            showlegend=False,  # its legend entries follow: the line, then each marker
        )
    )
    traces.append(_legend_entry(name=esc(name), mode="lines", line=line))
    shown = set(trend.loc[trend["value"].notna(), "colour"])
    traces += [
        _legend_entry(
            name=quartile_label(colour),
            mode="markers",
            marker={
                "size": 11,
                "color": COLOURS[colour],
                "symbol": SYMBOLS[colour],
                "line": {"width": 1, "color": FOCUS},
            },
        )
        for colour in QUARTILES
        if colour in shown
    ]
    traces += _target_trace(trend)
    fig = _figure(
        traces,
        title,
        340,
        xaxis={"dtick": 1, "tickformat": "d"},
        yaxis={"title": {"text": unit}, **GRID},
    )
    for year, why in (gaps or {}).items():
        annotate(
            fig,
            x=year,
            y=0.5,
            xref="x",
            yref="paper",
            text="<br>".join(esc(line) for line in textwrap.wrap(why, 14)),
            showarrow=False,
            align="center",
            font={"size": 11, "color": "#4d4d4d"},
            bgcolor="rgba(255,255,255,0.9)",
        )
    return fig


def _legend_entry(**style: object) -> dict:
    """A legend entry only: a trace without points."""
    return _trace("scatter", x=[None], y=[None], hoverinfo="skip", showlegend=True, **style)


def _error_bars(frame: pd.DataFrame, axis: str) -> dict:
    """Issue 16: the 95 % interval (columns lo, hi) as error bars; none without one."""
    if "lo" not in frame or frame["lo"].isna().all():
        return {"visible": False}
    return {
        "type": "data",
        "symmetric": False,
        "array": (frame["hi"] - frame["value"]).fillna(0).tolist(),
        "arrayminus": (frame["value"] - frame["lo"]).fillna(0).tolist(),
        "color": FOCUS,
        "thickness": 1.5,
        "width": 6,
        "visible": True,
    }


def _target_trace(frame: pd.DataFrame) -> list[dict]:
    """The municipality's own targets (målvärde) per year as a dotted line, if it set any."""
    if "target" not in frame or frame["target"].isna().all():
        return []
    known = frame.dropna(subset=["target"])
    return [
        _trace(
            "scatter",
            x=known["year"],
            y=known["target"],
            name="Mål",
            mode="lines+markers",
            line={"color": TARGET, "dash": "dot", "width": 2},
            marker={"symbol": "x-thin-open", "size": 10, "color": TARGET},
            hovertemplate="Mål %{x}: %{y}<extra></extra>",
        )
    ]


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
        [bars], title, 120 + 30 * max(len(d), 1), marks, xaxis={"title": {"text": unit}, **GRID}
    )


def gender_figure(split: pd.DataFrame, *, unit: str, title: str) -> Figure:
    """Kvinnor, män and totalt for the municipality and Riket."""
    words = {"K": "Kvinnor", "M": "Män", "T": "Totalt"}
    patterns = {"K": "", "M": "/", "T": "."}
    shades = {"K": "#5b4b8a", "M": "#2b7bb9", "T": RIKET}
    traces = []
    for gender in ("K", "M", "T"):
        part = split[split["gender"] == gender]
        traces.append(
            _trace(
                "bar",
                x=part["place"].map(esc),
                y=part["value"],
                name=words[gender],
                marker={"color": shades[gender], "pattern": {"shape": patterns[gender]}},
                text=[number(v, unit) for v in part["value"]],
                textposition="outside",
            )
        )
    return _figure(traces, title, 320, barmode="group", yaxis={"title": {"text": unit}, **GRID})


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
        margin={"l": 10, "r": 90, "t": 50, "b": 40},  # room for the longest bar's label
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(len(labels))),
            "ticktext": labels,
            "autorange": "reversed",  # the first row (the best) on top
        },
    )


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


def measure_figure(rows: pd.DataFrame, *, name: str, title: str, unit: str) -> Figure:
    """A measure's KPIs: the municipality's value (coloured and patterned by its quartile)
    beside Riket's, one pair of bars per KPI."""
    d = rows.iloc[::-1]  # the first KPI on top
    riket = _trace(
        "bar",
        x=d["riket"],
        y=d["label"].map(esc),
        orientation="h",
        name="Riket",
        marker={"color": "#cfd8dc", "line": {"color": RIKET, "width": 1}},
        text=[number(v, unit) for v in d["riket"]],
        textposition="outside",
        cliponaxis=False,
    )
    mine = _trace(
        "bar",
        x=d["value"],
        y=d["label"].map(esc),
        orientation="h",
        name=esc(name),
        marker=_quartile_marker(d["colour"]),
        text=_quartile_labels(d, unit),
        textposition="outside",
        cliponaxis=False,
    )
    return _figure(
        [riket, mine],
        title,
        140 + 70 * len(d),
        barmode="group",
        bargap=0.25,
        xaxis={"title": {"text": unit}, **GRID},
    )


def add_tiles(
    fig: Figure,
    tiles: pd.DataFrame,
    *,
    per_row: int,
    top: float,
    height: float,
    gap: float,
    font_size: int = 12,
    inset: tuple[float, float] = (0.012, 0.008),
    wrap: int = 0,
) -> None:
    """The level-1 tiles as filled boxes in paper coordinates, `per_row` to a row from `top`
    down: each with the measure's name, its quartile's icon and word (colour is never the only
    cue) and its place. tiles: label, colour, rank_text. `wrap`: characters per line of the
    name and the place (plotly does not wrap; 0: no wrapping)."""

    def lines(text: str) -> str:
        return "<br>".join(esc(line) for line in textwrap.wrap(text, wrap)) if wrap else esc(text)

    step = 0.99 / per_row
    for i, tile in enumerate(records(tiles)):
        row, col = divmod(i, per_row)
        x0, y1 = 0.01 + col * step, top - row * (height + gap)
        dark = tile.colour in ("green", "red")
        draw(
            fig,
            type="rect",
            xref="paper",
            yref="paper",
            x0=x0,
            x1=x0 + step - 0.0125,
            y0=y1 - height,
            y1=y1,
            fillcolor=TILE_FILL.get(tile.colour, "#e4e4e4"),
            line={"width": 0},
        )
        icon, word = QUARTILES.get(tile.colour, QUARTILES["grey"])
        annotate(
            fig,
            x=x0 + inset[0],
            y=y1 - inset[1],
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            text=f"<b>{lines(tile.label)}</b><br>{icon} {word}<br>{lines(tile.rank_text)}"
            + (f"<br>{lines(trend)}" if (trend := getattr(tile, "trend_text", "")) else ""),
            font={"size": font_size, "color": "white" if dark else "#1f1f1f"},
        )


TILE_LEGEND = ("green", "yellow", "red", "grey")  # the colours a quality tile can have


def tiles_figure(tiles: pd.DataFrame, *, title: str) -> Figure:
    """An area's level-1 tiles as a chart of their own (export: publication_figure adds the
    subtitle and the source line). The legend gives each tile colour with its icon and word;
    it is drawn by empty traces, so it sits where every published chart has its legend."""
    n = len(tiles)
    per_row = 4 if n <= 12 else 5
    rows = max(-(-n // per_row), 1)
    gap = 0.04
    height = min((1 - gap * (rows - 1)) / rows, 0.36)
    fig = _figure(
        [
            _trace(
                "scatter",
                x=[None],
                y=[None],
                mode="markers",
                name=quartile_label(colour),
                marker={
                    "symbol": "square",
                    "size": 16,
                    "color": TILE_FILL[colour],
                    "line": {"width": 1, "color": "#777777"},
                },
                showlegend=True,
            )
            for colour in TILE_LEGEND
        ],
        title,
        675,
        xaxis={"visible": False, "range": [0, 1]},
        yaxis={"visible": False, "range": [0, 1]},
        showlegend=True,
    )
    add_tiles(
        fig,
        tiles,
        per_row=per_row,
        top=1,
        height=height,
        gap=gap,
        font_size=16,
        inset=(0.01, 0.03),
        wrap=30,
    )
    return fig


TILE_FILL = {
    "green": "#1b7a3e",
    "yellow": "#f6d35b",
    "red": "#b3261e",
    "grey": "#e4e4e4",
    "neutral": "#dbe7f3",
}
