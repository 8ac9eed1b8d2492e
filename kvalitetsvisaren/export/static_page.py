"""A municipality's overview as one self-contained HTML file (`kvalitetsvisaren export
--format html`, issue 17): for a website, an e-mail or an archive, readable offline and
without a server. All areas' tiles (colour with icon and word, place, trend), each area's
verdict, a table with the same content, the source line and the data's vintage.

No scripts, no external resources: the stylesheet (assets/style.css, whose colours meet WCAG
2.1 AA, see tests/test_style.py) is inlined, the fonts are the reader's own. Pure: no Dash."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

import pandas as pd

from ..labels import QUARTILES, number, source_text
from ..paths import ASSETS
from ..rows import records
from ..service import certainty_view
from ..service.facade import IndicatorService
from ..service.records import rank_text

EXTRA_CSS = """
.static-page main { padding-top: 1rem; }
.tile h3 { margin: 0 0 0.4rem; font-size: 1.05rem; }
.tile p { margin: 0.35rem 0 0; }
.tile-certainty { font-size: 0.85rem; color: var(--muted); }
.all-measures caption { text-align: left; font-weight: bold; padding: 0.4rem 0; }
.made { font-size: 0.85rem; color: var(--muted); }
@media print { .tile { break-inside: avoid; } }
"""


def overview_html(
    svc: IndicatorService,
    municipality: str,
    year: int,
    areas: list[str] | None = None,
    *,
    made: datetime | None = None,
) -> str:
    """The page as text (UTF-8 when written). `areas`: the area ids shown (default all)."""
    name = svc.check_municipality(municipality)
    wanted = areas or [a.id for a in svc.config.areas]
    summaries = [s for s in svc.overview(municipality, year) if s.area in wanted]
    title = f"Kvalitet i {name} {year}"
    sections, rows = [], []
    for summary in summaries:
        area = svc.area(summary.area)
        measures = records(summary.measures)
        quality = [m for m in measures if m.kind == "quality"]
        context = [m for m in measures if m.kind == "context"]
        notes = "".join(f'<p class="notice">{escape(n)}</p>' for n in svc.year_notes(area.id, year))
        sections.append(
            f'<section class="area" id="omrade-{escape(area.id)}" data-area="{escape(area.id)}">'
            f"<h2>{escape(area.label)}</h2>"
            f'<p class="verdict">{escape(summary.verdict)}</p>{notes}'
            f'<div class="tiles">{"".join(_tile(m) for m in quality)}</div>'
            '<h3 class="context-heading">Sammanhang (färgsätts inte)</h3>'
            f'<div class="tiles tiles-context">{"".join(_context_tile(m) for m in context)}'
            "</div></section>"
        )
        rows += [_row(area.label, m) for m in quality]
        rows += [_context_row(area.label, m) for m in context]
    made = made or datetime.now(UTC)
    source = source_text(year, svc.store.vintage("values"))
    body = (
        f"<main><h1>{escape(title)}</h1>"
        f'<p class="intro">{escape(_intro(name))}</p>'
        f"{_legend()}{''.join(sections)}"
        '<section class="area" id="tabell"><h2>Alla mått i en tabell</h2>'
        '<div class="table-scroll"><table class="all-measures">'
        f"<caption>Samma uppgifter som rutorna ovan: {escape(title)}</caption>"
        "<thead><tr>"
        + "".join(
            f'<th scope="col">{h}</th>'
            for h in ("Område", "Mått", "Jämfört med landet", "Placering", "Förändring")
        )
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
        f'<p class="source-line">{escape(source)}</p>'
        f'<p class="made">Sidan skapades {made:%Y-%m-%d} av Kvalitetsvisaren.</p></main>'
    )
    css = (ASSETS / "style.css").read_text(encoding="utf-8") + EXTRA_CSS
    return (
        '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} – Kvalitetsvisaren</title>\n"
        f"<style>\n{css}\n</style>\n</head>\n"
        f'<body class="static-page">\n{body}\n</body>\n</html>\n'
    )


def _intro(name: str) -> str:
    return (
        f"Färgen visar var {name} hamnar bland landets kommuner för varje kvalitetsmått: de "
        "25 % bästa, de 50 % i mitten eller de 25 % sämsta. Färgen säger var kommunen står "
        "jämfört med andra, inte om resultatet i sig är bra. Pilen säger hur måttets "
        "nyckeltal har ändrats sedan förra mätningen. Plats 1 = bäst."
    )


def _badge(colour: str) -> str:
    icon, word = QUARTILES.get(colour, QUARTILES["grey"])
    return (
        f'<span class="badge badge-{escape(colour)}" data-quartile="{escape(colour)}">'
        f'<span class="badge-icon" aria-hidden="true">{icon}</span>{escape(word)}</span>'
    )


def _legend() -> str:
    items = "".join(f"<li>{_badge(c)}</li>" for c in QUARTILES)
    return f'<ul class="legend" aria-label="Teckenförklaring">{items}</ul>'


def _place(row: Any) -> str:
    if pd.notna(row.rank):
        return rank_text(row.rank, row.n)
    return row.missing or "ingen placering"


def _certainty(row: Any) -> str:
    word = certainty_view.certainty_word(row.colour, row.certainty)
    return f" ({word})" if word else ""


def _tile(row: Any) -> str:
    respondents = (
        f'<p class="tile-respondents">{escape(row.respondents_text)}</p>'
        if row.respondents_text
        else ""
    )
    certainty = (
        f'<p class="tile-certainty">{escape(_certainty(row).strip(" ()"))}</p>'
        if _certainty(row)
        else ""
    )
    return (
        f'<div class="tile tile-{escape(row.colour)}" data-measure="{escape(row.measure)}" '
        f'data-quartile="{escape(row.colour)}">'
        f'<h3 class="tile-title">{escape(row.label)}</h3>{_badge(row.colour)}{certainty}'
        f'<p class="tile-rank">{escape(_place(row))}</p>'
        f'<p class="tile-trend">{escape(row.trend_text or "")}</p>{respondents}</div>'
    )


def _context_tile(row: Any) -> str:
    return (
        f'<div class="tile tile-neutral" data-measure="{escape(row.measure)}" '
        'data-quartile="neutral">'
        f'<h3 class="tile-title">{escape(row.label)}</h3>{_badge("neutral")}'
        f'<p class="tile-rank">{escape(_headline(row))}</p></div>'
    )


def _headline(row: Any) -> str:
    return f"{row.headline_label}: {number(row.headline_value, row.headline_unit)}"


def _row(area: str, row: Any) -> str:
    icon, word = QUARTILES.get(row.colour, QUARTILES["grey"])
    cells = [area, row.label, f"{icon} {word}{_certainty(row)}", _place(row), row.trend_text]
    return _tr(cells, row.measure, row.colour)


def _context_row(area: str, row: Any) -> str:
    icon, word = QUARTILES["neutral"]
    return _tr([area, row.label, f"{icon} {word}", _headline(row), ""], row.measure, "neutral")


def _tr(cells: list[Any], measure: str, colour: str) -> str:
    """One row; the measure's name (the second cell) heads it."""
    area, label, *rest = [escape(str(c or "")) for c in cells]
    return (
        f'<tr data-measure="{escape(measure)}" data-quartile="{escape(colour)}">'
        f'<td>{area}</td><th scope="row">{label}</th>'
        + "".join(f"<td>{c}</td>" for c in rest)
        + "</tr>"
    )
