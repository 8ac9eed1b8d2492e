"""Level 2:3's list of units, a page at a time with a name search, and a chart per KPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from ..analysis import unit_list
from ..analysis.unit_list import BY_NAME, UnitPage
from ..config.models import Area
from ..labels import number
from ..present import charts
from . import ids
from .components import DROPDOWN_LABELS, chart
from .unit_compare import (
    result_cell,
)
from .unit_model import NO_VALUES, UnitsView
from .urls import Params, units_url
from .viewstate import MAX_SEARCH

# --- the list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPart:
    """What the list shows for a search, an order and a page number."""

    table: Any  # the table of the page's units
    status: str  # what was found
    pager: str  # "Sida 2 av 4"
    first: bool  # the page is the first (no previous page)
    last: bool  # the page is the last (no next page)
    number: int


def list_section(shown: UnitsView) -> html.Section:
    part = list_part(shown, BY_NAME, 1)
    return html.Section(
        [
            html.H2(f"Alla enheter ({number(float(len(shown.names)))})"),
            html.P(
                "Namnet leder till enhetens sida. Rutan före namnet väljer enheten för "
                f"jämförelsen ovan. ”{NO_VALUES}”: för få svarande eller inte rapporterat.",
                className="intro",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Sök enhet", htmlFor=ids.UNITS_SEARCH),
                            dcc.Input(
                                id=ids.UNITS_SEARCH,
                                type="search",
                                value=shown.view.search or "",
                                debounce=0.3,
                                maxLength=MAX_SEARCH,
                                placeholder="Namn eller Kolada-id",
                                autoComplete="off",
                            ),
                        ],
                        className="unit-search",
                    ),
                    html.Div(
                        [
                            html.Span("Ordning", id=f"{ids.UNITS_ORDER}-label"),
                            dcc.Dropdown(
                                id=ids.UNITS_ORDER,
                                options=order_options(shown),
                                value=BY_NAME,
                                clearable=False,
                                searchable=False,
                                labels=DROPDOWN_LABELS,
                            ),
                        ],
                        className="unit-order",
                        role="group",
                        **{"aria-labelledby": f"{ids.UNITS_ORDER}-label"},
                    ),
                ],
                className="unit-list-controls",
            ),
            html.P(part.status, id=ids.UNITS_LIST_STATUS, role="status"),
            html.Div(part.table, id=ids.UNITS_LIST, className="table-scroll"),
            html.Div(
                [
                    html.Button(
                        "‹ Föregående", id=ids.UNITS_PREVIOUS, type="button", disabled=part.first
                    ),
                    html.Span(part.pager, id=ids.UNITS_PAGER),
                    html.Button("Nästa ›", id=ids.UNITS_NEXT, type="button", disabled=part.last),
                ],
                className="pager",
                role="group",
                **{"aria-label": "Sidor"},
            ),
            dcc.Store(id=ids.UNITS_PAGE, data=part.number),
        ],
        id="enhetslista",
        className="unit-list",
    )


def order_options(shown: UnitsView) -> list[dict[str, str]]:
    """By name, or by each unit KPI best first (highest first without a direction)."""
    options = [{"label": "Namn (A–Ö)", "value": BY_NAME}]
    for kpi in shown.kpis:
        definition = shown.svc.config.kpi(kpi)
        end = "högst först" if definition.higher_is_better is None else "bäst först"
        options.append({"label": f"{definition.unit_label}, {end}", "value": kpi})
    return options


def list_part(shown: UnitsView, order: str, number_: int) -> ListPart:
    """The units that match the view's search, in `order`, page `number_`."""
    table = shown.table
    units = unit_list.units_of(table)
    found = unit_list.matching(units, shown.view.search)
    if order != BY_NAME:
        higher = shown.svc.config.kpi(order).higher_is_better
        found = unit_list.ordered(found, table, order, higher)
    page = unit_list.page_of(found, number_, len(units))
    return ListPart(
        unit_table(shown, page),
        list_status(page, shown.view.search),
        f"Sida {page.number} av {page.pages}",
        page.number == 1,
        page.number == page.pages,
        page.number,
    )


def list_status(page: UnitPage, search: str | None) -> str:
    """ "3 av 79 enheter har ”skola” i namnet.", "Visar 26–50 av 79 enheter." """
    if not page.matched:
        return f"Ingen enhet har ”{search}” i namnet."
    start = (page.number - 1) * unit_list.PAGE_SIZE + 1
    span = f"Visar {start}–{start + len(page.units) - 1}."
    if search:
        found = f"{page.matched} av {page.total} enheter har ”{search}” i namnet."
        return f"{found} {span}" if page.pages > 1 else found
    if page.pages > 1:
        return f"{span[:-1]} av {page.total} enheter."
    return "Visar den enda enheten." if page.total == 1 else f"Visar alla {page.total} enheter."


def unit_table(shown: UnitsView, page: UnitPage) -> html.Table | html.P:
    """A page of the list: a checkbox to compare, the name (to the unit's page), and each
    unit KPI's value and colour (icon and word; the place as the cell's title)."""
    if page.units.empty:
        return html.P("Inga enheter att visa.", className="notice")
    head = html.Tr(
        [
            html.Th("Jämför", scope="col"),
            html.Th("Enhet", scope="col"),
            *(_kpi_head(shown, kpi) for kpi in shown.kpis),
        ]
    )
    units = zip(page.units["ou_id"].tolist(), page.units["title"].tolist(), strict=True)
    rows = [_unit_row(shown, ou, title) for ou, title in units]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="unit-table")


def _kpi_head(shown: UnitsView, kpi: str) -> html.Th:
    d = shown.svc.config.kpi(kpi)
    unit = html.Span(f" ({d.unit_unit})", className="unit-of")
    return html.Th([d.unit_label, unit], scope="col", **{"data-kpi": kpi})


def _unit_row(shown: UnitsView, ou: str, title: str) -> html.Tr:
    pick = dcc.Checklist(
        id={"type": ids.UNITS_PICK_TYPE, "ou": ou},
        options=[{"label": f"Jämför {shown.names[ou]}", "value": ou}],
        value=[ou] if ou in shown.view.compare else [],
        className="unit-pick",
    )
    name = [
        dcc.Link(title, href=units_url(shown.area.id, shown.p, ou)),
        html.Span(ou, className="unit-id"),
    ]
    results = [
        result_cell(
            ou,
            k,
            shown.cells[(ou, k)],
            shown.svc.config.kpi(k).unit_unit,
            shown.p.year,
            place=False,
        )
        for k in shown.kpis
    ]
    return html.Tr([html.Td(pick), html.Th(name, scope="row"), *results], **{"data-ou": ou})


# --- one chart per KPI -------------------------------------------------------------------


def kpi_section(shown: UnitsView, kpi: str) -> html.Section:
    definition = shown.svc.config.kpi(kpi)
    return html.Section(
        [
            html.H2([html.Span(kpi, className="kpi-id"), " ", definition.unit_label]),
            html.Div(kpi_chart(shown, kpi), id={"type": ids.UNITS_CHART_TYPE, "kpi": kpi}),
            html.P(
                html.A(
                    "Visa alla enheter som tabell",
                    href="#enhetslista",
                    id={"type": ids.UNITS_SHOW_ALL_TYPE, "kpi": kpi},
                    title=f"Listan ovan, ordnad efter {definition.unit_label.lower()}",
                ),
                className="unit-show-all",
            ),
        ],
        className="unit-kpi",
        **{"data-kpi": kpi},
    )


def kpi_chart(shown: UnitsView, kpi: str) -> Any:
    """The KPI's best, worst and chosen units, or why there is nothing to draw."""
    p = shown.p
    spec = charts.units(
        shown.svc,
        shown.area.id,
        kpi,
        municipality=p.municipality,
        year=p.year,
        chosen=shown.view.compare,
    )
    if spec is None:
        text = f"Ingen {shown.area.unit_noun} i {shown.name} har värden för {p.year}."
        return html.P(text, className="notice")
    return chart(f"enheter-{kpi}", spec, p.municipality)


def _no_unit_year(area: Area, p: Params, years: list[int]) -> html.Div:
    links = [dcc.Link(str(y), href=units_url(area.id, p.with_(year=y))) for y in years]
    return html.Div(
        [
            html.P(f"Det finns inga uppgifter per enhet för {p.year}. Enhetsuppgifter finns för:"),
            html.P([item for link in links for item in (link, " ")]),
        ],
        className="notice",
        role="status",
    )
