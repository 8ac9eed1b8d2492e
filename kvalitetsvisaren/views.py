"""What each level shows, built from the service as Dash components (no callbacks here).

The pages call these: `header` in their layout (navigation is cheap), the `*_content`
functions from their one content callback. Colours come from the service's rankings.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from . import charts, ids, local_views
from .components import (
    DROPDOWN_LABELS,
    analysis,
    badge,
    chart,
    flag_marks,
    legend,
    target_mark,
    trend_mark,
)
from .config import Area
from .download import export_url
from .flags import EXPLANATIONS, LABELS
from .labels import QUARTILES, number
from .service import IndicatorService, rank_text
from .urls import Params, area_url, kpi_url, overview_url, units_url

LEVELS = (
    ("1", "Nivå 1: översikt"),
    ("2", "Nivå 2: alla nyckeltal i området"),
    ("2:2", "Nivå 2:2: ett nyckeltal jämfört med landet"),
    ("2:3", "Nivå 2:3: enheterna"),
)


# --- header ----------------------------------------------------------------------------


def header(
    svc: IndicatorService,
    p: Params,
    *,
    level: str,
    path: str,
    area: str | None = None,
    kpi: str | None = None,
    unit_title: str | None = None,
    years: list[int] | None = None,
    query: dict[str, str] | None = None,
) -> html.Header:
    """Pickers, area navigation, the level buttons and the breadcrumbs for this view."""
    national = p.with_(ar=svc.national_year(p.ar))
    here = area or svc.config.areas[0].id
    focus_kpi = kpi or svc.headline_kpi(here)
    level_hrefs = {
        "1": overview_url(national),
        "2": area_url(here, national),
        "2:2": kpi_url(focus_kpi, national, here),
        "2:3": units_view_url(svc, here, p),
    }
    options = [{"label": r.title, "value": r.id} for r in svc.municipality_options().itertuples()]
    year_options = [{"label": str(y), "value": y} for y in (years or svc.years())]
    return html.Header(
        [
            html.A("Hoppa till innehållet", href="#main", className="skip-link"),
            html.Div(
                [
                    dcc.Link("Kvalitetsvisaren", href=overview_url(national), className="brand"),
                    _picker("Kommun", ids.MUNICIPALITY_PICKER, options, p.kommun, search=True),
                    _picker("År", ids.YEAR_PICKER, year_options, p.ar, search=False),
                ],
                className="topbar",
            ),
            html.Nav(
                [
                    dcc.Link(
                        _current(a.label, a.id == area),
                        href=area_url(a.id, national),
                        className="area-link" + (" current" if a.id == area else ""),
                    )
                    for a in svc.config.areas
                ],
                className="area-nav",
                **{"aria-label": "Områden"},
            ),
            html.Nav(
                [html.Span("Nivå", className="levels-label")]
                + [
                    dcc.Link(
                        [
                            html.Span(key, **{"aria-hidden": "true"}),
                            html.Span(_current(text, key == level), className="visually-hidden"),
                        ],
                        href=level_hrefs[key],
                        title=text,
                        className="level" + (" current" if key == level else ""),
                    )
                    for key, text in LEVELS
                ],
                className="levels",
                **{"aria-label": "Nivåer"},
            ),
            _breadcrumbs(svc, national, level, area, kpi, unit_title, p),
            dcc.Store(id=ids.NAV, data={"path": path, "params": query or {}}),
        ],
        className="site-header",
    )


def units_view_url(svc: IndicatorService, area: str, p: Params) -> str:
    """Level 2:3 of the area for the same year if it has unit data, else for the latest year
    that has (a link never lands on a year the unit page does not offer)."""
    years = svc.unit_years(area)
    year = p.ar if not years or p.ar in years else years[0]
    return units_url(area, p.with_(ar=year, enhet=p.enhet if year == p.ar else None))


def _current(text: str, current: bool) -> list | str:
    """dcc.Link takes no aria-current: say it in words, hidden from the eye."""
    return [text, html.Span(" (visas nu)", className="visually-hidden")] if current else text


def _picker(label: str, id_: str, options: list, value: Any, *, search: bool) -> html.Div:
    label_id = f"{id_}-label"
    return html.Div(
        [
            html.Span(label, id=label_id, className="picker-label"),
            dcc.Dropdown(
                labels=DROPDOWN_LABELS,
                id=id_,
                options=options,
                value=value,
                clearable=False,
                searchable=search,
                placeholder="Sök kommun" if search else None,
            ),
        ],
        className=f"picker picker-{id_}",
        role="group",
        **{"aria-labelledby": label_id},
    )


def _breadcrumbs(
    svc: IndicatorService,
    p: Params,
    level: str,
    area: str | None,
    kpi: str | None,
    unit_title: str | None,
    units_params: Params,
) -> html.Nav:
    crumbs: list[tuple[str, str]] = [("Översikt", overview_url(p))]
    if area:
        crumbs.append((svc.area(area).label, area_url(area, p)))
    if kpi and area:
        measure = svc.measure_of(kpi, area)
        if measure is not None:
            crumbs.append((measure.label, area_url(area, p, anchor=measure.id)))
        crumbs.append((f"{kpi} {svc.config.kpi(kpi).label}", kpi_url(kpi, p, area)))
    if level == "2:3" and area:
        crumbs.append(("Enheter", units_url(area, units_params)))
        if unit_title:
            crumbs.append((unit_title, ""))
    items = [
        html.Li(dcc.Link(text, href=href))
        if i < len(crumbs) - 1
        else html.Li(text, **{"aria-current": "page"})
        for i, (text, href) in enumerate(crumbs)
    ]
    return html.Nav(html.Ol(items), className="breadcrumbs", **{"aria-label": "Här är du"})


# --- level 1 ---------------------------------------------------------------------------


def overview_content(svc: IndicatorService, p: Params) -> list:
    name = svc.check_municipality(p.kommun)
    sections = []
    for summary in svc.overview(p.kommun, p.ar):
        area = svc.area(summary.area)
        measures = summary.measures
        quality = measures[measures["kind"] == "quality"]
        context = measures[measures["kind"] == "context"]
        sections.append(
            html.Section(
                [
                    html.H2(dcc.Link(area.label, href=area_url(area.id, p))),
                    html.P(summary.verdict, className="verdict"),
                    onepager_link(area, p),
                    html.Div(
                        [_tile(row, area, p) for row in quality.itertuples()], className="tiles"
                    ),
                    html.H3("Sammanhang (färgsätts inte)", className="context-heading"),
                    html.Div(
                        [_context_tile(row, area, p) for row in context.itertuples()],
                        className="tiles tiles-context",
                    ),
                    *local_views.own_tiles(svc, area.id, p),
                    dcc.Link(
                        f"Se varje {area.unit_noun} (nivå 2:3)",
                        href=units_view_url(svc, area.id, p),
                        className="units-link",
                    ),
                ],
                className="area",
                id=f"omrade-{area.id}",
                **{"data-area": area.id},
            )
        )
    return [
        html.H1(f"Kvalitet i {name} {p.ar}"),
        html.P(
            f"Färgen visar var {name} hamnar bland landets kommuner för varje kvalitetsmått: "
            "de 25 % bästa, de 50 % i mitten eller de 25 % sämsta. Färgen säger var kommunen "
            "står jämfört med andra, inte om resultatet i sig är bra.",
            className="intro",
        ),
        legend(),
        *sections,
        html.P(
            dcc.Link("Lägg till kommunens egna mått (lokala uppgifter)", href="/ladda-upp"),
            className="units-link",
        ),
    ]


def _tile(row: Any, area: Area, p: Params) -> html.Div:
    trend = {"better": "↑ bättre", "worse": "↓ sämre", "same": "→ oförändrad"}.get(row.trend, "")
    counts = [
        html.Span(
            f"{QUARTILES[c][0]} {getattr(row, f'kpis_{c}')}",
            className=f"count count-{c}",
            title=f"{getattr(row, f'kpis_{c}')} nyckeltal: {QUARTILES[c][1]}",
        )
        for c in ("green", "yellow", "red", "grey")
    ]
    return html.Div(
        [
            html.H3(
                dcc.Link(
                    row.label, href=area_url(area.id, p, anchor=row.measure), className="tile-link"
                ),
                className="tile-title",
            ),
            badge(row.colour),
            html.P(
                rank_text(row.rank, row.n) if row.n else "ingen placering", className="tile-rank"
            ),
            html.P(trend and f"{trend} än förra mätningen", className="tile-trend"),
            html.P(counts, className="tile-counts", **{"aria-label": "Nyckeltal per färg"}),
            html.P(local_views.targets_summary(row), className="tile-targets"),
        ],
        className=f"tile tile-{row.colour}",
        **{"data-measure": row.measure, "data-quartile": row.colour},
    )


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
        **{"data-measure": row.measure, "data-quartile": "neutral"},
    )


# --- level 2 ---------------------------------------------------------------------------


def area_content(svc: IndicatorService, area_id: str, p: Params) -> list:
    name = svc.check_municipality(p.kommun)
    area = svc.area(area_id)
    summary = svc.area_summary(area_id, p.kommun, p.ar)
    kpis = svc.area_kpis(area_id, p.kommun, p.ar)
    local = bool(kpis["target"].notna().any() or kpis["comment"].ne("").any())
    sections = []
    for measure in summary.measures.itertuples():
        rows = kpis[kpis["measure"] == measure.measure]
        graph = []
        if rows["value"].notna().any():
            spec = charts.measure(svc, area_id, measure.measure, municipality=p.kommun, year=p.ar)
            graph = [
                html.Details(
                    [html.Summary("Diagram"), chart(f"matt-{measure.measure}", spec, p.kommun)],
                    className="measure-chart",
                )
            ]
        sections.append(
            html.Section(
                [
                    html.H2([measure.label, " ", badge(measure.colour, small=True)]),
                    html.Div(_kpi_table(rows, area, p, local), className="table-scroll"),
                    *graph,
                ],
                id=measure.measure,
                className="measure",
                **{"data-measure": measure.measure, "data-quartile": measure.colour},
            )
        )
    return [
        html.H1(f"{area.label} i {name} {p.ar}"),
        html.P(summary.verdict, className="verdict"),
        onepager_link(area, p),
        legend(),
        *sections,
        *local_views.own_section(svc, area_id, p),
        dcc.Link(
            f"Se varje {area.unit_noun} (nivå 2:3)",
            href=units_view_url(svc, area_id, p),
            className="units-link",
        ),
    ]


def _kpi_table(rows: pd.DataFrame, area: Area, p: Params, local: bool) -> html.Table:
    """The measure's KPIs; with `local`, the municipality's targets and analysis too."""
    head = [
        "Nyckeltal",
        "Värde",
        "Jämfört med landet",
        "Placering",
        "Riket",
        "Förändring",
        "Observera",
        "Lär av andra",
        *(["Mål", "Vår analys"] if local else []),
    ]
    body = [
        html.Tr(
            [
                html.Th(dcc.Link(r.label, href=kpi_url(r.kpi, p, area.id)), scope="row"),
                html.Td(number(r.value, r.unit), className="num"),
                html.Td(badge(r.colour, small=True)),
                html.Td(r.rank_text),
                html.Td(number(r.riket, r.unit), className="num"),
                html.Td(trend_mark(r.trend, r.change, r.unit)),
                html.Td(flag_marks(r.flags)),
                html.Td(_learn_link(r, area, p)),
                *(
                    [html.Td(target_mark(r.target_status, r.target, r.unit)), html.Td(r.comment)]
                    if local
                    else []
                ),
            ],
            **{"data-kpi": r.kpi, "data-quartile": r.colour},
        )
        for r in rows.itertuples()
    ]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body)],
        className="kpi-table",
    )


def _learn_link(row: Any, area: Area, p: Params) -> Any:
    """Where the result is red or got worse, a way to the peers who do better."""
    weak = row.higher_is_better is not None and (row.colour == "red" or row.trend == "worse")
    if not weak or pd.isna(row.value):
        return ""
    return dcc.Link("Vem gör bättre?", href=kpi_url(row.kpi, p, area.id) + "#lar-av-andra")


# --- level 2:2 -------------------------------------------------------------------------


def kpi_content(svc: IndicatorService, kpi: str, p: Params) -> tuple[list, list, list]:
    """Level 2:2 in three parts around the group controls (which live in the layout): the
    summary and all municipalities; the comparison group; the trend and the gender split."""
    name = svc.check_municipality(p.kommun)
    s = svc.kpi_summary(kpi, p.kommun, p.ar)
    where = {"municipality": p.kommun, "year": p.ar}
    main = [
        html.H1([html.Span(kpi, className="kpi-id"), " ", s.label]),
        html.P(s.title, className="kolada-title"),
        _summary_card(s, name),
        *_learn_from(svc, s, p, name),
        html.Details(
            [html.Summary("Definition (Kolada)"), html.P(s.description)],
            className="definition",
            open=True,
        ),
        html.Section(
            [
                html.H2("Alla kommuner"),
                chart("nyckeltal-spridning", charts.spread(svc, kpi, **where), p.kommun),
            ]
        ),
    ]
    trend = charts.trend(svc, kpi, **where)
    more = [html.Section([html.H2("Utveckling"), chart("nyckeltal-trend", trend, p.kommun)])]
    genders = charts.gender(svc, kpi, **where)
    if genders is not None:
        more.append(
            html.Section([html.H2("Kvinnor och män"), chart("nyckeltal-kon", genders, p.kommun)])
        )
    return main, group_content(svc, kpi, p), more


def _summary_card(s: Any, name: str) -> html.Div:
    notes = [html.Li([html.Strong(LABELS[f]), f": {EXPLANATIONS[f]}"]) for f in s.flags]
    facts = [
        ("Värde", number(s.value, s.unit)),
        ("Placering", rank_text(s.rank, s.n)),
        ("Riket (Koladas vägda värde)", number(s.riket, s.unit)),
        ("Ovägt medel av kommunerna", number(s.mean, s.unit)),
        ("Gräns bästa 25 %", number(s.green_cut, s.unit)),
        ("Gräns sämsta 25 %", number(s.red_cut, s.unit)),
    ]
    return html.Div(
        [
            html.P([f"{name} {s.year}: ", badge(s.colour)], className="summary-head"),
            html.Dl([item for k, v in facts for item in (html.Dt(k), html.Dd(v))]),
            html.P(target_mark(s.target_status, s.target, s.unit), className="summary-target"),
            analysis(s.comment),
            html.Ul(notes, className="flag-notes") if notes else None,
            html.P(
                "Lägre värde är bättre."
                if s.higher_is_better is False
                else "Högre värde är bättre."
                if s.higher_is_better
                else "Sammanhangsmått: färgsätts inte.",
                className="direction",
            ),
        ],
        className="summary-card",
        **{"data-kpi": s.kpi, "data-quartile": s.colour},
    )


def _learn_from(svc: IndicatorService, s: Any, p: Params, name: str) -> list:
    """ "Lär av andra": for a red or worsening result, who among similar municipalities (or
    nationally) is among the best or improved most, each linked to its own level 2:2 view."""
    found = svc.learn_from(s.kpi, p.kommun, s.year)
    if found is None:
        return []
    why = (
        f"{name} är bland de 25 % sämsta"
        if found.reason == "röd"
        else f"{name} har blivit sämre sedan förra mätningen"
    )
    items = []
    for peer in found.peers.itertuples():
        facts = [" ", number(peer.value, s.unit), " ", badge(peer.colour, small=True)]
        if pd.notna(peer.improvement):
            change = trend_mark(
                "better" if peer.improvement > 0 else "worse" if peer.improvement < 0 else "same",
                peer.value - peer.base_value,
                s.unit,
            )
            facts += [" ", change, f" sedan {int(peer.base_year)}"]
        link = kpi_url(s.kpi, p.with_(kommun=peer.municipality_id))
        items.append(
            html.Li(
                [dcc.Link(peer.title, href=link), *facts],
                **{"data-municipality": peer.municipality_id, "data-quartile": peer.colour},
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
            dcc.Dropdown(
                labels=DROPDOWN_LABELS,
                id=ids.KPI_GROUP_LIST,
                multi=True,
                value=own,
                placeholder="Välj kommuner",
                options=[
                    {"label": r.title, "value": r.id}
                    for r in svc.municipality_options().itertuples()
                ],
                style={} if kind == "egen" else {"display": "none"},
            ),
        ],
        className="group-controls",
    )


def group_content(svc: IndicatorService, kpi: str, p: Params) -> list:
    spec = charts.group(svc, kpi, municipality=p.kommun, year=p.ar, grupp=p.grupp)
    if spec is None:
        return [html.P("Kommunen har ingen sådan jämförelsegrupp i Kolada.")]
    return [
        html.P(spec.alt_text, className="group-place"),
        chart("nyckeltal-grupp-diagram", spec, p.kommun),
    ]


def onepager_link(area: Area, p: Params) -> html.A:
    params = {"area": area.id, "kommun": p.kommun, "ar": str(p.ar)}
    return html.A(
        f"Ladda ner {area.label.lower()} på en sida (PDF för nämnden)",
        href=export_url("en-sida", params, "pdf"),
        download="",
        className="onepager-link",
    )


# --- level 2:3 -------------------------------------------------------------------------


def unit_rank_text(rank: float, n: float) -> str:
    """ "plats 316 av 2 344 enheter"; a context KPI has no place."""
    if pd.isna(rank):
        return "ingen placering (sammanhangsmått)"
    return f"plats {number(float(rank))} av {number(float(n))} enheter"


def units_content(svc: IndicatorService, area_id: str, p: Params) -> list:
    name = svc.check_municipality(p.kommun)
    area = svc.area(area_id)
    if p.enhet:
        return _unit_page(svc, area, p, name)
    table_rows = svc.unit_table(area_id, p.kommun, p.ar)
    years = svc.unit_years(area_id)
    parts: list = [
        html.H1(f"Enheter inom {area.label.lower()} i {name} {p.ar}"),
        html.P(
            f"Varje {area.unit_noun} jämförs med alla enheter av samma slag i landet; färgen visar "
            "var enheten hamnar bland dem. Linjerna visar kommunens och rikets värden.",
            className="intro",
        ),
        legend(),
    ]
    if p.ar not in years:
        parts.append(_no_unit_year(area, p, years))
    for kpi in svc.unit_kpis(area_id):
        parts.append(_unit_kpi_section(svc, kpi, table_rows, area, p, name))
    if not svc.unit_kpis(area_id):
        parts.append(html.P("Kolada har inga uppgifter per enhet för områdets nyckeltal."))
    parts += local_views.units_own_sections(svc, area_id, p)
    return parts


def _no_unit_year(area: Area, p: Params, years: list[int]) -> html.Div:
    links = [dcc.Link(str(y), href=units_url(area.id, p.with_(ar=y))) for y in years]
    return html.Div(
        [
            html.P(f"Det finns inga uppgifter per enhet för {p.ar}. Enhetsuppgifter finns för:"),
            html.P([item for link in links for item in (link, " ")]),
        ],
        className="notice",
        role="status",
    )


def _unit_kpi_section(
    svc: IndicatorService, kpi: str, rows: pd.DataFrame, area: Area, p: Params, name: str
) -> html.Section:
    definition = svc.config.kpi(kpi)
    mine = rows[rows["kpi"] == kpi]
    spec = charts.units(svc, area.id, kpi, municipality=p.kommun, year=p.ar)
    body: list = []
    if spec is None:
        body.append(
            html.P(f"Ingen {area.unit_noun} i {name} har värden för {p.ar}.", className="notice")
        )
    else:
        body.append(chart(f"enheter-{kpi}", spec, p.kommun))
    table = _unit_table(mine, area, p, definition.unit, definition.higher_is_better is not False)
    body.append(html.Div(table, className="table-scroll"))
    return html.Section(
        [html.H2([html.Span(kpi, className="kpi-id"), " ", definition.label]), *body],
        className="unit-kpi",
        **{"data-kpi": kpi},
    )


def _unit_table(
    rows: pd.DataFrame, area: Area, p: Params, unit: str, high_first: bool
) -> html.Table:
    """The units best first (by the KPI's direction), those without a value last."""
    head = ["Enhet", "Värde", "Bland landets enheter", "Placering"]
    body = []
    for r in rows.sort_values(["value", "title"], ascending=[not high_first, True]).itertuples():
        if pd.isna(r.value):
            why = (
                f"Ingen uppgift för {p.ar}"
                if r.has_any_value
                else "Inga värden i Kolada (för få svarande eller ej rapporterat)"
            )
            cells = [html.Td(why, colSpan=3, className="no-data")]
        else:
            cells = [
                html.Td(number(r.value, unit), className="num"),
                html.Td(badge(r.colour, small=True)),
                html.Td(unit_rank_text(r.rank, r.n)),
            ]
        body.append(
            html.Tr(
                [
                    html.Th(dcc.Link(r.title, href=units_url(area.id, p, r.ou_id)), scope="row"),
                    *cells,
                ],
                **{"data-ou": r.ou_id, "data-quartile": r.colour},
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body)],
        className="unit-table",
    )


def _unit_page(svc: IndicatorService, area: Area, p: Params, name: str) -> list:
    unit = svc.unit(p.enhet or "")
    trend = svc.unit_trend(unit["id"])
    parts: list = [
        html.H1(unit["title"]),
        html.P(
            f"{area.unit_noun.capitalize()} i {name}. Färgen visar var enheten hamnar bland "
            "landets enheter av samma slag.",
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
        spec = charts.unit(svc, area.id, unit["id"], kpi, municipality=p.kommun, year=p.ar)
        latest = rows.iloc[-1]
        definition = svc.config.kpi(kpi)
        parts.append(
            html.Section(
                [
                    html.H2([html.Span(kpi, className="kpi-id"), " ", definition.label]),
                    html.P(
                        [
                            f"{int(latest['year'])}: {number(latest['value'], definition.unit)} ",
                            badge(latest["colour"], small=True),
                            " " + unit_rank_text(latest["rank"], latest["n"]),
                        ]
                    ),
                    chart(f"enhet-{kpi}", spec, p.kommun),
                ],
                className="unit-kpi",
                **{"data-kpi": kpi, "data-quartile": latest["colour"]},
            )
        )
    parts += local_views.unit_own_sections(svc, area.id, unit["id"], p)
    parts.append(dcc.Link(f"Alla enheter i {name}", href=units_url(area.id, p.with_(enhet=None))))
    return parts
