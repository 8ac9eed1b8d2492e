"""The app shell around the pages, and the navigation every page shares: choosing another
municipality or year rewrites the URL (the URL is the state)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from . import ids
from .runtime import get_service
from .urls import Params, kpi_url, units_url
from .viewstate import View, match_path, read_view

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
    view = _current(nav)
    if view is None or not isinstance(kommun, str) or type(ar) not in (int, str):
        return dash.no_update
    p = view.params
    if kommun == p.kommun and str(ar) == str(p.ar):
        return dash.no_update
    return href_for(view.path, p, kommun, ar)  # the next page checks what was picked


def _current(nav: Any) -> View | None:
    """The view the header was built for (its Store), read again through the boundary."""
    if not isinstance(nav, dict) or not isinstance(nav.get("path"), str):
        return None
    matched = match_path(nav["path"])
    query = nav.get("params")
    if matched is None or not isinstance(query, dict):
        return None
    view = read_view(get_service(), matched[0], matched[1], query)
    return view if isinstance(view, View) else None


def href_for(path: str, p: Params, kommun: str, ar: int | str) -> str:
    changed = p.with_(ar=str(ar))
    if kommun != p.kommun:  # a unit or an own group list belongs to the old municipality
        changed = changed.with_(kommun=kommun, enhet=None, grupp="liknande")
    if path.startswith(_PAGES_WITH_GROUPS):
        return kpi_url(path.rsplit("/", 1)[1], changed)
    if path.startswith("/enheter/"):
        return units_url(path.rsplit("/", 1)[1], changed, changed.enhet)
    return f"{path}?{changed.query()}"
