"""The Swedish words of the URL state's explanations: names, labels, links home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...labels import fold
from ...service.facade import IndicatorService
from .. import urls
from ..urls import Params

# --- words -----------------------------------------------------------------------------
from .model import (
    AREA,
    KPI,
    OVERVIEW,
    OWN,
    PATHS,
    UNITS,
    UPLOAD,
    View,
)


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
