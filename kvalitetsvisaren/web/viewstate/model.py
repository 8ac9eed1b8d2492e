"""The URL state's records (View, ExportView, Explanation), its routes and its limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..urls import Params

OVERVIEW, AREA, KPI, UNITS, OWN, UPLOAD = "overview", "area", "kpi", "units", "own", "upload"
PATHS = {
    OVERVIEW: "/oversikt",
    AREA: "/omrade/<area>",
    KPI: "/nyckeltal/<kpi>",
    UNITS: "/enheter/<area>",
    OWN: "/lokalt/<matt>",
    UPLOAD: "/ladda-upp",
}
# Embeddable views (issue 17): the overview and one area without header or pickers, for a
# municipality's own website (framed only by the configured frame-ancestors). Each reads its
# parameters exactly as the full view it shows.
EMBED_OVERVIEW, EMBED_AREA = "embed-overview", "embed-area"
EMBED_PATHS = {EMBED_OVERVIEW: "/inbaddning/oversikt", EMBED_AREA: "/inbaddning/omrade/<area>"}
EMBEDS = {EMBED_OVERVIEW: OVERVIEW, EMBED_AREA: AREA}  # embed route: the full view's route
EXPORT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {  # kind: (page it is on, required)
    "matt": (AREA, ("area", "measure")),
    "spridning": (KPI, ("kpi",)),
    "grupp": (KPI, ("kpi",)),
    "utveckling": (KPI, ("kpi",)),
    "kon": (KPI, ("kpi",)),
    "enheter": (UNITS, ("area", "kpi")),
    "enhet": (UNITS, ("area", "kpi", "enhet")),
    "lokal-utveckling": (OWN, ("matt",)),
    "lokal-enheter": (OWN, ("matt",)),
    "en-sida": (AREA, ("area",)),
    "rutor": (AREA, ("area",)),
    "presentation": (AREA, ("area",)),
    "presentation-alla": (OVERVIEW, ()),
}
# Kinds that are documents, not charts: the formats they come in (the first is the default)
DOCUMENT_FORMATS = {
    "en-sida": ("pdf",),
    "presentation": ("pptx",),
    "presentation-alla": ("pptx",),
}
# The query parameters that a change of year keeps, and a change of municipality keeps
KEEP_ON_YEAR = {KPI: ("grupp", "omrade"), UNITS: ("enhet",), OWN: ("enhet",)}
KEEP_ON_MUNICIPALITY = {KPI: ("omrade",)}
MAX_LENGTH = 200  # characters in one value; no real link needs more
MAX_GROUP = 25  # municipalities in an own comparison list (a readable chart)
MAX_REPEATS_LINKED = 5
MAX_COMPARE = 5  # units side by side (what a table on a screen holds)
MAX_SEARCH = 100  # characters of a unit name search; the longest name in Kolada has 66

Raw = str | Sequence[Any] | None  # a query value as Dash and Flask pass it
_CODE = re.compile(r"\d{4}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_OU = re.compile(r"[A-Za-z0-9]{1,32}", re.ASCII)
_KPI = re.compile(r"[A-Za-z]\d{5}", re.ASCII)


@dataclass(frozen=True)
class Explanation:
    """Why a URL shows no view (Swedish), where to go instead, and the HTTP status it earns:
    404 for what the data does not have, 400 for what is not even well-formed."""

    message: str
    links: tuple[tuple[str, str], ...] = ()
    status: int = 404


@dataclass(frozen=True)
class View:
    """A valid view: the query parameters (Params) and what the path names."""

    route: str
    params: Params
    area: str | None = None  # the view's area: its path segment, omrade, or the own measure's
    kpi: str | None = None
    measure: str | None = None  # an own measure (/lokalt/<matt>)
    unit_title: str | None = None
    years: tuple[int, ...] = ()  # the years this view has data for, newest first (maybe none)
    compare: tuple[str, ...] = ()  # level 2:3: the units side by side (jamfor=), in URL order
    search: str | None = None  # level 2:3: the unit list's name search (sok=)

    @property
    def path(self) -> str:
        segment = {AREA: self.area, UNITS: self.area, KPI: self.kpi, OWN: self.measure}
        template = PATHS[self.route]
        value = segment.get(self.route)
        return re.sub(r"<[a-z]+>", lambda _: value, template) if value else template

    def query(self) -> dict[str, str]:
        """The query parameters as text (what a page keeps in its dcc.Store, to read the view
        again in its content callback: the data may have changed, and a callback body can
        carry anything)."""
        p = self.params
        query = {"kommun": p.municipality, "ar": str(p.year)}
        if self.route == KPI:
            query |= ({"grupp": p.grupp} if p.grupp != "liknande" else {}) | {
                "omrade": self.area or ""
            }
        if p.enhet:
            query["enhet"] = p.enhet
        if self.compare:
            query["jamfor"] = ",".join(self.compare)
        if self.search:
            query["sok"] = self.search
        return query

    def navigation(self) -> dict[str, Any]:
        """What the header's pickers need to make the same view's URL for another year or
        municipality, in the browser (shell.py): a unit or an own group list belongs to its
        municipality and is dropped with it."""
        return {
            "path": self.path,
            "params": self.query(),
            "keep": list(KEEP_ON_YEAR.get(self.route, ())),
            "keep_other": list(KEEP_ON_MUNICIPALITY.get(self.route, ())),
        }

    def segments(self) -> dict[str, str]:
        name = {AREA: "area", UNITS: "area", KPI: "kpi", OWN: "matt"}.get(self.route)
        value = {AREA: self.area, UNITS: self.area, KPI: self.kpi, OWN: self.measure}
        return {name: value[self.route] or ""} if name else {}


@dataclass(frozen=True)
class ExportView:
    kind: str
    format: str
    view: View
    measure: str | None = None  # the area's measure of a "matt" chart

    def chart_params(self) -> dict[str, str]:
        """The parameters charts.build takes, all checked."""
        p, v = self.view.params, self.view
        params = {"kommun": p.municipality, "ar": str(p.year), "grupp": p.grupp}
        extra = {
            "area": v.area,
            "measure": self.measure,
            "kpi": v.kpi,
            "enhet": p.enhet,
            "matt": v.measure,
            "jamfor": ",".join(v.compare),
        }
        return params | {k: value for k, value in extra.items() if value}


class _Bad(Exception):
    def __init__(self, message: str, status: int, links: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.explanation = Explanation(message, tuple(dict.fromkeys(links)), status)
