"""Small Dash layout builders shared by the pages: quartile badges (colour + icon + word),
trend marks, flags, number formatting, charts with a table alternative, the explanation page.

Every coloured element carries `data-quartile`; colours come from the ranking, never from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from dash import dcc, html

from ..analysis import flags, trends
from ..labels import LOCAL, QUARTILES, TRENDS, change_text, is_missing, number, source_text
from ..local.targets import STATUS_TEXT
from ..present import figures
from ..present.charts import Chart
from . import ids
from .download import FORMATS, LABELS, export_url

DROPDOWN_LABELS = {
    "search": "Sök",
    "clear_search": "Rensa sökningen",
    "clear_selection": "Rensa valet",
    "no_options_found": "Inga träffar",
    "select_all": "Välj alla",
    "deselect_all": "Avmarkera alla",
    "selected_count": "{num_selected} valda",
}
FLAG_ICONS = {
    flags.NEAR_CUT: "≈",
    flags.PRELIMINARY: "P",
    flags.LOW_RESPONSE: "!",
    flags.DISCONTINUED: "⊘",
}


def badge(colour: str, *, small: bool = False, certainty: str | None = None) -> html.Span:
    """The quartile as icon + word on its colour; `data-quartile` for checks and styling,
    and beside it `data-certainty` (sure, unsure or unknown; issue 16)."""
    icon, word = QUARTILES.get(colour, QUARTILES["grey"])
    return html.Span(
        [html.Span(icon, className="badge-icon", **{"aria-hidden": "true"}), word],
        className=f"badge badge-{colour}" + (" badge-small" if small else ""),
        **{
            "data-quartile": colour,
            "data-certainty": certainty if certainty in ("sure", "unsure") else "unknown",
        },
    )


def local_badge() -> html.Span:
    """An own measure: never a quartile colour, since there is no national comparison."""
    icon, word = LOCAL
    return html.Span(
        [html.Span(icon, className="badge-icon", **{"aria-hidden": "true"}), word],
        className="badge badge-local badge-small",
        title="Kommunens egen uppgift; jämförs inte med landets kommuner",
        **{"data-local": "true"},
    )


TARGET_CERTAINTY = {
    "sure": "säkert: hela felmarginalen ger samma svar",
    "unsure": "osäkert: målet ligger inom felmarginalen",
}


def target_mark(
    status: str, target: float, unit: str, certainty: str | None = None
) -> html.Span | str:
    """The local target and whether it is met, as icon + word (never colour alone). With
    `certainty` (an own measure, issue 16): `data-certainty` beside `data-target`, and for
    sure or unsure the words saying so."""
    if is_missing(target):
        return ""
    text = f"Mål {number(target, unit)}"
    if status:
        text += f": {STATUS_TEXT[status]}"
    attributes = {"data-target": status}
    if certainty is not None:
        attributes["data-certainty"] = certainty if certainty in TARGET_CERTAINTY else "unknown"
        if status and certainty in TARGET_CERTAINTY:
            text += f" ({TARGET_CERTAINTY[certainty]})"
    return html.Span(text, className=f"target target-{status or 'none'}", **attributes)


def analysis(comment: str) -> html.Div | None:
    """The municipality's own analysis of a result ("Vår analys"), as plain text."""
    if not comment:
        return None
    return html.Div([html.H3("Vår analys"), html.P(comment)], className="our-analysis")


def trend_mark(trend: str, change: float | None, unit: str) -> html.Span:
    """Arrow by the direction of the value, word by whether that is better or worse (none for
    a context KPI: its change is shown, not judged). A change of a share is in percentage
    points (p.e.), not per cent."""
    if is_missing(change):
        return html.Span("–", className="trend trend-none", title="Ingen jämförelse")
    word = TRENDS.get(trend, "")
    text = change_text(change, unit) + (f" ({word})" if word else "")
    return html.Span(text, className=f"trend trend-{trends.attribute(trend)}")


def flag_marks(ids: Sequence[str]) -> html.Span | None:
    """Icons with a text alternative; the explanation in the title (hover) and for screen
    readers in the label. None without flags: an empty component still costs the browser
    (see docs/architecture.md)."""
    if not ids:
        return None
    return html.Span(
        [
            html.Abbr(
                FLAG_ICONS[f],
                title=f"{flags.LABELS[f]}: {flags.EXPLANATIONS[f]}",
                className=f"flag flag-{f}",
                **{"aria-label": flags.LABELS[f], "data-flag": f},
            )
            for f in ids
        ],
        className="flags",
    )


def legend(shown: Iterable[str] = (), *, places: bool = True) -> html.Ul:
    """What the colours mean, and the flags that this view shows (only those: a legend entry
    for a mark that cannot appear is noise). `places`: the view shows places ("plats 59 av
    286"), so the legend says once which end is best."""
    present = set(shown)
    items = [html.Li([badge(c, small=True)]) for c in QUARTILES]
    items += [
        html.Li(
            [
                html.Span(FLAG_ICONS[f], className="flag", **{"aria-hidden": "true"}),
                f" {flags.LABELS[f]}",
            ],
            **{"data-flag": f},
        )
        for f in FLAG_ICONS
        if f in present
    ]
    if places:
        items.append(html.Li("Plats 1 = bäst", className="legend-places"))
    return html.Ul(items, className="legend", **{"aria-label": "Teckenförklaring"})


def flags_in(column: Iterable[Sequence[str]]) -> set[str]:
    """Every flag id in a column of flag lists (for `legend`)."""
    return {f for fs in column for f in fs}


# what Markdown (GFM, Dash's remark-parse) reads as markup: escaped with a backslash
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!>~|]")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+")
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;"})


def data_table(frame: pd.DataFrame, caption: str) -> html.Div:
    """A chart's data as one Markdown component, which the browser renders as a <table>. Not
    as Dash components, a component per cell: Dash's renderer took ~8 ms per component to
    show them (a 286-row table 20 s, a 9-row one 1 s, against 0.6 and 0.2 s as Markdown),
    and their JSON is ten times the size."""

    def cell(value: Any) -> str:
        text = _LINE_BREAKS.sub(" ", _cell(value)).translate(_ENTITIES)
        return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", text) or " "

    lines = [
        "| " + " | ".join(cell(h) for h in frame.columns) + " |",
        "|" + "---|" * len(frame.columns),
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)),
    ]
    return html.Div(
        [html.P(caption, className="table-caption"), dcc.Markdown("\n".join(lines))],
        className="chart-data",
    )


def lazy_chart(graph_id: str, kind: str, query: dict[str, str], summary: str) -> html.Details:
    """A chart behind `summary`, built when first opened (views.opened_chart): the area page's
    eight measure charts, all closed, cost more to build and send than the rest of the page.
    `kind` and `query` name it as its download does."""
    return html.Details(
        [
            html.Summary(summary, id={"type": ids.LAZY_CHART_OPEN, "chart": graph_id}),
            html.Div(html.P("Diagrammet hämtas …"), id={"type": ids.LAZY_CHART, "chart": graph_id}),
            dcc.Store(
                id={"type": ids.LAZY_CHART_SPEC, "chart": graph_id},
                data={"kind": kind, "query": query},
            ),
        ],
        className="measure-chart",
    )


def chart(graph_id: str, spec: Chart, kommun: str) -> html.Figure:
    """A chart with its alt text as caption, its data as a table (the text alternative), and
    "Ladda ner": publication images and the data, rendered on the server."""
    params = {"kommun": kommun, "ar": str(spec.year), **dict(spec.params)}
    links = [
        html.Li(
            html.A(
                LABELS[fmt],
                href=export_url(spec.kind, params, fmt),
                download="",
                **{"data-format": fmt},
            )
        )
        for fmt in FORMATS
    ]
    return html.Figure(
        [
            dcc.Graph(
                id=graph_id,
                figure=figures.for_browser(spec.figure),
                config={
                    "displaylogo": False,
                    "locale": "sv",  # assets/plotly-locale-sv.js: the modebar in Swedish
                    "responsive": True,
                    # plotly 4's "Share chart..." sends the chart to plotly's cloud: not ours
                    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"],
                },
            ),
            html.Figcaption(spec.alt_text),
            html.Div(
                [
                    html.Details(
                        [
                            # the table is built when first opened (views.chart_table): a
                            # chart of 290 municipalities would ship 1,000+ cells unasked
                            html.Summary(
                                "Visa som tabell",
                                id={"type": ids.CHART_TABLE_OPEN, "chart": graph_id},
                            ),
                            html.Div(
                                html.P("Tabellen hämtas …"),
                                id={"type": ids.CHART_TABLE, "chart": graph_id},
                            ),
                            dcc.Store(
                                id={"type": ids.CHART_TABLE_SPEC, "chart": graph_id},
                                data={"kind": spec.kind, "query": params},
                            ),
                        ],
                        className="chart-table",
                    ),
                    html.Details(
                        [html.Summary("Ladda ner"), html.Ul(links)], className="downloads"
                    ),
                ],
                className="chart-tools",
            ),
        ],
        className="chart",
        **{"data-chart": spec.slug},
    )


def explanation(message: str, back: Sequence[tuple[str, str]]) -> html.Section:
    """The Swedish page for a bad URL or parameter: what is wrong and where to go instead."""
    return html.Section(
        [
            html.H1("Sidan kunde inte visas"),
            html.P(message, className="explanation-message"),
            html.P("Du kan gå vidare härifrån:"),
            html.Ul([html.Li(dcc.Link(text, href=href)) for text, href in back]),
        ],
        className="explanation",
        role="alert",
    )


def source_line(year: int, vintage: str | None, universe: str = "kommuner") -> html.P:
    """The page's source: Kolada, the data year and when that part of the data was fetched
    (the store records each part's own vintage: unit values are fetched apart)."""
    return html.P(source_text(year, vintage, universe), className="source-line")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return number(value)
    return "–" if value is None else str(value)
