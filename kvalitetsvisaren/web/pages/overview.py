"""Level 1: /oversikt?kommun=0883&ar=2022: one tile per quality measure per area. (The app
redirects / here, with the default municipality and the latest year.)"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from .. import ids, pagekit, views
from ..viewstate import OVERVIEW, PATHS

dash.register_page(
    __name__,
    path=PATHS[OVERVIEW],
    name="Översikt",
    order=0,
    title="Översikt – Kvalitetsvisaren",
)


def layout(**arguments: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.OVERVIEW_CONTENT), type="dot")]
    return pagekit.page(OVERVIEW, arguments, content, ids.OVERVIEW_PARAMS)


@callback(Output(ids.OVERVIEW_CONTENT, "children"), Input(ids.OVERVIEW_PARAMS, "data"))
def update_overview(params: dict) -> list:
    return pagekit.render(OVERVIEW, params, lambda svc, v: views.overview_content(svc, v.params))
