"""What each level shows, built from the service as Dash components (no callbacks here).

The pages call these: `header` in their layout (navigation is cheap), the `*_content`
functions from their one content callback. Colours come from the service's rankings.
"""

from __future__ import annotations

import unicodedata
import weakref
from typing import Any

import pandas as pd
from dash import dcc, html

from ..analysis import learning, trends
from ..analysis.flags import EXPLANATIONS, LABELS
from ..analysis.trends import attribute
from ..config.loader import Area
from ..labels import QUARTILES, is_missing, number
from ..present import charts
from ..rows import records
from ..service import certainty_view, kpi_table
from ..service.facade import IndicatorService
from ..service.records import TREND_YEARS, UnknownError
from . import certainty_components as certainty
from . import ids, local_views
from .components import (
    DROPDOWN_LABELS,
    LONG_TABLE,
    analysis,
    badge,
    chart,
    flag_marks,
    flags_in,
    legend,
    long_table,
    table,
    target_mark,
    trend_mark,
)
from .download import FORMATS, export_url
from .urls import Params, area_url, kpi_url, overview_url, units_url
from .viewstate import Explanation, read_export

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
    navigation: dict[str, Any] | None = None,
) -> html.Header:
    """Pickers, area navigation, the level buttons and the breadcrumbs for this view."""
    national = p.with_(year=svc.national_year(p.year))
    here = area or svc.config.areas[0].id
    focus_kpi = kpi or svc.headline_kpi(here)
    level_hrefs = {
        "1": overview_url(national),
        "2": area_url(here, national),
        "2:2": kpi_url(focus_kpi, national, here),
        "2:3": units_url(here, _units_year(svc, here, p)),
    }
    options = municipality_options(svc)
    return html.Header(
        [
            html.A("Hoppa till innehållet", href="#main", className="skip-link"),
            html.Div(
                [
                    dcc.Link("Kvalitetsvisaren", href=overview_url(national), className="brand"),
                    _picker(
                        "Kommun", ids.MUNICIPALITY_PICKER, options, p.municipality, search=True
                    ),
                    _picker(
                        "År",
                        ids.YEAR_PICKER,
                        year_options(svc.years() if years is None else years, p.year),
                        p.year,
                        search=False,
                    ),
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
            # without a view (an explanation page) the pickers show p: choosing another
            # municipality or year opens that one's page at `path`
            dcc.Store(
                id=ids.NAV,
                data=navigation
                or {
                    "path": path,
                    "params": {"kommun": p.municipality, "ar": str(p.year)},
                    "keep": [],
                },
            ),
        ],
        className="site-header",
    )


def folded(text: str) -> str:
    """The text without its accents, lower case: "Göteborg" -> "goteborg" (what a reader
    types on a keyboard without å, ä and ö)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def municipality_options(svc: IndicatorService) -> list[dict]:
    """The municipalities for a picker. Dash searches the label and `search`: with the name
    without accents there too, "Goteborg" finds Göteborg and "Vasteras" Västerås. Made once
    per service (every page's header has them); a reloaded service makes its own."""
    if svc not in _OPTIONS:
        _OPTIONS[svc] = tuple(
            {"label": r.title, "value": r.id, "search": folded(r.title)}
            for r in records(svc.municipality_options())
        )
    return list(_OPTIONS[svc])


_OPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # service -> its options


def year_options(years: list[int] | None, current: int) -> list[dict]:
    """The years the page has data for, newest first. A URL may name another year (a link
    from a page with other years): it is listed too, saying it has nothing, so the picker
    shows the year the page is for."""
    shown = list(years or [])
    options = [{"label": str(y), "value": y} for y in shown]
    if current not in shown:
        options.append({"label": f"{current} (inga uppgifter)", "value": current})
        options.sort(key=lambda o: o["value"], reverse=True)
    return options


def _units_year(svc: IndicatorService, area: str, p: Params) -> Params:
    """The parameters of a link to the area's units: the year itself if its units have data
    then, else their latest year (a link never lands on an empty unit page)."""
    return p.with_(year=svc.unit_year(area, p.municipality, p.year))


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
                placeholder="Sök kommun" if search else "Välj",
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
    counts = [
        html.Span(
            f"{QUARTILES[c][0]} {getattr(row, f'kpis_{c}')}",
            className=f"count count-{c}",
            title=f"{getattr(row, f'kpis_{c}')} nyckeltal: {QUARTILES[c][1]}",
        )
        for c in ("green", "yellow", "red", "grey")
    ]
    # issue 16: the place with the range the margins of error allow ("sannolikt mellan …")
    place = (
        certainty_view.place_text(row.rank, row.n, row.place_best, row.place_worst)
        if pd.notna(row.rank)
        else row.missing or "ingen placering"
    )
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
            html.P(row.trend_text, className="tile-trend", **{"data-trend": attribute(row.trend)}),
            _survey_note(row.respondents_text, row.flags, "tile-respondents"),
            html.P(
                [html.Span("Nyckeltal:", className="counts-label"), *counts],
                className="tile-counts",
                title="Måttets nyckeltal per färg",
            ),
            html.P(local_views.targets_summary(row), className="tile-targets"),
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
            spec = charts.measure(
                svc, area_id, measure.measure, municipality=p.municipality, year=p.year
            )
            graph = [
                html.Details(
                    [
                        html.Summary("Diagram"),
                        chart(f"matt-{measure.measure}", spec, p.municipality),
                    ],
                    className="measure-chart",
                )
            ]
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
    named by its export parameters (components.chart) and read through the same boundary as
    a download."""
    kind = spec.get("kind") if isinstance(spec, dict) else None
    query = spec.get("query") if isinstance(spec, dict) else None
    wanted = read_export(svc, kind, query if isinstance(query, dict) else {}, FORMATS)
    if isinstance(wanted, Explanation):
        return html.P(wanted.message, className="notice")
    found = charts.build(svc, wanted.kind, wanted.chart_params())
    if found is None:
        return html.P("Diagrammet har inget att visa.", className="notice")
    if len(found.data) > LONG_TABLE:
        return long_table(found.data, found.title)
    return table(found.data, found.title)


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
    return html.Div(
        [
            html.P(
                [f"{name} {s.year}: ", badge(s.colour, certainty=u["certainty"])],
                className="summary-head",
            ),
            html.Dl([item for k, v in facts for item in (html.Dt(k), html.Dd(v))]),
            html.P(target_mark(s.target_status, s.target, s.unit), className="summary-target"),
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


def onepager_link(area: Area, p: Params) -> html.A:
    params = {"area": area.id, "kommun": p.municipality, "ar": str(p.year)}
    return html.A(
        f"Ladda ner {area.label.lower()} på en sida (PDF för nämnden)",
        href=export_url("en-sida", params, "pdf"),
        download="",
        className="onepager-link",
    )


def area_downloads(area: Area, p: Params, *, tiles: bool = True) -> html.P:
    """Under the one-pager's link: the area's tiles as images (level 1 only, where the tiles
    are) and its presentation."""
    params = {"area": area.id, "kommun": p.municipality, "ar": str(p.year)}
    name = area.label.lower()
    images = [
        html.A(
            f"Ladda ner rutorna för {name} ({text})",
            href=export_url("rutor", params, fmt),
            download="",
            className="tiles-link",
        )
        for fmt, text in (("png", "PNG"), ("png-tryck", "PNG för tryck"), ("svg", "SVG"))
    ]
    deck = html.A(
        f"Ladda ner presentation om {name} (PowerPoint)",
        href=export_url("presentation", params, "pptx"),
        download="",
        className="deck-link",
    )
    links = [*(images if tiles else []), deck]
    spaced = [part for link in links for part in (" · ", link)][1:]
    return html.P(spaced, className="area-downloads")


def overview_deck_link(p: Params) -> html.A:
    params = {"kommun": p.municipality, "ar": str(p.year)}
    return html.A(
        "Ladda ner presentation med alla områden (PowerPoint)",
        href=export_url("presentation-alla", params, "pptx"),
        download="",
        className="deck-link",
    )
