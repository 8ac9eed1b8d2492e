"""The browser's plotly.js is the basic bundle (web/plotly_bundle.py): it is what the renderer's
address answers, it is the plotly.js major version plotly.py writes figures for, and it draws
every trace type any of our charts uses (a chart of another type would stay blank)."""

from __future__ import annotations

import re

import pytest
from plotly.offline import get_plotlyjs_version
from test_pages import find

from kvalitetsvisaren.present import charts
from kvalitetsvisaren.web import plotly_bundle

ADDRESS = "/" + plotly_bundle.FULL_BUNDLE_PATH


def test_the_renderers_plotly_address_answers_the_basic_bundle(dash_app):
    client = dash_app.server.test_client()
    with client.get(ADDRESS) as answer:  # closes the file send_file opened
        body = answer.get_data()
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert body == plotly_bundle.BUNDLE.read_bytes()
    assert len(body) < 1.5e6  # the full bundle is 4.8 MB
    version = re.search(rb"plotly\.js \(basic - minified\) v(\d+)\.(\d+)\.(\d+)", body[:200])
    assert version, body[:200]
    assert int(version[1]) == int(get_plotlyjs_version().split(".")[0])
    with client.get(ADDRESS, headers={"If-None-Match": answer.headers["ETag"]}) as again:
        assert again.status_code == 304 and not again.get_data()
    # Dash's other scripts are Dash's own, untouched
    other = client.get("/_dash-component-suites/dash/dcc/async-graph.js")
    assert other.status_code == 200 and other.get_data() != body


def trace_types(figure: dict) -> set[str]:
    return {trace.get("type", "scatter") for trace in figure["data"]}


@pytest.mark.slow
@pytest.mark.parametrize("municipality", ["0180", "2403"])
def test_every_chart_draws_only_traces_the_basic_bundle_has(dash_app, service, municipality):
    from kvalitetsvisaren.web.pages import kpi, units

    year = service.overview_years(municipality)[0]
    areas = [a.id for a in service.config.areas]
    used: set[str] = set()
    for chart in charts.all_charts(service, municipality, year, areas):
        used |= trace_types(chart.figure)
    # the web pages' own figures: a KPI page and a unit page of each area
    for area in service.config.areas:
        params = {"kommun": municipality, "ar": str(year), "omrade": area.id}
        shown = kpi.update_kpi_charts(params, service.headline_kpi(area.id))
        unit_years = service.unit_years(area.id, municipality)
        if unit_years and area.ou_prefix:
            unit_params = {"kommun": municipality, "ar": unit_years[0]}
            shown = [shown, units.update_units(unit_params, area.id)]
        for props in find(shown, "figure"):
            used |= trace_types(props["figure"])
    assert {"bar", "scatter"} <= used  # the walk found the charts
    assert used <= plotly_bundle.TRACE_TYPES
