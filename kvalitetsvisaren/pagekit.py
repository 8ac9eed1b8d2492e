"""What every page shares: reading and checking its URL, the skeleton its layout returns, and
turning a bad URL into the Swedish explanation page (logged, never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from dash import dcc, html

from . import views
from .components import explanation, source_line
from .response_cache import dont_cache
from .runtime import get_runtime, get_service
from .service import IndicatorService, UnknownError
from .urls import BadParameter, Params, overview_url, parse_params

log = logging.getLogger("kvalitetsvisaren.pages")


def read(
    svc: IndicatorService,
    raw: dict[str, Any],
    *,
    unit_level: bool = False,
    area: str | None = None,
    extra_years: list[int] | None = None,
) -> Params:
    """Parse the query and check that it names things the data has (`extra_years`: years of
    an own measure, besides the national ones). Raises BadParameter or UnknownError with a
    Swedish message."""
    fields = ("kommun", "ar", "grupp", "enhet", "omrade")
    p = parse_params(
        svc.config.default_municipality, svc.years()[0], **{k: raw.get(k) for k in fields}
    )
    svc.check_municipality(p.kommun)
    allowed = set(svc.years())
    if unit_level and area:
        allowed |= set(svc.unit_years(area))
    allowed |= set(extra_years or ())
    if p.ar not in allowed:
        raise BadParameter(
            f"Det finns inga uppgifter för år {p.ar}. Välj ett år mellan {min(allowed)} och "
            f"{max(allowed)}."
        )
    return p


def skeleton(
    *,
    level: str,
    path: str,
    raw: dict[str, Any],
    params_id: str,
    content: list,
    unit_level: bool = False,
    area: str | None = None,
    kpi: str | None = None,
    check: Callable[[IndicatorService, Params], str | None] | None = None,
    extra_years: list[int] | None = None,
    years: Callable[[IndicatorService, Params], list[int]] | None = None,
) -> html.Div:
    """The page: header, a main region whose content the page's callback fills, and the
    checked parameters in a Store. A bad URL gets the explanation page instead. `years`: the
    years the page has data for (its year picker offers those)."""
    svc = get_service()
    # Dash Pages passes path segments as they came, percent-encoded: name them as typed
    area = unquote(area) if area else area
    kpi = unquote(kpi) if kpi else kpi
    try:
        if area is not None:
            svc.area(area)
        if kpi is not None:
            svc.check_kpi(kpi)
        p = read(svc, raw, unit_level=unit_level, area=area, extra_years=extra_years)
        unit_title = check(svc, p) if check else None
    except (BadParameter, UnknownError) as exc:
        log.warning("Bad URL %s %s: %s", path, raw, exc)
        return bad_url_page(svc, str(exc))
    # each part of the store has its own vintage: unit values were fetched apart
    part, universe = ("ou_values", "enheter") if unit_level else ("values", "kommuner")
    return html.Div(
        [
            views.header(
                svc,
                p,
                level=level,
                path=path,
                area=area,
                kpi=kpi,
                unit_title=unit_title,
                years=years(svc, p) if years else None,
            ),
            *stale_banner(),
            html.Main(
                [*content, source_line(p.ar, svc.store.vintage(part), universe)],
                id="main",
                tabIndex="-1",
            ),
            dcc.Store(id=params_id, data=p.__dict__),
        ]
    )


def check_unit(svc: IndicatorService, area: str, p: Params) -> str | None:
    """A unit must exist, belong to the municipality and be of the area's kind."""
    if not p.enhet:
        return None
    unit = svc.unit(p.enhet)
    if unit["municipality_id"] != p.kommun or unit["area"] != area:
        raise UnknownError(
            f"Enheten {p.enhet!r} hör inte till {svc.area(area).label.lower()} i "
            f"{svc.names.get(p.kommun, p.kommun)}."
        )
    return unit["title"]


def bad_url_page(svc: IndicatorService, message: str) -> html.Div:
    p = Params(svc.config.default_municipality, svc.years()[0])
    name = svc.names.get(p.kommun, p.kommun)
    return html.Div(
        [
            views.header(svc, p, level="", path="/oversikt"),
            *stale_banner(),
            html.Main(
                explanation(message, [(f"Översikten för {name} {p.ar}", overview_url(p))]),
                id="main",
            ),
        ]
    )


def stale_banner() -> list[html.P]:
    """The line every page shows when the data may be out of date (nothing when fresh)."""
    text = get_runtime().freshness().banner()
    if text is None:
        return []
    return [html.P(["⚠ ", text], className="stale-banner", role="status", id="stale-banner")]


def render(build: Callable[[IndicatorService, Params], Any], data: dict[str, Any] | None) -> Any:
    """Run a page's view builder for the checked parameters; an unknown thing the layout did
    not catch still becomes an explanation, not a traceback."""
    svc = get_service()
    p = Params(**(data or {"kommun": svc.config.default_municipality, "ar": svc.years()[0]}))
    try:
        return build(svc, p)
    except UnknownError as exc:
        log.warning("Cannot render %s: %s", p, exc)
        return explanation(str(exc), [("Till översikten", overview_url(p))])
    except Exception:  # a bug must cost the reader one view, not the page: log it whole
        log.exception("Failed to render %s", p)
        dont_cache()
        return explanation(
            "Ett fel uppstod när sidan skulle visas. Felet är loggat; försök igen eller välj en "
            "annan vy.",
            [("Till översikten", overview_url(p))],
        )
