"""Level 1: /oversikt?kommun=0883&ar=2022: one tile per quality measure per area. (The app
redirects / here, with the default municipality and the latest year.)"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from .. import ids, pagekit, views

dash.register_page(
    __name__,
    path="/oversikt",
    name="Översikt",
    order=0,
    title="Översikt – Kvalitetsvisaren",
)


def layout(kommun: str | None = None, ar: str | None = None, **_: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.OVERVIEW_CONTENT), type="dot")]
    return pagekit.skeleton(
        level="1",
        path="/oversikt",
        raw={"kommun": kommun, "ar": ar},
        params_id=ids.OVERVIEW_PARAMS,
        content=content,
        years=lambda svc, p: svc.overview_years(p.kommun),
    )


@callback(Output(ids.OVERVIEW_CONTENT, "children"), Input(ids.OVERVIEW_PARAMS, "data"))
def update_overview(params: dict) -> list:
    return pagekit.render(views.overview_content, params)
