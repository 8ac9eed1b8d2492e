"""Level 2: an area's measures, each with its KPIs' table and chart."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from ...analysis import learning
from ...analysis.trends import attribute
from ...config.models import Area
from ...labels import is_missing, number
from ...rows import records
from ...service import certainty_view, kpi_table
from ...service.facade import IndicatorService
from .. import certainty_components as certainty
from .. import local_views
from ..components import (
    badge,
    flag_marks,
    flags_in,
    lazy_chart,
    legend,
    target_mark,
    trend_mark,
)
from ..urls import Params, kpi_url
from .links import area_downloads, onepager_link
from .overview import units_link, year_notes

# --- level 2 ---------------------------------------------------------------------------


def area_content(svc: IndicatorService, area_id: str, p: Params) -> list:
    name = svc.check_municipality(p.municipality)
    area = svc.area(area_id)
    summary = svc.area_summary(area_id, p.municipality, p.year)
    kpis = svc.area_kpis(area_id, p.municipality, p.year)
    own = svc.own_measures(area_id, p.municipality, p.year)
    local = kpi_table.has_local(kpis, printed=False)
    # The area's rows read once, then grouped: a frame slice and a read per measure cost
    # more than the rest of the page.
    by_measure: dict[str, list] = {}
    for row in records(kpis):
        by_measure.setdefault(row.measure, []).append(row)
    sections = []
    for measure in records(summary.measures):
        rows = by_measure.get(measure.measure, [])
        graph = []
        if any(not is_missing(r.value) for r in rows):
            query = {"kommun": p.municipality, "ar": str(p.year), "area": area_id}
            graph_id = f"matt-{measure.measure}"
            graph = [lazy_chart(graph_id, "matt", {**query, "measure": measure.measure}, "Diagram")]
        sections.append(
            html.Section(
                [
                    html.H2(
                        [
                            measure.label,
                            " ",
                            badge(measure.colour, small=True, certainty=measure.certainty),
                        ]
                    ),
                    certainty.certainty_note(measure, measure.colour, "measure-certainty"),
                    html.P(
                        measure.trend_text,
                        className="measure-trend",
                        **{"data-trend": attribute(measure.trend)},
                    )
                    if measure.trend_text
                    else None,
                    html.Div(_kpi_table(rows, area, p, local), className="table-scroll"),
                    *graph,
                ],
                id=measure.measure,
                className="measure",
                **{
                    "data-measure": measure.measure,
                    "data-quartile": measure.colour,
                    **certainty.attrs(measure.certainty),
                    "data-trend": attribute(measure.trend),
                },
            )
        )
    return [
        html.H1(f"{area.label} i {name} {p.year}"),
        html.P(summary.verdict, className="verdict"),
        *year_notes(svc, area_id, p.year),
        onepager_link(area, p),
        area_downloads(area, p, tiles=False),
        legend(flags_in(kpis["flags"]) | flags_in(own["flags"])),
        *sections,
        *local_views.own_section(svc, area_id, p),
        units_link(svc, area, p),
    ]


def _kpi_table(rows: list, area: Area, p: Params, local: bool) -> html.Table:
    """The measure's KPIs (rows.records of area_kpis: kpi_table.COLUMNS); with `local`, the
    municipality's targets and analysis too."""
    shown = kpi_table.columns(local=local, printed=False)
    head = [c.heading for c in shown]
    body = [
        html.Tr(
            [_kpi_cell(c.key, r, area, p) for c in shown],
            **{
                "data-kpi": r.kpi,
                "data-quartile": r.colour,
                **certainty.attrs(r.certainty),
                "data-trend": attribute(r.trend),
            },
        )
        for r in rows
    ]
    for row in body:  # each cell's heading, shown beside it where the rows are cards
        for cell, heading in zip(row.children[1:], head[1:], strict=True):
            setattr(cell, "data-label", heading)
    return html.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body)],
        className="kpi-table",
    )


def _kpi_cell(key: str, r: Any, area: Area, p: Params) -> html.Th | html.Td:
    """One cell of a KPI's row on the page: the column `key` of kpi_table.COLUMNS."""
    if key == "kpi":
        return html.Th(dcc.Link(r.label, href=kpi_url(r.kpi, p, area.id)), scope="row")
    if key in ("value", "riket"):
        return html.Td(_value_cell(r) if key == "value" else _riket_cell(r), className="num")
    cells = {
        "colour": lambda: [
            badge(r.colour, small=True, certainty=r.certainty),
            *_line(certainty.certainty_words(r, r.colour)),
        ],
        "place": lambda: r.rank_text if pd.notna(r.value) else r.missing,
        "change": lambda: _change(r),
        "flags": lambda: flag_marks(r.flags),
        "learn": lambda: _learn_link(r, area, p),
        "target": lambda: target_mark(r.target_status, r.target, r.unit),
        "comment": lambda: r.comment,
    }
    return html.Td(cells[key]())


def _riket_cell(row: Any) -> list:
    """Riket's value, and under it whether the municipality's interval excludes it."""
    differs = _small(certainty_view.differs_text(row.differs), "differs")
    return [number(row.riket, row.unit), *_line(differs)]


def _value_cell(row: Any) -> list:
    """The value, and for a survey result its respondents ("503 svarande") and its interval
    ("felmarginal 89–96 %") under it."""
    small = [html.Br(), html.Small(row.respondents_text)] if row.respondents_text else []
    interval = certainty.interval_words(row, row.unit)
    small += _line(_small(interval, "interval"))
    return [number(row.value, row.unit), *small]


def _line(component: Any) -> list:
    """A small second line in a cell, or nothing."""
    return [] if component is None else [html.Br(), component]


def _small(text: str, kind: str) -> html.Small | None:
    return html.Small(text, className=f"cell-{kind}") if text else None


def _change(row: Any) -> list:
    """The change of value and the year it is against ("↓ −2 p.e. (sämre) sedan 2020"; a
    survey share within its margin of error: "(oförändrat inom felmarginalen)")."""
    if pd.isna(row.change):
        return [trend_mark(row.trend, row.change, row.unit)]
    return [certainty.change_mark(row), f" sedan {int(row.previous_year)}"]


def _learn_link(row: Any, area: Area, p: Params) -> Any:
    """Where the result is red or got worse, a way to the peers who do better (never for a
    KPI shown as context)."""
    if not learning.is_weak(row.colour, row.trend) or pd.isna(row.value):
        return ""
    return dcc.Link("Vem gör bättre?", href=kpi_url(row.kpi, p, area.id) + "#lar-av-andra")
