"""What every page shares: its layout (header, a main region its content callback fills, the
view state in a Store) built from the URL through the one boundary (viewstate), the Swedish
explanation page for a URL that names no view, and the last-resort answer for a callback that
fails anyway (logged, never a blank page)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

import dash
from dash import dcc, html
from dash.exceptions import PreventUpdate

from ..service.facade import IndicatorService
from . import views
from .components import explanation, source_line
from .response_cache import dont_cache
from .runtime import get_runtime, get_service
from .urls import Params, overview_url
from .viewstate import (
    OVERVIEW,
    UNITS,
    UPLOAD,
    Explanation,
    View,
    example_segments,
    match_path,
    read_view,
)

log = logging.getLogger("kvalitetsvisaren.web.pages")
LEVELS = {"overview": "1", "area": "2", "kpi": "2:2", "units": "2:3", "own": "2", "upload": ""}
# The router passes the real location besides Dash's merge of path variables and query (where
# a query parameter named like a path variable would replace it): see factory.create_app.
LOCATION_PATH, LOCATION_SEARCH = "location_path", "location_search"
ERROR_MESSAGE = (
    "Ett fel uppstod när sidan skulle visas. Felet är loggat; försök igen eller välj en annan vy."
)


def page(
    route: str,
    arguments: Mapping[str, Any],
    content: list,
    params_id: str,
    *,
    segment_id: str | None = None,
    shell: Callable[[IndicatorService, View, list, str], html.Div] | None = None,
    explained: Callable[[IndicatorService, Explanation], html.Div] | None = None,
) -> html.Div:
    """A page's layout for the URL: the view's skeleton, or the explanation (with the page's
    component ids kept, hidden: its callbacks refer to them). `segment_id`: a Store for the
    view's path segment (area, KPI or own measure), as its content callback takes it.
    `shell` and `explained` replace `skeleton` and `explanation_page` (the embedded views)."""
    svc = get_service()
    segments, query = location(route, arguments)
    view = read_view(svc, route, segments, query)
    stores = []
    if segment_id is not None:
        value = next(iter(view.segments().values()), None) if isinstance(view, View) else None
        stores.append(dcc.Store(id=segment_id, data=value))
    if isinstance(view, Explanation):
        if arguments:  # (without any: the page's example, which tests check callbacks against)
            log.warning("Bad URL %s %s %s: %s", route, segments, query, view.message)
        hidden = html.Div([*content, *stores, dcc.Store(id=params_id)], hidden=True)
        return html.Div([(explained or explanation_page)(svc, view), hidden])
    return (shell or skeleton)(svc, view, [*content, *stores], params_id)


def location(route: str, arguments: Mapping[str, Any]) -> tuple[dict, dict]:
    """Path segments and query: from the real location when the router gives it, else from
    the keyword arguments (a direct call, e.g. a test)."""
    if not arguments:  # the page's example (tests/test_pages.py)
        return example_segments(get_service(), route), {}
    path, search = arguments.get(LOCATION_PATH), arguments.get(LOCATION_SEARCH)
    if isinstance(path, str):
        matched = match_path(path)
        segments = matched[1] if matched and matched[0] == route else {}
        query = parse_qs(search[1:], keep_blank_values=True) if isinstance(search, str) else {}
        return segments, query
    names = {"area", "kpi", "matt"}
    rest = {k: v for k, v in arguments.items() if k not in (LOCATION_PATH, LOCATION_SEARCH)}
    return (
        {k: v for k, v in rest.items() if k in names},
        {k: v for k, v in rest.items() if k not in names},
    )


def skeleton(svc: IndicatorService, view: View, content: list, params_id: str) -> html.Div:
    """The page: header, the main region its callback fills, and the view state in a Store."""
    p = view.params
    header = views.header(
        svc,
        p,
        level=LEVELS[view.route],
        path=view.path,
        area=view.area if view.route != OVERVIEW and view.route != UPLOAD else None,
        kpi=view.kpi,
        unit_title=view.unit_title,
        years=list(view.years),
        navigation=view.navigation(),
    )
    # each part of the store has its own vintage: unit values were fetched apart
    part, universe = ("ou_values", "enheter") if view.route == UNITS else ("values", "kommuner")
    source = source_line(p.year, svc.store.vintage(part), universe)
    return html.Div(
        [
            header,
            *stale_banner(),
            html.Main([*content, source], id="main", tabIndex="-1"),
            dcc.Store(id=params_id, data=view.query()),
        ]
    )


def explanation_page(svc: IndicatorService, why: Explanation) -> html.Div:
    """The Swedish page for a URL that names no view: what is wrong, where to go instead."""
    p = Params(svc.config.default_municipality, svc.years()[0])
    links = list(why.links) or [
        (f"Översikten för {svc.names[p.municipality]} {p.year}", overview_url(p))
    ]
    return html.Div(
        [
            views.header(svc, p, level="", path="/oversikt"),
            *stale_banner(),
            html.Main(explanation(why.message, links), id="main", **{"data-status": why.status}),
        ]
    )


def stale_banner() -> list[html.P]:
    """The line every page shows when the data may be out of date (nothing when fresh)."""
    text = get_runtime().freshness().banner()
    if text is None:
        return []
    return [html.P(["⚠ ", text], className="stale-banner", role="status", id="stale-banner")]


def render(
    route: str,
    data: Any,
    build: Callable[[IndicatorService, View], Any],
    *,
    segment: tuple[str, Any] | None = None,
    outputs: int = 1,
) -> Any:
    """A page's content callback: the stored view state read again through the boundary, then
    the view builder. An explanation fills the first output (the others are emptied)."""
    if data is None:  # the hidden skeleton of an explanation page
        raise PreventUpdate
    svc = get_service()
    segments = dict([segment]) if segment else {}
    view = read_view(svc, route, segments, data if isinstance(data, dict) else {"": data})
    if isinstance(view, Explanation):
        log.warning("Bad view state %s %s: %s", route, data, view.message)
        shown = explanation(view.message, list(view.links))
        return shown if outputs == 1 else (shown, *([[]] * (outputs - 1)))
    return build(svc, view)


def callback_failed(error: Exception) -> Any:
    """The last resort (Dash's on_error): a callback that raised anyway answers with the
    explanation where it fills content and changes nothing else; the error is logged whole
    and the answer is never cached."""
    dont_cache()
    outputs = dash.callback_context.outputs_list
    log.error("Callback %s failed", outputs, exc_info=error)
    svc = get_service()
    p = Params(svc.config.default_municipality, svc.years()[0])
    back = [(f"Översikten för {svc.names[p.municipality]} {p.year}", overview_url(p))]

    def answer(output: dict[str, Any]) -> Any:
        if output.get("id") == "_pages_content":
            return explanation_page(svc, Explanation(ERROR_MESSAGE, tuple(back), 500))
        if output.get("id") == "_pages_store":
            return {"title": "Sidan kunde inte visas – Kvalitetsvisaren"}
        if output.get("property") == "children":
            return explanation(ERROR_MESSAGE, back)
        return dash.no_update

    if isinstance(outputs, list):
        return [answer(o) for o in outputs]
    return answer(outputs)
