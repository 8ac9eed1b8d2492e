"""The national figures: a KPI's spread, group, trend and gender split; a measure's KPIs."""

from __future__ import annotations

import textwrap

import pandas as pd

from ...labels import QUARTILES, esc, is_missing, number, quartile_label
from .base import (
    COLOURS,
    FOCUS,
    GRID,
    LABEL_ROOM,
    RIKET,
    SYMBOLS,
    TARGET,
    Figure,
    _figure,
    _pattern,
    _quartile_labels,
    _quartile_marker,
    _trace,
    annotate,
)


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
        margin=LABEL_ROOM,  # the column of values
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
        margin=LABEL_ROOM,
    )
