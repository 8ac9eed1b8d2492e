"""The app shell around the pages, and the navigation every page shares: choosing another
municipality or year rewrites the URL (the URL is the state)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from . import ids
from .urls import Params, kpi_url, units_url

_PAGES_WITH_GROUPS = "/nyckeltal/"


def layout() -> html.Div:
    return html.Div(
        [dcc.Location(id=ids.URL, refresh="callback-nav"), dash.page_container],
        className="app",
    )


@callback(
    Output(ids.URL, "href"),
    Input(ids.MUNICIPALITY_PICKER, "value"),
    Input(ids.YEAR_PICKER, "value"),
    State(ids.NAV, "data"),
    prevent_initial_call=True,
)
def navigate(kommun: str | None, ar: int | None, nav: dict[str, Any] | None) -> str:
    """The same view for another municipality or year. The pickers arrive with each page, so
    Dash also calls this when a page appears: nothing changed then, and nothing happens."""
    if not nav or not kommun or not ar:
        return dash.no_update
    p = Params(**nav["params"])
    if kommun == p.kommun and int(ar) == p.ar:
        return dash.no_update
    return href_for(nav["path"], p, kommun, int(ar))


def href_for(path: str, p: Params, kommun: str, ar: int) -> str:
    changed = p.with_(ar=ar)
    if kommun != p.kommun:  # a unit or an own group list belongs to the old municipality
        changed = changed.with_(kommun=kommun, enhet=None, grupp="liknande")
    if path.startswith(_PAGES_WITH_GROUPS):
        return kpi_url(path.rsplit("/", 1)[1], changed)
    if path.startswith("/enheter/"):
        return units_url(path.rsplit("/", 1)[1], changed, changed.enhet)
    return f"{path}?{changed.query()}"
