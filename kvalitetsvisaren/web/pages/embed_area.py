"""One area for a municipality's website: /inbaddning/omrade/<area>?kommun=&ar=, level 2
without header or pickers (embed.py)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from .. import embed, ids, views
from ..viewstate import AREA, EMBED_AREA, EMBED_PATHS
from .area import _title

dash.register_page(
    __name__,
    path_template=EMBED_PATHS[EMBED_AREA],
    path="/inbaddning/omrade/hemtjanst",
    name="Område (inbäddat)",
    order=11,
    title=_title,
)


def layout(**arguments: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.EMBED_AREA_CONTENT), type="dot")]
    return embed.layout(
        EMBED_AREA, arguments, content, ids.EMBED_AREA_PARAMS, segment_id=ids.EMBED_AREA_ID
    )


@callback(
    Output(ids.EMBED_AREA_CONTENT, "children"),
    Input(ids.EMBED_AREA_PARAMS, "data"),
    State(ids.EMBED_AREA_ID, "data"),
)
def update_embed_area(params: dict, area: str) -> list:
    return embed.render(
        AREA,
        params,
        lambda svc, v: views.area_content(svc, v.area, v.params),
        segment=("area", area),
    )
