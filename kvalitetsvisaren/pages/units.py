"""Level 2:3: /enheter/<area>?kommun=&ar=&enhet=: every unit of the municipality, each against
all units of its kind in the country; with enhet= one unit's own page."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import ids, pagekit, views
from ..runtime import get_service


def _title(area: str | None = None, **_: str) -> str:
    return "Enheter – Kvalitetsvisaren"


dash.register_page(
    __name__,
    path_template="/enheter/<area>",
    path="/enheter/hemtjanst",
    name="Enheter",
    order=3,
    title=_title,
)


def layout(
    area: str | None = None,
    kommun: str | None = None,
    ar: str | None = None,
    enhet: str | None = None,
    **_: str,
) -> html.Div:
    svc = get_service()
    area = area or svc.config.areas[0].id
    if ar is None and area in {a.id for a in svc.config.areas} and svc.unit_years(area):
        # the latest year with data for the municipality's units
        ar = str(svc.unit_years(area, kommun or svc.config.default_municipality)[0])
    content = [
        dcc.Loading(html.Div(id=ids.UNITS_CONTENT), type="dot"),
        dcc.Store(id=ids.UNITS_AREA, data=area),
    ]
    return pagekit.skeleton(
        level="2:3",
        path=f"/enheter/{area}",
        raw={"kommun": kommun, "ar": ar, "enhet": enhet},
        params_id=ids.UNITS_PARAMS,
        content=content,
        unit_level=True,
        area=area,
        check=lambda svc, p: pagekit.check_unit(svc, area, p),
        years=lambda svc, p: svc.unit_years(area, p.kommun),
    )


@callback(
    Output(ids.UNITS_CONTENT, "children"),
    Input(ids.UNITS_PARAMS, "data"),
    State(ids.UNITS_AREA, "data"),
)
def update_units(params: dict, area: str) -> list:
    return pagekit.render(lambda svc, p: views.units_content(svc, area, p), params)
