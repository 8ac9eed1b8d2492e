"""Level 2: /omrade/<area>?kommun=&ar=: every KPI of the area, grouped by measure."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, pagekit, views
from ..runtime import get_service
from ..viewstate import AREA, PATHS


def _title(area: str | None = None, **_: str) -> str:
    try:
        label = get_service().area(area or "").label
    except KeyError:
        label = "Okänt område"
    return f"{label} – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template=PATHS[AREA],
    path="/omrade/hemtjanst",
    name="Område",
    order=1,
    title=_title,
)


def layout(**arguments: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.AREA_CONTENT), type="dot")]
    return pagekit.page(AREA, arguments, content, ids.AREA_PARAMS, segment_id=ids.AREA_ID)


@callback(
    Output(ids.AREA_CONTENT, "children"),
    Input(ids.AREA_PARAMS, "data"),
    State(ids.AREA_ID, "data"),
)
def update_area(params: dict, area: str) -> list:
    return pagekit.render(
        AREA,
        params,
        lambda svc, v: views.area_content(svc, v.area, v.params),
        segment=("area", area),
    )
