"""Level 2: /omrade/<area>?kommun=&ar=: every KPI of the area, grouped by measure."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, pagekit, views
from ..runtime import get_service


def _title(area: str | None = None, **_: str) -> str:
    try:
        label = get_service().area(area or "").label
    except KeyError:
        label = "Okänt område"
    return f"{label} – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template="/omrade/<area>",
    path="/omrade/hemtjanst",
    name="Område",
    order=1,
    title=_title,
)


def layout(
    area: str | None = None, kommun: str | None = None, ar: str | None = None, **_: str
) -> html.Div:
    area = area or get_service().config.areas[0].id
    content = [
        dcc.Loading(html.Div(id=ids.AREA_CONTENT), type="dot"),
        dcc.Store(id=ids.AREA_ID, data=area),
    ]
    return pagekit.skeleton(
        level="2",
        path=f"/omrade/{area}",
        raw={"kommun": kommun, "ar": ar},
        params_id=ids.AREA_PARAMS,
        content=content,
        area=area,
        years=lambda svc, p: svc.area_years(area, p.kommun),
    )


@callback(
    Output(ids.AREA_CONTENT, "children"),
    Input(ids.AREA_PARAMS, "data"),
    State(ids.AREA_ID, "data"),
)
def update_area(params: dict, area: str) -> list:
    return pagekit.render(lambda svc, p: views.area_content(svc, area, p), params)
