"""Reading a URL, step by step: each parameter checked against the data served."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...labels import year_list
from ...service.facade import IndicatorService
from .. import urls
from ..urls import Params
from .links import _Links
from .model import (
    _CODE,
    _KPI,
    _YEAR,
    AREA,
    KPI,
    MAX_GROUP,
    MAX_LENGTH,
    MAX_REPEATS_LINKED,
    OWN,
    PATHS,
    UNITS,
    Raw,
    View,
    _Bad,
)
from .unit_params import _UnitParams

# --- reading, step by step ---------------------------------------------------------------
from .words import (
    _is_list,
    _label,
    _municipality_by_name,
    _place_name,
    _shown,
    urls_for,
)


@dataclass
class _Reader(_UnitParams, _Links):
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

    def measure_of_area(self, view: View) -> str:
        value = self.single("measure") or ""
        area = self.svc.area(view.area or "")
        if value not in {m.id for m in area.measures}:  # context measures have charts too
            raise _Bad(
                f"Måttet {_shown(value)} finns inte i {area.label}.",
                404,
                [(_label(self.svc, view), urls_for(view))],
            )
        return value

    # -- links ----------------------------------------------------------------------------
