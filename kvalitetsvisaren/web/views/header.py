"""The header of every page: navigation, the pickers of municipality and year, crumbs."""

from __future__ import annotations

import unicodedata
import weakref
from typing import Any

from dash import dcc, html

from ...rows import records
from ...service.facade import IndicatorService
from .. import ids
from ..components import (
    DROPDOWN_LABELS,
)
from ..urls import Params, area_url, kpi_url, overview_url, units_url

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
