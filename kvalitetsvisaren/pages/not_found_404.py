"""Any other path: the Swedish explanation page (Dash Pages uses this module by its name)."""

from __future__ import annotations

import dash
from dash import html

from .. import pagekit
from ..runtime import get_service

dash.register_page(
    __name__, path="/404", name="Sidan finns inte", title="Sidan finns inte – Kvalitetsvisaren"
)


def layout(**_: str) -> html.Div:
    return pagekit.bad_url_page(
        get_service(), "Sidan finns inte. Adressen kan vara felskriven eller inaktuell."
    )
