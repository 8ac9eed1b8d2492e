"""Level 2:3 as Dash components, for any municipality (no callbacks here: pages/units.py).
The list page comes in two answers: units_content (the heading, the comparison, the list) and
units_charts (a chart per KPI, the own measures).

The units page is small whatever the municipality: the units compared side by side (jamfor=),
one list of the units a page at a time with a name search (sok=), and per KPI a chart of the
best, the worst and the chosen units; the whole list ordered by a KPI is the same paginated
list ("Visa alla enheter som tabell"). With enhet= it is one unit's own page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from dash import dcc, html

from ..analysis import unit_list
from ..analysis.unit_list import BY_NAME, UnitPage
from ..config.models import Area
from ..labels import number
from ..present import charts
from ..rows import row_dicts
from ..service.facade import IndicatorService
from . import ids, local_views
from .components import DROPDOWN_LABELS, badge, chart, legend
from .urls import Params, units_url
from .viewstate import MAX_COMPARE, MAX_SEARCH, View, urls_for

NO_VALUES = "Inga värden i Kolada"  # for a unit that never had one (too few answers, not reported)


def unit_rank_text(rank: float, n: float) -> str:
    """ "plats 316 av 2 344 enheter"; a context KPI has no place."""
    if pd.isna(rank):
        return "ingen placering (sammanhangsmått)"
    return f"plats {number(float(rank))} av {number(float(n))} enheter"


# Kolada publishes no respondent counts per unit: no interval is invented (issue 16).
NO_COUNT = "unknown"
UNIT_CERTAINTY = (
    "Kolada redovisar inte hur många som svarat per enhet, så hur säker en enhets färg är "
    "kan inte bedömas här."
)


def units_content(svc: IndicatorService, view: View) -> list:
    p = view.params
    name = svc.check_municipality(p.municipality)
    area = svc.area(view.area or "")
    if p.enhet:
        return _unit_page(svc, area, p, name)
    parts: list = [
        html.H1(f"Enheter inom {area.label.lower()} i {name} {p.year}"),
        html.P(
            f"Varje {area.unit_noun} jämförs med alla enheter av samma slag i landet; färgen visar "
            "var enheten hamnar bland dem. Under varje diagram står vilka jämförelselinjer "
            "(kommunen, riket) som finns för året. " + UNIT_CERTAINTY,
            className="intro",
        ),
        legend(),
    ]
    years = svc.unit_years(area.id, p.municipality)
    if p.year not in years:
        parts.append(_no_unit_year(area, p, years))
    shown = UnitsView(svc, view)
    own = local_views.units_own_sections(svc, area.id, p)  # (else with the charts)
    if not shown.kpis:
        parts.append(html.P("Kolada har inga uppgifter per enhet för områdets nyckeltal."))
        return parts + own
    if not shown.names:
        text = f"{name} har inga enheter inom {area.label.lower()} i Koladas enhetsdata."
        return [*parts, html.P(text, className="notice"), *own]
    return [
        *parts,
        comparison_section(shown),
        list_section(shown),
        dcc.Store(id=ids.UNITS_CHOSEN, data=list(view.compare)),
        dcc.Store(id=ids.UNITS_ADDRESS, data=urls_for(view)),
    ]


def units_charts(svc: IndicatorService, view: View) -> list:
    """The list page's second part, asked for beside the content (so that the heading, the
    comparison and the list show before the charts are drawn): per KPI a chart of the best,
    the worst and the chosen units, then the municipality's own measures. Nothing where the
    content says why there is no list (one unit's page, no unit KPIs, no units)."""
    if view.params.enhet:
        return []
    shown = UnitsView(svc, view)
    if not shown.kpis or not shown.names:
        return []
    own = local_views.units_own_sections(svc, shown.area.id, view.params)
    return [*(kpi_section(shown, kpi) for kpi in shown.kpis), *own]


@dataclass(frozen=True)
class UnitsView:
    """What every part of the list page needs: the view and the unit table of its year."""

    svc: IndicatorService
    view: View

    @property
    def p(self) -> Params:
        return self.view.params

    @property
    def area(self) -> Area:
        return self.svc.area(self.view.area or "")

    @property
    def name(self) -> str:
        return str(self.svc.names[self.p.municipality])

    @cached_property
    def kpis(self) -> list[str]:
        return self.svc.unit_kpis(self.area.id)

    @cached_property
    def table(self) -> pd.DataFrame:
        return self.svc.unit_table(self.area.id, self.p.municipality, self.p.year)

    @cached_property
    def names(self) -> dict[str, str]:
        """Each unit's name for a reader (with its id when another unit has the same name)."""
        return self.svc.unit_names(self.area.id, self.p.municipality, self.p.year)

    @cached_property
    def cells(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Each (ou_id, kpi) row of the table, for looking up one unit's result (a dict: a
        page of 25 units x 15 KPIs looked up through a MultiIndex took 75 ms)."""
        return {(r["ou_id"], r["kpi"]): r for r in row_dicts(self.table)}


# --- the comparison ----------------------------------------------------------------------


def comparison_section(shown: UnitsView) -> html.Section:
    chosen = shown.view.compare
    status = comparison_status(chosen, len(shown.names))
    return html.Section(
        [
            html.H2("Jämför enheter"),
            html.P(status, id=ids.UNITS_COMPARE_STATUS, role="status"),
            html.Div(comparison(shown), id=ids.UNITS_COMPARE, className="table-scroll"),
            html.Button(
                "Rensa jämförelsen",
                id=ids.UNITS_CLEAR,
                type="button",
                hidden=not chosen,
                className="unit-clear",
            ),
        ],
        id="jamforelse",
        className="unit-compare",
    )


def comparison_status(chosen: Sequence[str], units: int) -> str:
    if units < 2:
        return "Här finns bara en enhet, så det finns inget att jämföra den med."
    if not chosen:
        return (
            f"Markera 2–{MAX_COMPARE} enheter i listan nedan för att jämföra dem sida vid "
            "sida. Jämförelsen hamnar i adressen, så att den kan sparas som bokmärke."
        )
    if len(chosen) == 1:
        return "1 enhet vald. Markera minst en till i listan för att jämföra."
    return f"{len(chosen)} enheter jämförs (högst {MAX_COMPARE})."


def comparison(shown: UnitsView) -> list:
    """The area's unit KPIs (rows) for each chosen unit, the municipality and Riket (columns):
    value, colour as icon and word, and place among the country's units. A reference column
    without any value for the year is left out, and the reader told."""
    if not shown.view.compare:
        return []
    rows = shown.table.drop_duplicates("kpi")
    candidates = ((shown.name, "municipality_value", shown.name), ("Riket", "riket", "riket"))
    references = [(label, c) for label, c, _ in candidates if rows[c].notna().any()]
    missing = [word for _, c, word in candidates if not rows[c].notna().any()]
    head = html.Thead(
        html.Tr(
            [
                html.Th("Nyckeltal", scope="col"),
                *(_compared_unit(shown, ou) for ou in shown.view.compare),
                *(html.Th(label, scope="col") for label, _ in references),
            ]
        )
    )
    body = html.Tbody([_compared_kpi(shown, kpi, references) for kpi in shown.kpis])
    parts: list = [html.Table([head, body], className="unit-compare-table")]
    if missing:
        text = f"Kolada har inga värden för {' och '.join(missing)} {shown.p.year} för de här "
        parts.append(html.P(text + "nyckeltalen.", className="unit-note"))
    return parts


def _compared_unit(shown: UnitsView, ou: str) -> html.Th:
    """A chosen unit's column head: its name (to its page) and a button to take it out."""
    name = shown.names[ou]
    drop = html.Button(
        ["Ta bort", html.Span(f" {name}", className="visually-hidden")],
        id={"type": ids.UNITS_DROP_TYPE, "ou": ou},
        type="button",
        className="unit-drop",
    )
    link = dcc.Link(name, href=units_url(shown.area.id, shown.p, ou))
    return html.Th([link, " ", drop], scope="col", **{"data-ou": ou})


def _compared_kpi(shown: UnitsView, kpi: str, references: list[tuple[str, str]]) -> html.Tr:
    definition = shown.svc.config.kpi(kpi)
    unit = definition.unit_unit
    results = [shown.cells[(ou, kpi)] for ou in shown.view.compare]
    cells = [
        result_cell(ou, kpi, r, unit, shown.p.year, place=True)
        for ou, r in zip(shown.view.compare, results, strict=True)
    ]
    return html.Tr(
        [
            html.Th(definition.unit_label, scope="row"),
            *cells,
            *(html.Td(number(results[0][c], unit), className="num") for _, c in references),
        ],
        **{"data-kpi": kpi},
    )


def result_cell(ou: str, kpi: str, r: Any, unit: str, year: int, *, place: bool) -> html.Td:
    """One unit's result for one KPI: its value, the colour as icon and word, and its place
    (written out with `place`, else as the cell's title; or why there is no value)."""
    colour = str(r["colour"])
    data = {"data-kpi": kpi, "data-quartile": colour, "data-certainty": NO_COUNT}
    data |= {"data-ou": ou} if place else {}
    if pd.isna(r["value"]):
        why = f"Ingen uppgift för {year}" if r["has_any_value"] else NO_VALUES
        return html.Td(why, className="no-data", **data)
    rank = unit_rank_text(r["rank"], r["n"])
    parts: list = [number(r["value"], unit), " ", badge(colour, small=True)]
    if place:
        return html.Td([*parts, html.Span(rank, className="unit-place")], **data)
    return html.Td(parts, title=rank, **data)


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


# --- one unit ----------------------------------------------------------------------------


def _unit_page(svc: IndicatorService, area: Area, p: Params, name: str) -> list:
    unit = svc.unit(p.enhet or "")
    trend = svc.unit_trend(unit["id"])
    parts: list = [
        html.H1(unit["title"]),
        html.P(
            f"{area.unit_noun.capitalize()} i {name}. Färgen visar var enheten hamnar bland "
            "landets enheter av samma slag. Med flera års värden visas utvecklingen bredvid "
            "kommunens och rikets värden, de år datan har dem. " + UNIT_CERTAINTY,
            className="intro",
        ),
        legend(),
    ]
    if trend.empty:
        parts.append(
            html.P(
                "Kolada har inga värden för enheten (för få svarande eller inte rapporterat).",
                className="notice",
            )
        )
    for kpi, rows in trend.groupby("kpi", sort=False):
        latest = rows.iloc[-1]
        definition = svc.config.kpi(kpi)
        # one year is a value, not a trend: no chart for it
        spec = charts.unit(svc, area.id, unit["id"], kpi, municipality=p.municipality, year=p.year)
        parts.append(
            html.Section(
                [
                    html.H2([html.Span(kpi, className="kpi-id"), " ", definition.unit_label]),
                    html.P(
                        [
                            f"{int(latest['year'])}: "
                            f"{number(latest['value'], definition.unit_unit)} ",
                            badge(latest["colour"], small=True),
                            " " + unit_rank_text(latest["rank"], latest["n"]),
                        ],
                        className="unit-value",
                    ),
                    chart(f"enhet-{kpi}", spec, p.municipality) if spec is not None else None,
                ],
                className="unit-kpi",
                **{"data-kpi": kpi, "data-quartile": latest["colour"], "data-certainty": NO_COUNT},
            )
        )
    parts += local_views.unit_own_sections(svc, area.id, unit["id"], p)
    parts.append(dcc.Link(f"Alla enheter i {name}", href=units_url(area.id, p.with_(enhet=None))))
    return parts
