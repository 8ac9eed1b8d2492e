"""Level 1: one tile per quality measure per area, and the area's notes and links."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from ...analysis.trends import attribute
from ...config.models import Area
from ...labels import NBSP, QUARTILES, number
from ...rows import records
from ...service import certainty_view
from ...service.facade import IndicatorService
from .. import certainty_components as certainty
from .. import local_views
from ..components import (
    badge,
    flag_marks,
    flags_in,
    legend,
)
from ..urls import Params, area_url, units_url
from .header import (
    _units_year,
)
from .links import area_downloads, onepager_link, overview_deck_link

# --- level 1 ---------------------------------------------------------------------------


def overview_content(svc: IndicatorService, p: Params) -> list:
    name = svc.check_municipality(p.municipality)
    summaries = svc.overview(p.municipality, p.year)
    sections = []
    for summary in summaries:
        area = svc.area(summary.area)
        measures = records(summary.measures)
        quality = [m for m in measures if m.kind == "quality"]
        context = [m for m in measures if m.kind == "context"]
        sections.append(
            html.Section(
                [
                    html.H2(dcc.Link(area.label, href=area_url(area.id, p))),
                    html.P(summary.verdict, className="verdict"),
                    *year_notes(svc, area.id, p.year),
                    onepager_link(area, p),
                    area_downloads(area, p),
                    html.Div([_tile(row, area, p) for row in quality], className="tiles"),
                    html.H3("Sammanhang (färgsätts inte)", className="context-heading"),
                    html.Div(
                        [_context_tile(row, area, p) for row in context],
                        className="tiles tiles-context",
                    ),
                    *local_views.own_tiles(svc, area.id, p),
                    units_link(svc, area, p),
                ],
                className="area",
                id=f"omrade-{area.id}",
                **{"data-area": area.id},
            )
        )
    shown = flags_in(f for s in summaries for f in s.measures["flags"])
    for s in summaries:
        shown |= flags_in(svc.own_measures(s.area, p.municipality, p.year)["flags"])
    return [
        html.H1(f"Kvalitet i {name} {p.year}"),
        html.P(
            f"Färgen visar var {name} hamnar bland landets kommuner för varje kvalitetsmått: "
            "de 25 % bästa, de 50 % i mitten eller de 25 % sämsta. Färgen säger var kommunen "
            "står jämfört med andra, inte om resultatet i sig är bra. Pilen säger hur "
            "måttets nyckeltal har ändrats sedan förra mätningen.",
            className="intro",
        ),
        overview_deck_link(p),
        legend(shown),
        *sections,
        html.P(
            dcc.Link("Lägg till kommunens egna mått (lokala uppgifter)", href="/ladda-upp"),
            className="units-link",
        ),
    ]


def year_notes(svc: IndicatorService, area: str, year: int) -> list:
    """Why much of the area is empty this year, when a whole source has nothing for it."""
    return [html.P(note, className="notice", role="status") for note in svc.year_notes(area, year)]


def units_link(svc: IndicatorService, area: Area, p: Params) -> html.P:
    """To the area's units, on a year they have data for (saying so when it is another)."""
    target = _units_year(svc, area.id, p)
    other = f", uppgifter per enhet för {target.year}" if target.year != p.year else ""
    return html.P(
        dcc.Link(f"Se varje {area.unit_noun} (nivå 2:3{other})", href=units_url(area.id, target)),
        className="units-link",
    )


def _tile(row: Any, area: Area, p: Params) -> html.Div:
    # One text, not a span per colour: the browser's Dash renderer costs grow with the square
    # of the components a callback brings, and these were a quarter of the overview's.
    counts = {c: getattr(row, f"kpis_{c}") for c in ("green", "yellow", "red", "grey")}
    shown = f"{NBSP}{NBSP} ".join(f"{QUARTILES[c][0]}{NBSP}{n}" for c, n in counts.items())
    spelled = ", ".join(f"{n} {QUARTILES[c][1].lower()}" for c, n in counts.items())
    # issue 16: the place with the range the margins of error allow ("sannolikt mellan …")
    place = (
        certainty_view.place_text(row.rank, row.n, row.place_best, row.place_worst)
        if pd.notna(row.rank)
        else row.missing or "ingen placering"
    )
    targets = local_views.targets_summary(row)
    return html.Div(
        [
            html.H3(
                dcc.Link(
                    row.label, href=area_url(area.id, p, anchor=row.measure), className="tile-link"
                ),
                className="tile-title",
            ),
            badge(row.colour, certainty=row.certainty),
            certainty.certainty_note(row, row.colour, "tile-certainty"),
            html.P(place, className="tile-rank"),
            html.P(row.trend_text, className="tile-trend", **{"data-trend": attribute(row.trend)})
            if row.trend_text
            else None,
            _survey_note(row.respondents_text, row.flags, "tile-respondents"),
            html.P(
                f"Nyckeltal: {shown}",
                className="tile-counts",
                title=f"Måttets nyckeltal per färg: {spelled}",
            ),
            html.P(targets, className="tile-targets") if targets else None,
        ],
        className=f"tile tile-{row.colour}",
        **{
            "data-measure": row.measure,
            "data-quartile": row.colour,
            **certainty.attrs(row.certainty),
            "data-trend": attribute(row.trend),
        },
    )


def _survey_note(respondents: str, flags: Any, class_name: str) -> html.P | None:
    """ "503 svarande" and the result's flags ("få svar"), when there is either."""
    if not respondents and not flags:
        return None
    return html.P([respondents, " ", flag_marks(flags)], className=class_name)


def _context_tile(row: Any, area: Area, p: Params) -> html.Div:
    return html.Div(
        [
            html.H3(
                dcc.Link(
                    row.label, href=area_url(area.id, p, anchor=row.measure), className="tile-link"
                ),
                className="tile-title",
            ),
            badge("neutral"),
            html.P(
                f"{row.headline_label}: {number(row.headline_value, row.headline_unit)}",
                className="tile-rank",
            ),
        ],
        className="tile tile-neutral",
        **{
            "data-measure": row.measure,
            "data-quartile": "neutral",
            "data-certainty": "unknown",
            "data-trend": "none",
        },
    )
