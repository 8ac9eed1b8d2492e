"""An own measure: /lokalt/<matt>?kommun=&ar=&enhet=: the municipality's own result over the
years, its units compared with each other, its target and analysis. Never coloured by
national quartile: no national comparison exists."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, local_views, pagekit
from ..viewstate import OWN, PATHS


def _title(matt: str | None = None, **_: str) -> str:
    return "Lokal uppgift – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template=PATHS[OWN],
    path="/lokalt/exempel",
    name="Lokal uppgift",
    order=5,
    title=_title,
)


def layout(**arguments: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.OWN_CONTENT), type="dot")]
    return pagekit.page(OWN, arguments, content, ids.OWN_PARAMS, segment_id=ids.OWN_MEASURE)


@callback(
    Output(ids.OWN_CONTENT, "children"),
    Input(ids.OWN_PARAMS, "data"),
    State(ids.OWN_MEASURE, "data"),
)
def update_own(params: dict, measure: str) -> list:
    return pagekit.render(
        OWN,
        params,
        lambda svc, v: local_views.own_page(svc, v.measure, v.params),
        segment=("matt", measure),
    )
