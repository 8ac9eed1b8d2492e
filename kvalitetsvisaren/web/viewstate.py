"""The URL state, read in one place. Every page, every content callback and every download
turns its path segments and query into a `View` (a valid state of the data served) or an
`Explanation` (Swedish: what is wrong, with links to the nearest valid views) through
`read_view` / `read_export`.

Decided here and nowhere else: repeated parameters (a list where one value belongs),
non-ASCII digits ("²", "٠٨٨٣", full width), huge values, unknown codes, and codes of the wrong
kind (Riket, a region, a group, a unit of another municipality or area, also among the units
compared). Unknown query parameters are ignored (a link from a newsletter may carry
utm_source). Pure: no Dash, no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from ..labels import fold, year_list
from ..service.facade import IndicatorService
from . import urls
from .urls import Params

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
    measure: str | None = None  # the area's quality measure of a "matt" chart

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


# --- the public functions --------------------------------------------------------------


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


def urls_for(view: View) -> str:
    """The URL of a view (its canonical form)."""
    p = view.params
    if view.route == OVERVIEW:
        return urls.overview_url(p)
    if view.route == AREA:
        return urls.area_url(view.area or "", p)
    if view.route == KPI:
        return urls.kpi_url(view.kpi or "", p, view.area)
    if view.route == UNITS:
        return urls.units_url(view.area or "", p, p.enhet, compare=view.compare, search=view.search)
    if view.route == OWN:
        return urls.own_url(view.measure or "", p)
    return PATHS[UPLOAD]


# --- reading, step by step ---------------------------------------------------------------


@dataclass
class _Reader:
    svc: IndicatorService
    route: str
    segments: Mapping[str, Raw]
    query: Mapping[str, Raw]
    known: dict[str, Any] = field(default_factory=dict)  # what is valid so far (for links)
    depth: int = 0  # links are views read again; a link's own links are not looked for

    def view(self) -> View:
        if self.route not in PATHS:
            raise _Bad("Sidan finns inte.", 404, [self.home])
        # The path first: links offered for a bad query keep the page the reader asked for.
        area = kpi = measure = None
        if self.route in (AREA, UNITS):
            area = self.area()
        elif self.route == KPI:
            kpi = self.kpi()
        elif self.route == OWN:
            measure, area = self.own_measure()
        municipality = self.municipality()
        if kpi is not None:
            area = self.kpi_area(kpi)
        years = tuple(self.years(area, measure, municipality))
        # a view of nothing (a KPI without values) still opens, on a national year, and says so
        year = self.year(years or tuple(self.svc.years()))
        group = self.group() if self.route == KPI else "liknande"
        unit, unit_title = (None, None)
        if self.route in (UNITS, OWN) and area is not None:
            unit, unit_title = self.unit(municipality, area)
        compare, search = ((), None)
        if self.route == UNITS and area is not None:
            compare, search = self.compare(municipality, area), self.search()
        params = Params(municipality, year, group, unit, area if self.route == KPI else None)
        return View(self.route, params, area, kpi, measure, unit_title, years, compare, search)

    # -- one value per name ---------------------------------------------------------------

    def single(self, name: str, source: Mapping[str, Raw] | None = None) -> str | None:
        """The one value of a parameter (None if absent or empty). A repeated parameter with
        different values is an error: which one the reader meant cannot be guessed."""
        raw = (self.query if source is None else source).get(name)
        if raw is None:
            return None
        values = [raw] if isinstance(raw, str) else list(raw) if _is_list(raw) else [raw]
        # a year may arrive as a JSON number in a callback body; it means the same
        values = [str(v) if type(v) is int else v for v in values]
        if not all(isinstance(v, str) for v in values):
            raise _Bad(f"Parametern {name} har ett ogiltigt värde.", 400, [self.home])
        distinct = list(dict.fromkeys(v.strip() for v in values))
        if len(distinct) > 1:
            raise _Bad(
                f"Adressen anger {name} {len(values)} gånger ("
                + ", ".join(_shown(v) for v in distinct[:MAX_REPEATS_LINKED])
                + "). Ange den en gång.",
                400,
                self.links_with(name, distinct[:MAX_REPEATS_LINKED], source),
            )
        value = distinct[0] if distinct else ""
        if len(value) > MAX_LENGTH:  # the view without it, if that is one
            too_long = f"Värdet av {name} är för långt ({len(value)} tecken)."
            raise _Bad(too_long, 400, [self.here(**{name: None}), self.home])
        return value or None

    def links_with(
        self, name: str, values: list[str], source: Mapping[str, Raw] | None
    ) -> list[tuple[str, str]]:
        """One link per value that makes a valid view on its own."""
        links = [self.here(**{name: value}) for value in values]
        return [link for link in links if link != self.home] or [self.home]

    # -- each parameter -------------------------------------------------------------------

    def municipality(self) -> str:
        svc = self.svc
        value = self.single("kommun") or svc.config.default_municipality
        if not _CODE.fullmatch(value):
            found = _municipality_by_name(svc, value)
            links = [self.here(kommun=found)] if found else []
            raise _Bad(
                f"Kommunkoden {_shown(value)} ska vara fyra siffror (0–9), t.ex. "
                f"{svc.config.default_municipality}."
                + (f" Menade du {svc.names[found]} ({found})?" if found else ""),
                400,
                [*links, self.home],
            )
        if value in svc.kommun_ids:
            self.known["kommun"] = value
            return value
        if value == "0000":
            message = "0000 är koden för hela riket. Kvalitetsvisaren visar en kommun i taget."
        elif value in svc.names.index:
            message = (
                f"{value} är koden för {svc.names[value]}, en region. Kvalitetsvisaren "
                "jämför kommuner; välj en kommun."
            )
        else:
            message = f"Det finns ingen kommun med koden {value}."
        raise _Bad(message, 404, [self.here(kommun=svc.config.default_municipality), self.home])

    def area(self) -> str:
        value = self.single("area", self.segments)
        areas = {a.id: a for a in self.svc.config.areas}
        if value not in areas:
            raise _Bad(
                f"Området {_shown(value or '')} finns inte. Områden: "
                + ", ".join(a.label for a in areas.values())
                + ".",
                404,
                [self.home, *(self.area_link(a) for a in areas)],
            )
        self.known["area"] = value
        return value

    def kpi(self) -> str:
        value = self.single("kpi", self.segments) or ""
        if value in self.svc.directions:
            self.known["kpi"] = value
            return value
        close = value.upper() if _KPI.fullmatch(value) else None
        links = [self.here(kpi=close)] if close in self.svc.directions else []
        raise _Bad(
            f"Nyckeltalet {_shown(value)} ingår inte i Kvalitetsvisaren.",
            404 if _KPI.fullmatch(value) else 400,
            [*links, self.home],
        )

    def kpi_area(self, kpi: str) -> str:
        """The view's area (omrade): one whose measures list the KPI; the first if none is
        named (its comparison group and labels depend on it)."""
        listing = [a.id for a in self.svc.config.areas if kpi in a.kpi_ids()]
        value = self.single("omrade")
        if value is None:
            value = listing[0]
        elif value not in listing:
            raise _Bad(
                f"Nyckeltalet {kpi} ingår inte i området {_shown(value)}.",
                404,
                [self.here(omrade=a) for a in listing],
            )
        self.known["omrade"] = value
        return value

    def own_measure(self) -> tuple[str, str]:
        value = self.single("matt", self.segments) or ""
        known = set(self.svc.local.measures["measure_id"])
        if value not in known:
            raise _Bad(f"Det lokala måttet {_shown(value)} finns inte.", 404, [self.home])
        self.known["matt"] = value
        return value, self.svc.own_measure(value)["area"]

    def years(self, area: str | None, measure: str | None, municipality: str) -> list[int]:
        """The years this view has something to show for, newest first (maybe none)."""
        svc = self.svc
        if self.route == AREA and area:
            found = svc.area_years(area, municipality)
        elif self.route == KPI:
            found = svc.kpi_years(self.known["kpi"])
        elif self.route == UNITS and area:  # Kolada's unit values and the municipality's own
            own = svc.own_unit_years(area, municipality)
            found = sorted(set(svc.unit_years(area, municipality)) | set(own), reverse=True)
        elif self.route == OWN and measure:
            found = svc.own_years(measure, municipality)
        else:
            found = svc.overview_years(municipality)
        return found

    def year(self, years: tuple[int, ...]) -> int:
        value = self.single("ar")
        if value is None:
            return years[0]
        if not _YEAR.fullmatch(value):
            raise _Bad(
                f"Året {_shown(value)} ska vara ett årtal med fyra siffror (0–9), t.ex. "
                f"{years[0]}.",
                400,
                [self.here(ar=years[0])],
            )
        year = int(value)
        if year not in years:
            nearest = min(years, key=lambda y: (abs(y - year), -y))
            raise _Bad(
                f"Det finns inga uppgifter för {year} här. Uppgifter finns för {year_list(years)}.",
                404,
                [self.here(ar=nearest), self.here(ar=years[0])],
            )
        self.known["ar"] = year
        return year

    def group(self) -> str:
        value = self.single("grupp") or "liknande"
        if value in urls.GROUPS:
            return value
        codes = [c.strip() for c in value.split(",") if c.strip()]
        if not codes or not all(_CODE.fullmatch(c) for c in codes):
            raise _Bad(
                f"Jämförelsegruppen {_shown(value)} ska vara liknande, lan eller kommunkoder "
                "med komma emellan, t.ex. 0883,0861.",
                400,
                [self.here(grupp="liknande")],
            )
        codes = list(dict.fromkeys(codes))
        if len(codes) > MAX_GROUP:
            raise _Bad(
                f"En egen jämförelselista får ha högst {MAX_GROUP} kommuner, inte {len(codes)}.",
                400,
                [self.here(grupp=",".join(codes[:MAX_GROUP])), self.here(grupp="liknande")],
            )
        wrong = [c for c in codes if c not in self.svc.kommun_ids]
        if wrong:
            kept = [c for c in codes if c not in wrong]
            links = [self.here(grupp=",".join(kept))] if kept else []
            raise _Bad(
                "Jämförelselistan har koder som inte är kommuner: "
                + ", ".join(_place_name(self.svc, c) for c in wrong)
                + ".",
                404,
                [*links, self.here(grupp="liknande")],
            )
        return ",".join(codes)

    def unit(self, municipality: str, area: str) -> tuple[str | None, str | None]:
        value = self.single("enhet")
        if value is None:
            return None, None
        svc = self.svc
        without = self.here(enhet=None)
        if not _OU.fullmatch(value):
            raise _Bad(
                f"Enheten {_shown(value)} är inget Kolada-id (t.ex. V21E12398).", 400, [without]
            )
        unit = svc.find_unit(value)
        if unit is None:
            raise _Bad(f"Enheten {_shown(value)} finns inte i Kolada.", 404, [without])
        config_area = svc.area(area)
        if not self.belongs(unit, municipality, area):
            owner = unit["municipality_id"]
            links = [without]
            if unit["id"][:3] == config_area.ou_prefix and owner in svc.kommun_ids:
                links.append(self.here(kommun=owner, enhet=unit["id"]))
            raise _Bad(
                f"Enheten {unit['title']} ({unit['id']}) hör inte till "
                f"{config_area.label.lower()} i {svc.names[municipality]}.",
                404,
                links,
            )
        self.known["enhet"] = unit["id"]
        return unit["id"], unit["title"]

    def compare(self, municipality: str, area: str) -> tuple[str, ...]:
        """The units compared side by side (jamfor=V15E…,V15E…): each a unit of the
        municipality and the area (any letter case), each once, at most MAX_COMPARE."""
        value = self.single("jamfor")
        if value is None:
            return ()
        written = list(dict.fromkeys(c.strip() for c in value.split(",") if c.strip()))
        found = {c: self.svc.find_unit(c) if _OU.fullmatch(c) else None for c in written}
        good = [u["id"] for u in found.values() if u and self.belongs(u, municipality, area)]
        units = list(dict.fromkeys(good))

        def links() -> list[tuple[str, str]]:
            """The comparison without what is wrong (if a unit is left), and none at all."""
            kept = [self.here(jamfor=",".join(units[:MAX_COMPARE]))] if units else []
            return [*kept, self.here(jamfor=None)]

        malformed = [c for c in written if not _OU.fullmatch(c)]
        if malformed:
            raise _Bad(
                "Jämförelsen har värden som inte är Kolada-id för enheter (t.ex. V21E12398): "
                + ", ".join(_shown(c) for c in malformed[:MAX_REPEATS_LINKED])
                + ".",
                400,
                links(),
            )
        wrong = [c for c, u in found.items() if not u or not self.belongs(u, municipality, area)]
        if wrong:
            raise _Bad(
                f"Jämförelsen har enheter som inte hör till {self.svc.area(area).label.lower()} "
                f"i {self.svc.names[municipality]}: "
                + ", ".join(_unit_name(found[c], c) for c in wrong[:MAX_REPEATS_LINKED])
                + ".",
                404,
                links(),
            )
        if len(units) > MAX_COMPARE:
            raise _Bad(
                f"Högst {MAX_COMPARE} enheter kan jämföras åt gången, inte {len(units)}.",
                400,
                links(),
            )
        self.known["jamfor"] = ",".join(units)
        return tuple(units)

    def belongs(self, unit: dict[str, Any], municipality: str, area: str) -> bool:
        prefix = self.svc.area(area).ou_prefix
        return unit["municipality_id"] == municipality and unit["id"][:3] == prefix

    def search(self) -> str | None:
        """The unit list's name search (sok=): any text, its runs of spaces made one; long
        texts are refused (no unit name is that long)."""
        value = self.single("sok")
        if value is None:
            return None
        text = " ".join(value.split())
        if len(text) > MAX_SEARCH:
            raise _Bad(
                f"Söktexten är för lång ({len(text)} tecken, högst {MAX_SEARCH}).",
                400,
                [self.here(sok=None)],
            )
        if text:
            self.known["sok"] = text
        return text or None

    def unit_kpi(self, view: View) -> str:
        value = self.single("kpi") or ""
        kpis = self.svc.unit_kpis(view.area or "")
        if value not in kpis:
            raise _Bad(
                f"Nyckeltalet {_shown(value)} har inga uppgifter per enhet i "
                f"{self.svc.area(view.area or '').label.lower()}.",
                404,
                [(_label(self.svc, view), urls_for(view))],
            )
        return value

    def measure_of_area(self, view: View) -> str:
        value = self.single("measure") or ""
        area = self.svc.area(view.area or "")
        if value not in {m.id for m in area.measures if m.kind == "quality"}:
            raise _Bad(
                f"Måttet {_shown(value)} finns inte bland kvalitetsmåtten i {area.label}.",
                404,
                [(_label(self.svc, view), urls_for(view))],
            )
        return value

    # -- links ----------------------------------------------------------------------------

    def with_way_home(self, why: Explanation) -> Explanation:
        """Every explanation offers the overview of the municipality (if known) as well."""
        links = tuple(dict.fromkeys([*why.links, self.home]))
        return replace(why, links=links)

    @property
    def home(self) -> tuple[str, str]:
        return _home_link(self.svc, self.known.get("kommun"))

    def area_link(self, area: str) -> tuple[str, str]:
        municipality = self.known.get("kommun", self.svc.config.default_municipality)
        p = Params(municipality, (self.svc.area_years(area, municipality) or self.svc.years())[0])
        return self.svc.area(area).label, urls.area_url(area, p)

    def here(self, **changes: Any) -> tuple[str, str]:
        """A link to this view with `changes`, made of the parts known to be valid (the others
        left to their defaults); only a link that makes a valid view is offered."""
        segment_names = {"area", "kpi", "matt"}
        segments = {k: v for k, v in self.known.items() if k in segment_names}
        query = {k: str(v) for k, v in self.known.items() if k not in segment_names}
        for name, value in changes.items():
            target = segments if name in segment_names else query
            if value is None:
                target.pop(name, None)
            else:
                target[name] = str(value)
        if self.depth >= 2:
            return self.home
        try:
            found = _Reader(self.svc, self.route, segments, query, depth=self.depth + 1).view()
        except _Bad:
            return self.home
        return _label(self.svc, found), urls_for(found)


# --- words -----------------------------------------------------------------------------


def _is_list(raw: Any) -> bool:
    return isinstance(raw, list | tuple)


def _shown(value: str) -> str:
    """A user's value quoted in a message, cut short and with invisible characters shown."""
    text = "".join(c if c.isprintable() else "�" for c in str(value))
    return f"”{text[:40]}…”" if len(text) > 40 else f"”{text}”"


def _label(svc: IndicatorService, view: View) -> str:
    p = view.params
    name = svc.names[p.municipality]
    labels: dict[str, Callable[[], str]] = {
        OVERVIEW: lambda: f"Översikten för {name} {p.year}",
        AREA: lambda: f"{svc.area(view.area or '').label} i {name} {p.year}",
        KPI: lambda: f"{view.kpi} {svc.config.kpi(view.kpi or '').label}, {name} {p.year}",
        UNITS: lambda: f"{_units_label(view)} i {name} {p.year}",
        OWN: lambda: f"Det lokala måttet {view.measure}, {name} {p.year}",
        UPLOAD: lambda: "Egna mått",
    }
    return labels[view.route]()


def _units_label(view: View) -> str:
    if view.unit_title:
        return view.unit_title
    if view.compare:
        n = len(view.compare)
        return f"Jämförelsen av {n} {'enhet' if n == 1 else 'enheter'}"
    return "Enheterna"


def _home_link(svc: IndicatorService, municipality: str | None = None) -> tuple[str, str]:
    """The overview of the municipality (the default one if none is known) at its latest year."""
    municipality = municipality or svc.config.default_municipality
    p = Params(municipality, (svc.overview_years(municipality) or svc.years())[0])
    return f"Översikten för {svc.names[municipality]} {p.year}", urls.overview_url(p)


def _place_name(svc: IndicatorService, code: str) -> str:
    if code == "0000":
        return "0000 (riket)"
    if code in svc.names.index:
        return f"{code} ({svc.names[code]}, en region)"
    return f"{code} (finns inte)"


def _unit_name(unit: dict[str, Any] | None, written: str) -> str:
    """A unit named in a message: its name and id, or the id as written if Kolada has none."""
    if unit is None:
        return f"{_shown(written)} (finns inte i Kolada)"
    return f"{unit['title']} ({unit['id']})"


def _municipality_by_name(svc: IndicatorService, text: str) -> str | None:
    wanted = fold(text)
    for code, title in svc.municipality_options().itertuples(index=False):
        if fold(title) == wanted:
            return code
    return None
