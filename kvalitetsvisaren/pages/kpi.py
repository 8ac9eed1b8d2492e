"""Level 2:2: /nyckeltal/<kpi>?kommun=&ar=&grupp=&omrade=: one KPI against every
municipality, a comparison group, the trend and the gender split."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, pagekit, views
from ..runtime import get_service
from ..urls import Params, kpi_url


def _title(kpi: str | None = None, **_: str) -> str:
    return f"{kpi or 'Nyckeltal'} – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template="/nyckeltal/<kpi>",
    path="/nyckeltal/U21468",
    name="Nyckeltal",
    order=2,
    title=_title,
)


def layout(
    kpi: str | None = None,
    kommun: str | None = None,
    ar: str | None = None,
    grupp: str | None = None,
    omrade: str | None = None,
    **_: str,
) -> html.Div:
    svc = get_service()
    kpi = kpi or svc.headline_kpi(svc.config.areas[0].id)
    area = omrade if omrade in {a.id for a in svc.config.areas} else None
    area = area or svc.area_of(kpi).id if kpi in svc.directions else area
    raw = {"kommun": kommun, "ar": ar, "grupp": grupp, "omrade": area}
    p = Params(kommun or svc.config.default_municipality, svc.years()[0])
    content = [
        dcc.Loading(html.Div(id=ids.KPI_CONTENT), type="dot"),
        html.Section(
            [
                html.H2("Jämförelsegrupp"),
                views.group_controls(svc, _safe_params(svc, raw, p)),
                dcc.Loading(html.Div(id=ids.KPI_GROUP_CONTENT), type="dot"),
            ],
            className="group",
        ),
        html.Div(id=ids.KPI_MORE),
        dcc.Store(id=ids.KPI_ID, data=kpi),
    ]
    return pagekit.skeleton(
        level="2:2",
        path=f"/nyckeltal/{kpi}",
        raw=raw,
        area=area,
        kpi=kpi,
        params_id=ids.KPI_PARAMS,
        content=content,
        years=lambda svc, p: svc.kpi_years(kpi),
    )


def _safe_params(svc, raw: dict, fallback: Params) -> Params:
    try:
        return pagekit.read(svc, raw)
    except ValueError:  # BadParameter and UnknownError: the skeleton shows the explanation
        return fallback


@callback(
    Output(ids.KPI_CONTENT, "children"),
    Output(ids.KPI_GROUP_CONTENT, "children"),
    Output(ids.KPI_MORE, "children"),
    Input(ids.KPI_PARAMS, "data"),
    State(ids.KPI_ID, "data"),
)
def update_kpi(params: dict, kpi: str) -> tuple:
    parts = pagekit.render(lambda svc, p: views.kpi_content(svc, kpi, p), params)
    return parts if isinstance(parts, tuple) else (parts, [], [])


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
    if not params:
        return dash.no_update
    p = Params(**params)
    group = kind if kind in ("liknande", "lan") else ",".join(own or [])
    if not group or group == p.grupp:
        return dash.no_update
    return kpi_url(kpi, p.with_(grupp=group))
