"""Level 2:2: one KPI's summary, charts, peers and comparison group."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from ...analysis import trends
from ...analysis.flags import EXPLANATIONS, LABELS
from ...labels import is_missing, number
from ...present import charts
from ...service import certainty_view
from ...service.facade import IndicatorService
from ...service.records import TREND_YEARS, UnknownError
from .. import certainty_components as certainty
from .. import ids
from ..components import (
    DROPDOWN_LABELS,
    analysis,
    badge,
    chart,
    data_table,
    target_mark,
    trend_mark,
)
from ..download import FORMATS
from ..urls import Params, kpi_url
from ..viewstate import Explanation, read_export
from .header import (
    municipality_options,
)

# --- level 2:2 -------------------------------------------------------------------------


def kpi_summary_content(svc: IndicatorService, kpi: str, p: Params) -> list:
    """Level 2:2, first and small: the heading, the municipality's result and what it means,
    who to learn from, the definition. The charts follow in their own answer (kpi_charts)."""
    name = svc.check_municipality(p.municipality)
    area = _page_area(svc, p)
    s = svc.kpi_summary(kpi, p.municipality, p.year, area=area)
    return [
        html.H1([html.Span(kpi, className="kpi-id"), " ", s.label]),
        html.P(s.title, className="kolada-title"),
        _summary_card(s, name, certainty_view.kpi_uncertainty(svc, s, p.municipality)),
        *_learn_from(svc, s, p, name),
        html.Details(
            [html.Summary("Definition (Kolada)"), html.P(s.description)],
            className="definition",
            open=True,
        ),
    ]


def kpi_charts(svc: IndicatorService, kpi: str, p: Params) -> tuple[list, list, list]:
    """Level 2:2, the charts around the group controls (which live in the layout): all
    municipalities; the comparison group; the trend and the gender split. Everything for the
    page's area (`omrade`): its comparison group, whether the KPI is coloured there, the
    charts' names. Where there is nothing to draw, a sentence says why."""
    name = svc.check_municipality(p.municipality)
    area = _page_area(svc, p)
    s = svc.kpi_summary(kpi, p.municipality, p.year, area=area)
    where = {"area": area, "municipality": p.municipality, "year": p.year}
    spread: Any = html.P(_nobody(svc, kpi, p), className="notice")
    if len(svc.distribution(kpi, p.year, area=area)):
        spread = chart("nyckeltal-spridning", charts.spread(svc, kpi, **where), p.municipality)
    shown = (
        chart("nyckeltal-trend", charts.trend(svc, kpi, **where), p.municipality)
        if svc.trend(kpi, p.municipality, p.year, area=area)["value"].notna().any()
        else html.P(
            f"{name} har inga värden för nyckeltalet {p.year - TREND_YEARS + 1}–{p.year}. "
            + s.missing,
            className="notice",
        )
    )
    more = [html.Section([html.H2("Utveckling"), shown])]
    genders = charts.gender(svc, kpi, **where)
    if genders is not None:
        more.append(
            html.Section(
                [html.H2("Kvinnor och män"), chart("nyckeltal-kon", genders, p.municipality)]
            )
        )
    return [html.H2("Alla kommuner"), spread], group_content(svc, kpi, p), more


def chart_table(svc: IndicatorService, spec: Any) -> Any:
    """A chart's data as a table, built when the reader opens "Visa som tabell": the chart is
    named by its export parameters (components.chart)."""
    found = _chart_of_spec(svc, spec)
    return found if isinstance(found, html.P) else data_table(found[0].data, found[0].title)


def opened_chart(svc: IndicatorService, graph_id: str, spec: Any) -> Any:
    """A chart built when its details are first opened (components.lazy_chart)."""
    found = _chart_of_spec(svc, spec)
    return found if isinstance(found, html.P) else chart(graph_id, *found)


def _chart_of_spec(svc: IndicatorService, spec: Any) -> tuple[Any, str] | html.P:
    """The chart a spec {"kind", "query"} from the browser names, read through the same
    boundary as its download, and its municipality; or why not, as a Swedish notice."""
    kind = spec.get("kind") if isinstance(spec, dict) else None
    query = spec.get("query") if isinstance(spec, dict) else None
    wanted = read_export(svc, kind, query if isinstance(query, dict) else {}, FORMATS)
    if isinstance(wanted, Explanation):
        return html.P(wanted.message, className="notice")
    found = charts.build(svc, wanted.kind, wanted.chart_params())
    if found is None:
        return html.P("Diagrammet har inget att visa.", className="notice")
    return found, wanted.view.params.municipality


def _page_area(svc: IndicatorService, p: Params) -> str:
    """The area of a KPI page: part of its URL (the layout fills it in when it is missing)."""
    if not p.omrade:
        raise UnknownError("Sidan saknar område (omrade=).")
    return svc.area(p.omrade).id


def _nobody(svc: IndicatorService, kpi: str, p: Params) -> str:
    """Why no municipality is drawn for the year."""
    years = svc.kpi_years(kpi)
    if not years:
        return svc.missing_reason(kpi, p.municipality, p.year) + " Därför visas inget diagram."
    return f"Ingen kommun har värde för {p.year}. Nyckeltalet har värden för {_years(years)}."


def _years(years: list[int]) -> str:
    """ "2012–2020, 2022": runs of consecutive years (newest first in, oldest first out)."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _summary_card(s: Any, name: str, u: dict | None = None) -> html.Div:
    notes = [html.Li([html.Strong(LABELS[f]), f": {EXPLANATIONS[f]}"]) for f in s.flags]
    u = u or certainty_view.UNKNOWN_ROW
    interval = certainty.interval_words(u, s.unit)
    value = number(s.value, s.unit) if pd.notna(s.value) else s.missing
    facts = [
        ("Värde", f"{value} ({interval})" if interval and pd.notna(s.value) else value),
        *([("Svarande", s.respondents)] if s.respondents else []),
        *certainty_view.summary_facts(s, u),
        ("Riket (Koladas vägda värde)", number(s.riket, s.unit)),
        ("Ovägt medel av kommunerna", number(s.mean, s.unit)),
        *(
            []
            if s.context
            else [
                ("Gräns bästa 25 %", number(s.green_cut, s.unit)),
                ("Gräns sämsta 25 %", number(s.red_cut, s.unit)),
            ]
        ),
    ]
    target = target_mark(s.target_status, s.target, s.unit)
    return html.Div(
        [
            html.P(
                [f"{name} {s.year}: ", badge(s.colour, certainty=u["certainty"])],
                className="summary-head",
            ),
            html.Dl([item for k, v in facts for item in (html.Dt(k), html.Dd(v))]),
            html.P(target, className="summary-target") if not is_missing(s.target) else None,
            analysis(s.comment),
            html.Ul(notes, className="flag-notes") if notes else None,
            html.P(_direction(s), className="direction"),
        ],
        className="summary-card",
        **{"data-kpi": s.kpi, "data-quartile": s.colour, **certainty.attrs(u["certainty"])},
    )


def _direction(s: Any) -> str:
    if s.context:
        return "Sammanhangsmått i det här området: färgsätts och rangordnas inte."
    return "Lägre värde är bättre." if s.higher_is_better is False else "Högre värde är bättre."


def _learn_from(svc: IndicatorService, s: Any, p: Params, name: str) -> list:
    """ "Lär av andra": for a red or worsening result, who among similar municipalities (or
    nationally) is among the best or improved most, each linked to its own level 2:2 view."""
    found = svc.learn_from(s.kpi, p.municipality, s.year, area=s.area)
    if found is None:
        return []
    why = (
        f"{name} är bland de 25 % sämsta"
        if found.reason == "röd"
        else f"{name} har blivit sämre sedan förra mätningen"
    )
    items = []
    for peer in found.peers.itertuples():
        peer_u = certainty_view.kpi_uncertainty(svc, s, peer.municipality_id)
        facts = [
            " ",
            number(peer.value, s.unit),
            " ",
            badge(peer.colour, small=True, certainty=peer_u["certainty"]),
        ]
        if pd.notna(peer.improvement):
            change = trend_mark(
                trends.judged(peer.improvement, 1),  # improvement: positive = better
                peer.value - peer.base_value,
                s.unit,
            )
            facts += [" ", change, f" sedan {int(peer.base_year)}"]
        link = kpi_url(s.kpi, p.with_(municipality=peer.municipality_id))
        items.append(
            html.Li(
                [dcc.Link(peer.title, href=link), *facts],
                **{
                    "data-municipality": peer.municipality_id,
                    "data-quartile": peer.colour,
                    **certainty.attrs(peer_u["certainty"]),
                },
            )
        )
    return [
        html.Section(
            [
                html.H2("Lär av andra"),
                html.P(
                    f"{why}. Bland {found.scope} ligger de här bland de 25 % bästa "
                    "eller har förbättrat sig mest de senaste tre åren:"
                ),
                html.Ul(items, className="learn-list"),
            ],
            id="lar-av-andra",
            className="learn-from",
        )
    ]


def group_controls(svc: IndicatorService, p: Params) -> html.Div:
    """Choose the comparison group: Kolada's liknande kommuner, the county, or an own list."""
    kind = p.grupp if p.grupp in ("liknande", "lan") else "egen"
    own = p.grupp.split(",") if kind == "egen" else []
    return html.Div(
        [
            html.Fieldset(
                [
                    html.Legend("Jämför med"),
                    dcc.RadioItems(
                        id=ids.KPI_GROUP_KIND,
                        value=kind,
                        inline=True,
                        options=[
                            {"label": "Liknande kommuner", "value": "liknande"},
                            {"label": "Länets kommuner", "value": "lan"},
                            {"label": "Egen lista", "value": "egen"},
                        ],
                    ),
                ],
                className="group-kind",
            ),
            dcc.Dropdown(
                labels=DROPDOWN_LABELS,
                id=ids.KPI_GROUP_LIST,
                multi=True,
                value=own,
                placeholder="Välj kommuner att jämföra med",
                options=municipality_options(svc),
                style={} if kind == "egen" else {"display": "none"},
            ),
        ],
        className="group-controls",
    )


def group_content(svc: IndicatorService, kpi: str, p: Params) -> list:
    area = _page_area(svc, p)
    found = svc.comparison(kpi, p.municipality, p.year, charts.group_members(p.grupp), area=area)
    if found is None:
        return [html.P("Kommunen har ingen sådan jämförelsegrupp i Kolada.")]
    if not found.n:
        text = f"Ingen kommun i jämförelsegruppen {found.label} har värde för {p.year}."
        return [html.P(text, className="notice group-place")]
    spec = charts.group(
        svc, kpi, area=area, municipality=p.municipality, year=p.year, grupp=p.grupp
    )
    return [
        html.P(spec.alt_text, className="group-place"),
        chart("nyckeltal-grupp-diagram", spec, p.municipality),
    ]
