"""The local layer in the views: own measures (lokala uppgifter) beside the Kolada measures,
their own page (/lokalt/<matt>), and the municipality's targets and analysis.

Own measures never get a quartile colour: they carry the "Lokal uppgift" badge instead.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from ..labels import number
from ..present import charts
from ..service import certainty_view
from ..service.facade import IndicatorService
from .components import analysis, chart, flag_marks, local_badge, target_mark, trend_mark
from .urls import Params, own_url

LOCAL_NOTE = (
    "Kommunens egna mätningar. De jämförs inte med landets kommuner och färgsätts därför inte."
)


def _value_text(row: Any) -> str:
    """The value of the view's year only (a later value would claim what that year lacks)."""
    if pd.notna(row.value):
        return f"{row.year}: {number(row.value, row.unit)}"
    if row.units:
        return f"{row.year}: {row.units} enheter"
    years = ", ".join(str(y) for y in row.years)
    return f"Inget värde för {row.year} (måttet har värden för {years})"


def _value_cell(row: Any) -> list | str:
    """The value and, for a share with its respondents given, its margin ("felmarginal
    89–96 %"); only the value where no count is given (nothing is invented)."""
    margin = certainty_view.interval_text(row.lo, row.hi, row.unit)
    if not margin or pd.isna(row.value):
        return _value_text(row)
    return [_value_text(row), html.Br(), html.Span(margin, className="interval")]


def _respondents(row: Any) -> list:
    """ "13 svarande" and "få svar" when the own measure says how many answered."""
    if pd.isna(row.respondents):
        return []
    return [f"{int(row.respondents)} svarande ", flag_marks(row.flags)]


def own_tiles(svc: IndicatorService, area: str, p: Params) -> list:
    """Level 1: a tile per own measure of the area (nothing if the municipality has none)."""
    rows = svc.own_measures(area, p.municipality, p.year)
    if rows.empty:
        return []
    tiles = [
        html.Div(
            [
                html.H3(
                    dcc.Link(r.label, href=own_url(r.measure_id, p), className="tile-link"),
                    className="tile-title",
                ),
                local_badge(),
                html.P(_value_text(r), className="tile-rank"),
                html.P(_respondents(r), className="tile-respondents"),
                html.P(
                    target_mark(r.target_status, r.target, r.unit, r.certainty),
                    className="tile-trend",
                ),
            ],
            className="tile tile-local",
            **{"data-own-measure": r.measure_id},
        )
        for r in rows.itertuples()
    ]
    return [
        html.H3("Lokala uppgifter (jämförs inte med landet)", className="context-heading"),
        html.Div(tiles, className="tiles tiles-context"),
    ]


def own_section(svc: IndicatorService, area: str, p: Params) -> list:
    """Level 2: the area's own measures as a table next to the Kolada measures."""
    rows = svc.own_measures(area, p.municipality, p.year)
    if rows.empty:
        return []
    head = ["Lokalt mått", "", "Värde", "Förändring", "Svarande", "Enheter", "Mål", "Vår analys"]
    body = [
        html.Tr(
            [
                html.Th(dcc.Link(r.label, href=own_url(r.measure_id, p)), scope="row"),
                html.Td(local_badge()),
                html.Td(_value_cell(r), className="num"),
                html.Td(
                    [
                        trend_mark(r.trend, r.value - r.previous_value, r.unit),
                        f" sedan {int(r.previous_year)}",
                    ]
                    if pd.notna(r.value) and pd.notna(r.previous_value)
                    else "–"
                ),
                html.Td(_respondents(r) or "–"),
                html.Td(str(r.units) if r.units else "–", className="num"),
                html.Td(target_mark(r.target_status, r.target, r.unit, r.certainty)),
                html.Td(r.comment),
            ],
            **{"data-own-measure": r.measure_id},
        )
        for r in rows.itertuples()
    ]
    return [
        html.Section(
            [
                html.H2(["Lokala uppgifter ", local_badge()]),
                html.P(LOCAL_NOTE, className="intro"),
                html.Div(
                    html.Table(
                        [
                            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                            html.Tbody(body),
                        ],
                        className="kpi-table own-table",
                    ),
                    className="table-scroll",
                ),
            ],
            id="lokala-uppgifter",
            className="measure own-measures",
        )
    ]


def own_page(svc: IndicatorService, measure_id: str, p: Params) -> list:
    """/lokalt/<matt>: the own measure over the years for the municipality, its units
    compared with each other, the targets and the analysis."""
    name = svc.check_municipality(p.municipality)
    info = svc.own_measure(measure_id)
    area = svc.area(info["area"])
    where = {"municipality": p.municipality, "year": p.year}
    parts: list = [
        html.H1([info["label"], " ", local_badge()]),
        html.P(f"{area.label} i {name}. {LOCAL_NOTE}", className="intro"),
    ]
    summary = svc.own_measures(area.id, p.municipality, p.year)
    mine = summary[summary["measure_id"] == measure_id]
    if mine.empty:
        parts.append(html.P(f"{name} har inga värden för måttet.", className="notice"))
        return parts
    row = next(mine.itertuples())
    parts.append(
        html.P(
            [_value_text(row), " ", target_mark(row.target_status, row.target, row.unit)],
            className="summary-head",
        )
    )
    parts.append(analysis(row.comment))
    trend = charts.own_trend(svc, measure_id, **where)
    if trend is not None:
        parts.append(
            html.Section([html.H2("Utveckling"), chart("lokal-trend", trend, p.municipality)])
        )
    units = charts.own_units(svc, measure_id, ou=p.enhet, **where)
    if units is not None:
        heading = html.H2(f"Enheterna jämförda ({units.year})")
        parts.append(html.Section([heading, chart("lokal-enheter", units, p.municipality)]))
    sources = ", ".join(info["sources"])
    parts.append(html.P(f"Källa: kommunens egen uppgift (fil {sources}).", className="source-line"))
    return parts


def unit_own_sections(svc: IndicatorService, area: str, ou_id: str, p: Params) -> list:
    """Level 2:3, one unit: its own measures beside its Kolada results: the unit over the
    years and its place among the municipality's units."""
    parts: list = []
    for measure_id in svc.own_measures_of_unit(ou_id):
        info = svc.own_measure(measure_id)
        if info["area"] != area:
            continue
        trend = charts.own_trend(
            svc, measure_id, ou=ou_id, municipality=p.municipality, year=p.year
        )
        units = charts.own_units(
            svc, measure_id, ou=ou_id, municipality=p.municipality, year=p.year
        )
        place = ""
        if units is not None:
            ranks = svc.own_units(measure_id, p.municipality, units.year).set_index("ou_id")
            if ou_id in ranks.index:
                value = number(ranks.at[ou_id, "value"], info["unit"])
                place = (
                    f"{units.year}: {value}, plats {ranks.at[ou_id, 'place']} av "
                    f"{ranks.at[ou_id, 'n']} i kommunen"
                )
        parts.append(
            html.Section(
                [
                    html.H2([info["label"], " ", local_badge()]),
                    html.P(place, className="own-place") if place else None,
                    chart(f"lokal-enhet-{measure_id}", trend, p.municipality) if trend else None,
                    chart(f"lokal-enheter-{measure_id}", units, p.municipality) if units else None,
                    dcc.Link("Om måttet", href=own_url(measure_id, p.with_(enhet=None))),
                ],
                className="unit-kpi own-measure",
                **{"data-own-measure": measure_id},
            )
        )
    return parts


def units_own_sections(svc: IndicatorService, area: str, p: Params) -> list:
    """Level 2:3, all units: each own measure with unit values, the units compared."""
    rows = svc.own_measures(area, p.municipality, p.year)
    parts: list = []
    for r in rows[rows["units"] > 0].itertuples():
        spec = charts.own_units(svc, r.measure_id, municipality=p.municipality, year=p.year)
        if spec is None:
            continue
        parts.append(
            html.Section(
                [
                    html.H2([r.label, " ", local_badge()]),
                    chart(f"lokal-enheter-{r.measure_id}", spec, p.municipality),
                ],
                className="unit-kpi own-measure",
                **{"data-own-measure": r.measure_id},
            )
        )
    return parts


def targets_summary(row: Any) -> str:
    """Level 1 tile: how many of the measure's KPIs met their local target this year."""
    if not row.targets_set:
        return ""
    icon = "✓" if row.targets_met == row.targets_set else "✗"
    return f"{icon} Mål: {row.targets_met} av {row.targets_set} nådda"
