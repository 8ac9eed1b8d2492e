"""Level 2:3 as Dash components, for any municipality (no callbacks here: pages/units.py).
The list page comes in two answers: units_content (the heading, the comparison, the list) and
units_charts (a chart per KPI, the own measures).

The units page is small whatever the municipality: the units compared side by side (jamfor=),
one list of the units a page at a time with a name search (sok=), and per KPI a chart of the
best, the worst and the chosen units; the whole list ordered by a KPI is the same paginated
list ("Visa alla enheter som tabell"). With enhet= it is one unit's own page.
"""

from __future__ import annotations

from dash import dcc, html

from ..config.models import Area
from ..labels import number
from ..present import charts
from ..service.facade import IndicatorService
from . import ids, local_views
from .components import badge, chart, legend
from .unit_compare import (
    comparison_section,
)
from .unit_lists import (
    _no_unit_year,
    kpi_section,
    list_section,
)
from .unit_model import NO_COUNT, UNIT_CERTAINTY, UnitsView, unit_rank_text
from .urls import Params, units_url
from .viewstate import View, urls_for


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
