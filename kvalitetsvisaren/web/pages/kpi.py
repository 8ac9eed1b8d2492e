"""Level 2:2: /nyckeltal/<kpi>?kommun=&ar=&grupp=&omrade=: one KPI against every
municipality, a comparison group, the trend and the gender split. The summary arrives first
in a small answer; the charts in a second one."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from .. import ids, pagekit, views
from ..runtime import get_service
from ..urls import Params
from ..viewstate import KPI, PATHS, View, read_view


def _title(kpi: str | None = None, **_: str) -> str:
    return f"{kpi or 'Nyckeltal'} – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template=PATHS[KPI],
    path="/nyckeltal/U21468",
    name="Nyckeltal",
    order=2,
    title=_title,
)


def layout(**arguments: str) -> html.Div:
    svc = get_service()
    segments, query = pagekit.location(KPI, arguments)
    view = read_view(svc, KPI, segments, query)
    # the controls are inputs of the group link: an explanation page keeps them (hidden)
    shown = view.params if isinstance(view, View) else Params(svc.config.default_municipality, 0)
    content = [
        dcc.Loading(html.Div(id=ids.KPI_CONTENT), type="dot"),
        dcc.Loading(html.Section(id=ids.KPI_SPREAD), type="dot"),
        html.Section(
            [
                html.H2("Jämförelsegrupp"),
                views.group_controls(svc, shown),
                dcc.Loading(html.Div(id=ids.KPI_GROUP_CONTENT), type="dot"),
            ],
            className="group",
        ),
        html.Div(id=ids.KPI_MORE),
    ]
    return pagekit.page(KPI, arguments, content, ids.KPI_PARAMS, segment_id=ids.KPI_ID)


@callback(
    Output(ids.KPI_CONTENT, "children"),
    Input(ids.KPI_PARAMS, "data"),
    State(ids.KPI_ID, "data"),
)
def update_kpi(params: dict, kpi: str) -> list:
    return pagekit.render(
        KPI,
        params,
        lambda svc, v: views.kpi_summary_content(svc, v.kpi, v.params),
        segment=("kpi", kpi),
    )


@callback(
    Output(ids.KPI_SPREAD, "children"),
    Output(ids.KPI_GROUP_CONTENT, "children"),
    Output(ids.KPI_MORE, "children"),
    Input(ids.KPI_PARAMS, "data"),
    State(ids.KPI_ID, "data"),
)
def update_kpi_charts(params: dict, kpi: str) -> tuple:
    return pagekit.render(
        KPI,
        params,
        lambda svc, v: views.kpi_charts(svc, v.kpi, v.params),
        segment=("kpi", kpi),
        outputs=3,
    )


# The group is part of the URL, so the view can be bookmarked: choosing one follows a link,
# in the browser (no server round; the next page reads the group through the boundary).
# "Egen lista" without chosen municipalities waits for a choice.
GROUP_JS = """
    function(kind, own, nav) {
        if (!nav || !nav.params) { return window.dash_clientside.no_update; }
        var group = (kind === "liknande" || kind === "lan") ? kind : (own || []).join(",");
        var current = nav.params.grupp || "liknande";
        if (!group || group === current) { return window.dash_clientside.no_update; }
        var p = nav.params, params = {kommun: p.kommun, ar: p.ar};
        if (group !== "liknande") { params.grupp = group; }
        if (p.omrade) { params.omrade = p.omrade; }  // the order of urls.kpi_url
        return nav.path + "?" + new URLSearchParams(params).toString();
    }
"""
clientside_callback(
    GROUP_JS,
    Output(ids.URL, "href", allow_duplicate=True),
    Input(ids.KPI_GROUP_KIND, "value"),
    Input(ids.KPI_GROUP_LIST, "value"),
    State(ids.NAV, "data"),
    prevent_initial_call=True,
)

# "Egen lista" shows its picker at once (the URL changes only when a municipality is chosen).
clientside_callback(
    """
    function(kind) {
        return kind === "egen" ? {} : {display: "none"};
    }
    """,
    Output(ids.KPI_GROUP_LIST, "style"),
    Input(ids.KPI_GROUP_KIND, "value"),
    prevent_initial_call=True,
)
