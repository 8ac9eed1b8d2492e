"""An own measure: /lokalt/<matt>?kommun=&ar=&enhet=: the municipality's own result over the
years, its units compared with each other, its target and analysis. Never coloured by
national quartile: no national comparison exists."""

from __future__ import annotations

from urllib.parse import unquote

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, local_views, pagekit
from ..runtime import get_service
from ..service import UnknownError


def _title(matt: str | None = None, **_: str) -> str:
    return "Lokal uppgift – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template="/lokalt/<matt>",
    path="/lokalt/exempel",
    name="Lokal uppgift",
    order=5,
    title=_title,
)


def layout(
    matt: str | None = None,
    kommun: str | None = None,
    ar: str | None = None,
    enhet: str | None = None,
    **_: str,
) -> html.Div:
    svc = get_service()
    measure = unquote(matt or "")
    content = [
        dcc.Loading(html.Div(id=ids.OWN_CONTENT), type="dot"),
        dcc.Store(id=ids.OWN_MEASURE, data=measure),
    ]
    try:
        info = svc.own_measure(measure)
    except UnknownError as exc:  # the content ids stay (hidden): Dash validates against them
        hidden = html.Div([*content, dcc.Store(id=ids.OWN_PARAMS)], hidden=True)
        return html.Div([pagekit.bad_url_page(svc, str(exc)), hidden])
    municipality = kommun or svc.config.default_municipality
    years = svc.own_years(measure, municipality) if municipality in svc.kommun_ids else []
    return pagekit.skeleton(
        level="2",
        path=f"/lokalt/{measure}",
        raw={"kommun": kommun, "ar": ar or (str(years[0]) if years else None), "enhet": enhet},
        params_id=ids.OWN_PARAMS,
        content=content,
        area=info["area"],
        extra_years=years,
        check=lambda svc, p: pagekit.check_unit(svc, info["area"], p),
        years=lambda svc, p: svc.own_years(measure, p.kommun),
    )


@callback(
    Output(ids.OWN_CONTENT, "children"),
    Input(ids.OWN_PARAMS, "data"),
    State(ids.OWN_MEASURE, "data"),
)
def update_own(params: dict, measure: str) -> list:
    return pagekit.render(lambda svc, p: local_views.own_page(svc, measure, p), params)
