"""Level 2:3: /enheter/<area>?kommun=&ar=&enhet=: every unit of the municipality, each against
all units of its kind in the country; with enhet= one unit's own page. Without a year it opens
on the latest year with unit data (the boundary's default for this page)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, pagekit, views
from ..viewstate import PATHS, UNITS


def _title(area: str | None = None, **_: str) -> str:
    return "Enheter – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template=PATHS[UNITS],
    path="/enheter/hemtjanst",
    name="Enheter",
    order=3,
    title=_title,
)


def layout(**arguments: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.UNITS_CONTENT), type="dot")]
    return pagekit.page(UNITS, arguments, content, ids.UNITS_PARAMS, segment_id=ids.UNITS_AREA)


@callback(
    Output(ids.UNITS_CONTENT, "children"),
    Input(ids.UNITS_PARAMS, "data"),
    State(ids.UNITS_AREA, "data"),
)
def update_units(params: dict, area: str) -> list:
    return pagekit.render(
        UNITS,
        params,
        lambda svc, v: views.units_content(svc, v.area, v.params),
        segment=("area", area),
    )
