"""Level 2:3's comparison: 2-5 units side by side, each KPI a row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from dash import dcc, html

from ..labels import number
from . import ids
from .components import badge
from .unit_model import NO_COUNT, NO_VALUES, UnitsView, unit_rank_text
from .urls import units_url
from .viewstate import MAX_COMPARE

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
