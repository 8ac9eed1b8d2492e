"""Level 2:3: /enheter/<area>?kommun=&ar=&jamfor=&sok=&enhet=: the municipality's units, each
against all units of its kind in the country; with enhet= one unit's own page. Without a year
it opens on the latest year with unit data (the boundary's default for this page).

One round of callbacks per page view (the Store -> the content, and beside it the charts) and
one per reader's action: the list's search, order and page (update_list), and the units
compared (update_comparison). The
checkboxes and "Ta bort" buttons only change the chosen units in the browser (clientside, in
assets/units.js), which then asks for the comparison once; the URL follows each change by
history.replaceState (no new page view), so a comparison can be bookmarked. Every callback
reads its state again through the URL boundary (viewstate)."""

from __future__ import annotations

from typing import Any

import dash
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
)

from ...analysis.unit_list import BY_NAME
from ...service.facade import IndicatorService
from .. import ids, pagekit, unit_compare, unit_lists, unit_views
from ..runtime import get_service
from ..unit_model import UnitsView
from ..viewstate import MAX_COMPARE, PATHS, UNITS, Explanation, View, read_view, urls_for


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
    # the spinner only for the whole content, not for the list's or the comparison's answers
    content: list = [
        dcc.Loading(
            html.Div(id=ids.UNITS_CONTENT),
            type="dot",
            target_components={ids.UNITS_CONTENT: "children"},
        ),
        dcc.Loading(
            html.Div(id=ids.UNITS_CHARTS),
            type="dot",
            target_components={ids.UNITS_CHARTS: "children"},
        ),
    ]
    return pagekit.page(UNITS, arguments, content, ids.UNITS_PARAMS, segment_id=ids.UNITS_AREA)


def _content(svc: IndicatorService, view: View) -> list:
    """The heading, the list and the comparison; its Store asks for the charts once they
    are on screen (a big municipality's charts would otherwise keep the browser busy before
    the heading shows: Uppsala's förskolor, 4 s)."""
    return [*unit_views.units_content(svc, view), dcc.Store(id=ids.UNITS_SHOWN, data=view.query())]


@callback(
    Output(ids.UNITS_CONTENT, "children"),
    Input(ids.UNITS_PARAMS, "data"),
    State(ids.UNITS_AREA, "data"),
)
def update_units(params: dict, area: str) -> list:
    return pagekit.render(UNITS, params, _content, segment=("area", area))


@callback(
    Output(ids.UNITS_CHARTS, "children"),
    Input(ids.UNITS_SHOWN, "data"),
    State(ids.UNITS_AREA, "data"),
)
def update_unit_charts(params: Any, area: Any) -> list:
    """Asked for when update_units' content is on screen (its UNITS_SHOWN Store); a view it
    cannot show is the content's to explain (and has no such Store)."""
    if not isinstance(params, dict):
        raise dash.exceptions.PreventUpdate
    view = read_view(get_service(), UNITS, {"area": area}, params)
    return unit_views.units_charts(get_service(), view) if isinstance(view, View) else []


def read_units_view(params: Any, area: Any, search: Any, chosen: Any) -> View | Explanation:
    """The page's view with the list's search and the chosen units as they are now."""
    query = {k: v for k, v in params.items() if k not in ("sok", "jamfor")}
    if isinstance(search, str):
        query["sok"] = search
    units = [u for u in chosen if isinstance(u, str)] if isinstance(chosen, list) else []
    if units:
        query["jamfor"] = ",".join(units)
    return read_view(get_service(), UNITS, {"area": area}, query)


@callback(
    Output(ids.UNITS_LIST, "children"),
    Output(ids.UNITS_LIST_STATUS, "children"),
    Output(ids.UNITS_PAGER, "children"),
    Output(ids.UNITS_PREVIOUS, "disabled"),
    Output(ids.UNITS_NEXT, "disabled"),
    Output(ids.UNITS_PAGE, "data"),
    Output(ids.UNITS_ADDRESS, "data", allow_duplicate=True),
    Input(ids.UNITS_SEARCH, "value"),
    Input(ids.UNITS_ORDER, "value"),
    Input(ids.UNITS_PREVIOUS, "n_clicks"),
    Input(ids.UNITS_NEXT, "n_clicks"),
    State(ids.UNITS_PAGE, "data"),
    State(ids.UNITS_CHOSEN, "data"),
    State(ids.UNITS_PARAMS, "data"),
    State(ids.UNITS_AREA, "data"),
    prevent_initial_call=True,
)
def update_list(
    search: Any,
    order: Any,
    _previous: Any,
    _next: Any,
    page: Any,
    chosen: Any,
    params: Any,
    area: Any,
) -> tuple:
    """A search, another order (also by "Visa alla enheter som tabell" under a chart, in the
    browser), another page: the list from its first page (or the page next to this one)."""
    if not isinstance(params, dict):
        raise dash.exceptions.PreventUpdate
    view = read_units_view(params, area, search, chosen)
    if isinstance(view, Explanation):
        return [], view.message, "", True, True, 1, dash.no_update
    shown = UnitsView(get_service(), view)
    order, number = _list_position(dash.ctx.triggered_id, order, page, shown.kpis)
    part = unit_lists.list_part(shown, order, number)
    return (
        part.table,
        part.status,
        part.pager,
        part.first,
        part.last,
        part.number,
        urls_for(view),
    )


def _list_position(trigger: Any, order: Any, page: Any, kpis: list[str]) -> tuple[str, int]:
    """The list's order and page after what the reader did (`trigger`, a component id)."""
    order = order if order in kpis else BY_NAME
    number = page if type(page) is int else 1
    steps = {ids.UNITS_PREVIOUS: -1, ids.UNITS_NEXT: 1}
    return order, number + steps[trigger] if trigger in steps else 1


@callback(
    Output(ids.UNITS_COMPARE, "children"),
    Output(ids.UNITS_COMPARE_STATUS, "children"),
    Output(ids.UNITS_CLEAR, "hidden"),
    Output({"type": ids.UNITS_CHART_TYPE, "kpi": ALL}, "children"),
    Output({"type": ids.UNITS_PICK_TYPE, "ou": ALL}, "value"),
    Output(ids.UNITS_CHOSEN, "data", allow_duplicate=True),
    Output(ids.UNITS_ADDRESS, "data", allow_duplicate=True),
    Input(ids.UNITS_CHOSEN, "data"),
    State(ids.UNITS_SEARCH, "value"),
    State({"type": ids.UNITS_PICK_TYPE, "ou": ALL}, "value"),
    State(ids.UNITS_PARAMS, "data"),
    State(ids.UNITS_AREA, "data"),
    prevent_initial_call=True,
)
def update_comparison(chosen: Any, search: Any, picks: Any, params: Any, area: Any) -> tuple:
    """The chosen units changed: the comparison, the charts (which mark them) and the
    address. More than MAX_COMPARE: the last one checked is left out, and the reader told."""
    if not isinstance(params, dict):
        raise dash.exceptions.PreventUpdate
    outputs = dash.ctx.outputs_list
    charts_ids = [o["id"]["kpi"] for o in outputs[3]]
    rows = [o["id"]["ou"] for o in outputs[4]]
    view = read_units_view(params, area, search, chosen)
    note = ""
    if isinstance(view, Explanation) and isinstance(chosen, list) and len(chosen) > MAX_COMPARE:
        note = f"{view.message} Den senast markerade togs inte med. "
        chosen = chosen[:MAX_COMPARE]
        view = read_units_view(params, area, search, chosen)
    if isinstance(view, Explanation):
        keep = [dash.no_update] * len(charts_ids)
        return view.message, "", True, keep, [dash.no_update] * len(rows), [], dash.no_update
    shown = UnitsView(get_service(), view)
    chosen = list(view.compare)
    checked = [[ou] if ou in chosen else [] for ou in rows]
    return (
        unit_compare.comparison(shown),
        note + unit_compare.comparison_status(chosen, len(shown.names)),
        not chosen,
        [unit_lists.kpi_chart(shown, k) if k in shown.kpis else dash.no_update for k in charts_ids],
        checked if checked != picks else [dash.no_update] * len(rows),
        chosen,
        urls_for(view),
    )


# In the browser (assets/units.js): a row's checkbox or a "Ta bort" button changes the chosen
# units; the address follows (replaceState: the reader's Back goes to the page before).
clientside_callback(
    ClientsideFunction("kvalitetsvisaren", "choose"),
    Output(ids.UNITS_CHOSEN, "data", allow_duplicate=True),
    Input({"type": ids.UNITS_PICK_TYPE, "ou": ALL}, "value"),
    State({"type": ids.UNITS_PICK_TYPE, "ou": ALL}, "id"),
    State(ids.UNITS_CHOSEN, "data"),
    prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("kvalitetsvisaren", "drop"),
    Output(ids.UNITS_CHOSEN, "data", allow_duplicate=True),
    Input({"type": ids.UNITS_DROP_TYPE, "ou": ALL}, "n_clicks"),
    Input(ids.UNITS_CLEAR, "n_clicks"),
    State(ids.UNITS_CHOSEN, "data"),
    prevent_initial_call=True,
)
# "Visa alla enheter som tabell" under a KPI's chart: the list ordered by that KPI (the order's
# change asks for the list). In the browser, as the charts come in their own answer: a server
# callback with these links as inputs would be called each time they appear.
clientside_callback(
    ClientsideFunction("kvalitetsvisaren", "showAll"),
    Output(ids.UNITS_ORDER, "value"),
    Input({"type": ids.UNITS_SHOW_ALL_TYPE, "kpi": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("kvalitetsvisaren", "keepAddress"),
    Input(ids.UNITS_ADDRESS, "data"),
    prevent_initial_call=True,
)
