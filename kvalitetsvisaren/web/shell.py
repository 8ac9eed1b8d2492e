"""The app shell around the pages, and what every page shares: choosing another municipality
or year rewrites the URL (the URL is the state), and a chart's table is built when opened."""

from __future__ import annotations

from typing import Any

import dash
from dash import MATCH, Input, Output, State, callback, clientside_callback, dcc, html

from . import ids, views
from .runtime import get_service


def layout() -> html.Div:
    return html.Div(
        [dcc.Location(id=ids.URL, refresh="callback-nav"), dash.page_container],
        className="app",
    )


# The same view for another municipality or year, made in the browser from the header's
# Store (viewstate.View.navigation): no server round, also not when a page appears and its
# pickers report the URL's own values (then nothing changed and nothing happens).
NAVIGATE_JS = """
    function(kommun, ar, nav) {
        if (!nav || !nav.params || !kommun || !ar) { return window.dash_clientside.no_update; }
        var p = nav.params;
        if (kommun === p.kommun && String(ar) === String(p.ar)) {
            return window.dash_clientside.no_update;
        }
        var other = kommun !== p.kommun;
        var params = {kommun: kommun, ar: String(ar)};
        ((other ? nav.keep_other : nav.keep) || []).forEach(function (name) {
            if (p[name]) { params[name] = p[name]; }
        });
        return nav.path + "?" + new URLSearchParams(params).toString();
    }
"""
clientside_callback(
    NAVIGATE_JS,
    Output(ids.URL, "href"),
    Input(ids.MUNICIPALITY_PICKER, "value"),
    Input(ids.YEAR_PICKER, "value"),
    State(ids.NAV, "data"),
    prevent_initial_call=True,
)


@callback(
    Output({"type": ids.LAZY_CHART, "chart": MATCH}, "children"),
    Input({"type": ids.LAZY_CHART_OPEN, "chart": MATCH}, "n_clicks"),
    State({"type": ids.LAZY_CHART_SPEC, "chart": MATCH}, "data"),
    State({"type": ids.LAZY_CHART_SPEC, "chart": MATCH}, "id"),
    prevent_initial_call=True,
)
def show_lazy_chart(clicks: Any, spec: Any, spec_id: Any) -> Any:
    """Built at the first opening of its details; it stays when they close."""
    if clicks != 1 or not isinstance(spec_id, dict) or not isinstance(spec_id.get("chart"), str):
        return dash.no_update
    return views.opened_chart(get_service(), spec_id["chart"], spec)


@callback(
    Output({"type": ids.CHART_TABLE, "chart": MATCH}, "children"),
    Input({"type": ids.CHART_TABLE_OPEN, "chart": MATCH}, "n_clicks"),
    State({"type": ids.CHART_TABLE_SPEC, "chart": MATCH}, "data"),
    prevent_initial_call=True,
)
def show_chart_table(clicks: Any, spec: Any) -> Any:
    """Built at the first opening of "Visa som tabell"; it stays when the details close."""
    if clicks != 1:
        return dash.no_update
    return views.chart_table(get_service(), spec)
