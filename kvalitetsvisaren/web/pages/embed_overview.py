"""The overview for a municipality's website: /inbaddning/oversikt?kommun=0883&ar=2022, the
level 1 tiles without header or pickers (embed.py)."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from .. import embed, ids, views
from ..viewstate import EMBED_OVERVIEW, EMBED_PATHS, OVERVIEW

dash.register_page(
    __name__,
    path=EMBED_PATHS[EMBED_OVERVIEW],
    name="Översikt (inbäddad)",
    order=10,
    title="Översikt – Kvalitetsvisaren",
)


def layout(**arguments: str) -> html.Div:
    content = [dcc.Loading(html.Div(id=ids.EMBED_OVERVIEW_CONTENT), type="dot")]
    return embed.layout(EMBED_OVERVIEW, arguments, content, ids.EMBED_OVERVIEW_PARAMS)


@callback(Output(ids.EMBED_OVERVIEW_CONTENT, "children"), Input(ids.EMBED_OVERVIEW_PARAMS, "data"))
def update_embed_overview(params: dict) -> list:
    return embed.render(OVERVIEW, params, lambda svc, v: views.overview_content(svc, v.params))
