"""Level 2's measure charts are built when the reader opens "Diagram" (components.lazy_chart):
the area page ships none of them, and an opened one shows the measure's KPIs as the raw values
have them. Whatever the browser sends back as the chart's spec, the answer is the chart or a
Swedish sentence, never a traceback."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from dash import html
from hypothesis import given, settings
from hypothesis import strategies as st
from test_pages import find

from kvalitetsvisaren.web import ids

YEAR = 2022
SPEC = {"type": ids.LAZY_CHART_SPEC}


@pytest.fixture(scope="module")
def pages(dash_app):
    from kvalitetsvisaren.web import shell
    from kvalitetsvisaren.web.pages import area

    return area, shell


@pytest.fixture(scope="module")
def config(service):
    return service.config


@pytest.fixture(scope="module")
def raw(service):
    """Gender-T values of the year, read from the store (not the service's tables)."""
    v = service.store.values
    v = v[(v["gender"] == "T") & (v["year"] == YEAR) & v["value"].notna()]
    return {
        (str(k), str(m)): float(x)
        for k, m, x in zip(v["kpi"], v["municipality_id"], v["value"], strict=True)
    }


def numbers(array) -> list[float]:
    if isinstance(array, dict):  # plotly's typed array, as it reaches the browser
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


@pytest.mark.parametrize("municipality", ["0180", "2403", "0883"])
def test_the_area_page_ships_no_chart_and_an_opened_one_shows_the_raw_values(
    pages, service, config, raw, municipality
):
    area_page, shell = pages
    name = service.names[municipality]
    for area in config.areas:
        content = json.loads(
            json.dumps(
                area_page.update_area({"kommun": municipality, "ar": str(YEAR)}, area.id),
                default=lambda c: c.to_plotly_json(),
            )
        )
        assert '"Graph"' not in json.dumps(content)  # nothing drawn until asked for
        for section in find(content, "data-measure"):
            measure = area.measure(section["data-measure"])
            specs = [p for p in find(section, "id") if isinstance(p["id"], dict)]
            specs = [p for p in specs if p["id"].get("type") == ids.LAZY_CHART_SPEC]
            has = [k for k in measure.kpis if (k, municipality) in raw]
            assert len(specs) == (1 if has else 0), (area.id, measure.id)
            if not has:
                continue
            query = {"kommun": municipality, "ar": str(YEAR), "area": area.id}
            assert specs[0]["data"] == {"kind": "matt", "query": {**query, "measure": measure.id}}
            opened = shell.show_lazy_chart(1, specs[0]["data"], specs[0]["id"])
            graph = opened.children[0]
            assert graph.id == specs[0]["id"]["chart"]
            bars = {t["name"]: t for t in graph.figure["data"]}
            mine = bars[name]
            labels = {config.kpi(k).label: k for k in measure.kpis}
            for label, value in zip(mine["y"], numbers(mine["x"]), strict=True):
                kpi = labels[label]
                if (kpi, municipality) in raw:
                    assert value == pytest.approx(raw[(kpi, municipality)]), (area.id, kpi)
                else:
                    assert np.isnan(value), (area.id, kpi)


def test_a_chart_is_built_once_at_its_first_opening(pages):
    _, shell = pages
    spec = {"kind": "matt", "query": {"kommun": "0883", "ar": "2022", "area": "hemtjanst"}}
    spec["query"]["measure"] = "bemotande"
    chart_id = {**SPEC, "chart": "matt-bemotande"}
    assert isinstance(shell.show_lazy_chart(1, spec, chart_id), html.Figure)
    for clicks in (None, 0, 2, 7):  # closing and opening again keeps what was built
        assert shell.show_lazy_chart(clicks, spec, chart_id).__class__.__name__ == "NoUpdate"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
queries = st.dictionaries(
    st.sampled_from(["kommun", "ar", "area", "measure", "kpi", "format", "grupp", "x"]),
    st.sampled_from(["0883", "0180", "2403", "9999", "2022", "1800", "hemtjanst", "bemotande"])
    | st.text(max_size=10)
    | json_values,
    max_size=6,
)


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from(["matt", "spridning", "rutor", "nope"]) | json_values,
    query=queries | json_values,
    chart=st.text(max_size=20) | json_values,
)
def test_synthetic_any_spec_gets_the_chart_or_a_swedish_sentence(pages, kind, query, chart):
    _, shell = pages
    answer = shell.show_lazy_chart(1, {"kind": kind, "query": query}, {**SPEC, "chart": chart})
    if not isinstance(chart, str):
        assert answer.__class__.__name__ == "NoUpdate"
    else:
        assert isinstance(answer, html.Figure | html.P), answer
        if isinstance(answer, html.P):
            assert answer.className == "notice" and answer.children
