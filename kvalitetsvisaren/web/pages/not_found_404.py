"""Any other path: the Swedish explanation page (Dash Pages uses this module by its name; the
server answers such a path with HTTP 404, see factory)."""

from __future__ import annotations

import dash
from dash import html

from .. import pagekit
from ..runtime import get_service
from ..viewstate import Explanation

dash.register_page(
    __name__, path="/404", name="Sidan finns inte", title="Sidan finns inte – Kvalitetsvisaren"
)


def layout(**_: str) -> html.Div:
    why = Explanation("Sidan finns inte. Adressen kan vara felskriven eller inaktuell.")
    return pagekit.explanation_page(get_service(), why)
