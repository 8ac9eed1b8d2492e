"""Level 2:2: /nyckeltal/<kpi>?kommun=&ar=&grupp=&omrade=: one KPI against every
municipality, a comparison group, the trend and the gender split."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, pagekit, views
from ..runtime import get_service
from ..urls import Params, kpi_url
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
    # the controls are inputs of choose_group: an explanation page keeps them (hidden)
    shown = view.params if isinstance(view, View) else Params(svc.config.default_municipality, 0)
    controls = views.group_controls(svc, shown)
    content = [
        dcc.Loading(html.Div(id=ids.KPI_CONTENT), type="dot"),
        html.Section(
            [
                html.H2("Jämförelsegrupp"),
                controls,
                dcc.Loading(html.Div(id=ids.KPI_GROUP_CONTENT), type="dot"),
            ],
            className="group",
        ),
        html.Div(id=ids.KPI_MORE),
    ]
    return pagekit.page(KPI, arguments, content, ids.KPI_PARAMS, segment_id=ids.KPI_ID)


@callback(
    Output(ids.KPI_CONTENT, "children"),
    Output(ids.KPI_GROUP_CONTENT, "children"),
    Output(ids.KPI_MORE, "children"),
    Input(ids.KPI_PARAMS, "data"),
    State(ids.KPI_ID, "data"),
)
def update_kpi(params: dict, kpi: str) -> tuple:
    return pagekit.render(
        KPI,
        params,
        lambda svc, v: views.kpi_content(svc, v.kpi, v.params),
        segment=("kpi", kpi),
        outputs=3,
    )


@callback(
    Output(ids.URL, "href", allow_duplicate=True),
    Input(ids.KPI_GROUP_KIND, "value"),
    Input(ids.KPI_GROUP_LIST, "value"),
    State(ids.KPI_PARAMS, "data"),
    State(ids.KPI_ID, "data"),
    prevent_initial_call=True,
)
def choose_group(kind: str, own: list[str] | None, params: dict, kpi: str) -> str:
    """The group is part of the URL, so the view can be bookmarked. Called too when the page
    appears (the controls come with it): then nothing changed and nothing happens. "Egen lista"
    without chosen municipalities waits for a choice."""
    view = read_view(get_service(), KPI, {"kpi": kpi}, params if isinstance(params, dict) else {})
    if not isinstance(view, View):
        return dash.no_update
    p = view.params
    chosen = [m for m in own if isinstance(m, str)] if isinstance(own, list) else []
    group = kind if kind in ("liknande", "lan") else ",".join(chosen)
    if not group or group == p.grupp:
        return dash.no_update
    return kpi_url(kpi, p.with_(grupp=group))  # the next page checks the group
