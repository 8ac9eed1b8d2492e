"""Figures are built from the service's frames without a browser; they show what the frames
say, and colour is never the only cue (each quartile has its own marker symbol or pattern)."""

from __future__ import annotations

import math
import re

import plotly.graph_objects as go
import pytest

from kvalitetsvisaren.labels import QUARTILES
from kvalitetsvisaren.present import figures

VASTERVIK = "0883"


@pytest.fixture(scope="module")
def summary(service):
    return service.kpi_summary("U21468", VASTERVIK, 2022, area="hemtjanst")


def test_strip_shows_every_municipality_once_with_a_symbol_per_quartile(service, summary):
    dist = service.distribution("U21468", 2022, area="hemtjanst")
    fig = go.Figure(
        figures.strip_figure(
            dist,
            VASTERVIK,
            "Västervik",
            unit="%",
            title="t",
            riket=summary.riket,
            mean=summary.mean,
            green_cut=summary.green_cut,
            red_cut=summary.red_cut,
        )
    )
    by_name = {t.name: t for t in fig.data}
    for colour in ("green", "yellow", "red"):
        trace = by_name[QUARTILES[colour][1]]  # the legend shows the symbol itself
        assert len(trace.x) == (dist["colour"] == colour).sum()
        assert trace.marker.symbol == figures.SYMBOLS[colour]
    assert sum(len(by_name[n].x) for n in by_name if n != "Västervik") == len(dist) == 286
    focus = by_name["Västervik"]
    assert list(focus.x) == [88.0] and list(focus.text) == ["Västervik"]
    labels = [a.text for a in fig.layout.annotations]
    assert "Riket 86\u00a0%" in labels and "Gräns bästa 25 % (92\u00a0%)" in labels
    assert any(t.startswith("Ovägt medel 88,1") for t in labels)
    assert {shape.x0 for shape in fig.layout.shapes} == {
        summary.green_cut,
        summary.red_cut,
        summary.riket,
        summary.mean,
    }


def test_group_bars_are_the_members_best_first(service):
    group = service.comparison("U21468", VASTERVIK, 2022, area="hemtjanst")
    fig = go.Figure(
        figures.group_figure(
            group.members, unit="%", title="t", mean=group.mean, higher_is_better=True
        )
    )
    bars = fig.data[0]
    assert len(bars.x) == 8
    assert list(bars.x) == sorted(bars.x)  # horizontal: the best ends on top
    assert "Västervik (vald)" in list(bars.y)
    patterns = set(bars.marker.pattern.shape)
    assert len(patterns) == len(set(group.members["colour"]))  # one pattern per colour


def test_trend_breaks_the_line_where_a_year_is_missing(service):
    trend = service.trend("U21468", VASTERVIK, 2022, area="hemtjanst")
    fig = go.Figure(figures.trend_figure(trend, name="Västervik", unit="%", title="t"))
    mine = next(t for t in fig.data if t.name == "Västervik")
    years = list(mine.x)
    assert years == list(range(2013, 2023))  # every year, 2021 included ...
    assert math.isnan(mine.y[years.index(2021)])  # ... without a value: the line breaks


def test_units_figure_draws_the_ends_a_gap_and_the_chosen_starred(service):
    from kvalitetsvisaren.analysis import unit_list

    table = service.unit_table("hemtjanst", VASTERVIK, 2024)
    rows = table[table["kpi"] == "N21496"]
    with_value = rows.dropna(subset=["value"])
    middle = with_value.sort_values("value").iloc[len(with_value) // 2]["ou_id"]
    shown = unit_list.extremes(rows, True, [middle])
    fig = go.Figure(
        figures.units_figure(
            shown,
            unit="%",
            title="t",
            municipality=float("nan"),
            riket=float("nan"),
            name="Västervik",
        )
    )
    bars = fig.data[0]
    values = [x for x in bars.x if x is not None]
    assert len(with_value) == 16 and len(values) == 11  # 5 best, 5 worst, the chosen one
    assert values == sorted(values, reverse=True)  # the best on top (the axis is reversed)
    gaps = [t for t, x in zip(bars.customdata, bars.x, strict=True) if x is None]
    assert gaps and all(re.fullmatch(r"… \d+ enhet(er)? till …", g) for g in gaps)
    assert [t.startswith("★ ") for t in bars.customdata].count(True) == 1
    assert list(fig.layout.yaxis.ticktext) == list(bars.customdata)


# --- the figure as sent to the browser ------------------------------------------------------


def _plotly_json(fig) -> object:
    """What plotly itself sends for the figure (Dash's encoder, plotly.io.json)."""
    import json

    from plotly.io.json import to_json_plotly

    return json.loads(to_json_plotly(fig))


def _our_json(fig) -> object:
    import json

    return json.loads(json.dumps(figures.for_browser(fig), allow_nan=False))


@pytest.mark.parametrize(
    ("municipality", "area"),
    [
        ("0180", "hemtjanst"),
        ("2403", "sarskilt-boende"),
        ("0883", "grundskola"),
    ],  # Stockholm, Bjurholm, Västervik
)
def test_every_chart_reaches_the_browser_as_plotly_would_send_it(service, municipality, area):
    from kvalitetsvisaren.present import charts

    kinds: dict[str, object] = {}
    for chart in charts.all_charts(service, municipality, 2022, [area]):
        kinds.setdefault(chart.kind, chart)
    assert {"rutor", "matt", "spridning", "utveckling", "enheter"} <= set(kinds)
    for kind, chart in kinds.items():
        assert _our_json(chart.figure) == _plotly_json(go.Figure(chart.figure)), kind


def test_hostile_values_reach_the_browser_as_plotly_would_send_them_synthetic():
    """Synthetic arrays: NaN, infinities, huge and negative integers, text of any script."""
    import numpy as np
    import pandas as pd
    from hypothesis import given, settings
    from hypothesis import strategies as st

    numbers = st.lists(
        st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**62), 2**62),
        max_size=30,
    )
    texts = st.lists(st.text(max_size=12) | st.none(), max_size=30)

    @settings(max_examples=60, deadline=None)
    @given(numbers, texts, st.booleans())
    def check(values, labels, as_array):
        x = np.array(values, dtype=float) if as_array else values
        ints = np.array([int(v) for v in values if isinstance(v, int)], dtype=np.int64)
        fig = {
            "data": [
                {"type": "scatter", "x": x, "y": ints, "text": labels},
                {"type": "bar", "customdata": np.array(labels, dtype=object), "y": pd.Series(x)},
            ],
            "layout": {
                "title": {"text": "".join(t or "" for t in labels)},
                "xaxis": {"range": [0, 1]},
                "template": figures.CHART_TEMPLATE,  # else plotly adds its default one
            },
        }
        assert _our_json(fig) == _plotly_json(go.Figure(fig))

    check()


@pytest.mark.slow
def test_the_compact_template_draws_every_chart_kind_as_plotlys_full_one(service, chromium):
    """Rendered by plotly.js (kaleido), pixel for pixel: the template sent with each figure
    leaves out only what bar and scatter charts never read."""
    import plotly.io as pio

    from kvalitetsvisaren.export import render as export
    from kvalitetsvisaren.present import charts

    kinds: dict[str, object] = {}
    for municipality, area in [("0180", "hemtjanst"), ("2403", "sarskilt-boende")]:
        for chart in charts.all_charts(service, municipality, 2022, [area]):
            kinds.setdefault(chart.kind, chart.figure)
    assert len(kinds) >= 6
    for kind, fig in kinds.items():
        full = go.Figure(fig)
        full.layout.template = pio.templates["plotly"]
        height = int(fig["layout"].get("height") or 500)
        ours, plotlys = (export._to_image(f, "png", 900, height, 1) for f in (go.Figure(fig), full))
        assert ours == plotlys, kind
