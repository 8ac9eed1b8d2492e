"""Reading a URL into a View or an Explanation: the functions every page and route calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from urllib.parse import unquote

from ...service.facade import IndicatorService
from .model import (
    AREA,
    DOCUMENT_FORMATS,
    EMBED_PATHS,
    EMBEDS,
    EXPORT_KINDS,
    KPI,
    OWN,
    PATHS,
    UNITS,
    UPLOAD,
    Explanation,
    ExportView,
    Raw,
    View,
    _Bad,
)
from .reader import _Reader

# --- the public functions --------------------------------------------------------------
from .words import (
    _home_link,
    _label,
    _shown,
    urls_for,
)


def match_path(path: str) -> tuple[str, dict[str, str]] | None:
    """The route a path belongs to and its segment (percent-decoded), or None."""
    path = path.rstrip("/") or "/"
    for route, template in {**PATHS, **EMBED_PATHS}.items():
        head, _, var = template.partition("/<")
        if not var:
            if path == template:
                return route, {}
        elif path.startswith(head + "/") and len(path) > len(head) + 1:
            return route, {var.rstrip(">"): unquote(path[len(head) + 1 :])}
    return None


def read_view(
    svc: IndicatorService,
    route: str,
    segments: Mapping[str, Raw] | None = None,
    query: Mapping[str, Raw] | None = None,
) -> View | Explanation:
    """The view a page's path segments and query name, or why there is none. An embed route
    reads as the full view it shows (the View's route is that view's)."""
    route = EMBEDS.get(route, route)
    reader = _Reader(svc, route, segments or {}, query or {})
    try:
        return reader.view()
    except _Bad as bad:
        if route == UPLOAD:  # the upload page depends on nothing in its query
            return _Reader(svc, UPLOAD, {}, {}).view()
        return reader.with_way_home(bad.explanation)


def example_segments(svc: IndicatorService, route: str) -> dict[str, str]:
    """The path segment of a page's example view (what its layout shows without arguments:
    tests check every callback's ids against them)."""
    route = EMBEDS.get(route, route)
    first = svc.config.areas[0].id
    own = svc.local.measures["measure_id"]
    examples = {
        AREA: {"area": first},
        UNITS: {"area": first},
        KPI: {"kpi": svc.headline_kpi(first)},
        OWN: {"matt": own.iloc[0]} if len(own) else {},
    }
    return examples.get(route, {})


def read_export(
    svc: IndicatorService, kind: str, query: Mapping[str, Raw], formats: Sequence[str]
) -> ExportView | Explanation:
    """A download (/export/<kind>?...&format=): the same rules as the page it comes from;
    `formats` are those the charts can be had in (documents: DOCUMENT_FORMATS)."""
    if not isinstance(kind, str) or kind not in EXPORT_KINDS:
        return Explanation(
            f"Diagramtypen {_shown(str(kind))} finns inte. Typer: {', '.join(EXPORT_KINDS)}.",
            (_home_link(svc),),
        )
    route, required = EXPORT_KINDS[kind]
    if route == KPI and "omrade" not in query and "area" in query:  # a chart names its area
        query = {**query, "omrade": query["area"]}
    reader = _Reader(svc, route, {}, query)
    try:
        missing = [name for name in required if not reader.single(name)]
        if missing:
            names = " och ".join(missing)
            raise _Bad(f"Diagrammet {kind} behöver parametern {names}.", 400, [reader.home])
        segment = {AREA: "area", UNITS: "area", KPI: "kpi", OWN: "matt"}.get(route)
        reader.segments = {segment: reader.single(segment)} if segment else {}
        view = reader.view()
        allowed = list(DOCUMENT_FORMATS.get(kind, formats))
        fmt = reader.single("format") or ("png" if kind not in DOCUMENT_FORMATS else allowed[0])
        if fmt not in allowed:
            raise _Bad(
                f"Formatet {_shown(fmt)} finns inte för {kind}; välj bland {', '.join(allowed)}.",
                400,
                [(_label(svc, view), urls_for(view))],
            )
        measure = reader.measure_of_area(view) if kind == "matt" else None
        if route == UNITS:
            view = replace(view, kpi=reader.unit_kpi(view))
    except _Bad as bad:
        return reader.with_way_home(bad.explanation)
    return ExportView(kind, fmt, view, measure)


def embed_url(href: str) -> str | None:
    """The embeddable view of a full view's URL (its path under /inbaddning, the same query
    and anchor), or None if that view has no embeddable form."""
    path, sep, rest = href.partition("?")
    matched = match_path(path.partition("#")[0])
    if matched is None or matched[0] not in EMBEDS.values():
        return None
    return "/inbaddning" + path + sep + rest
