"""A chart by its kind and URL parameters (the download route), and every chart of a
municipality (the batch export)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...service.facade import IndicatorService
from ...service.records import UnknownError
from .chart import (
    Chart,
    _chosen,
    _default_area,
    _mp,
)
from .national import (
    gender,
    group,
    measure,
    spread,
    tiles,
    trend,
)
from .own import own_trend, own_units
from .units import unit, units


def build(svc: IndicatorService, kind: str, params: dict[str, Any]) -> Chart | None:
    """The chart of `kind` for the parameters (as in an export URL). Raises UnknownError for
    what the data lacks; None when the chart has nothing to show (e.g. no gender split)."""
    kpi_area = {"area": params.get("area") or _default_area(svc, params.get("kpi"))}
    builders = {
        "rutor": lambda: tiles(svc, params["area"], **_mp(params)),
        "matt": lambda: measure(svc, params["area"], params["measure"], **_mp(params)),
        "spridning": lambda: spread(svc, params["kpi"], **kpi_area, **_mp(params)),
        "grupp": lambda: group(
            svc, params["kpi"], grupp=params.get("grupp") or "liknande", **kpi_area, **_mp(params)
        ),
        "utveckling": lambda: trend(svc, params["kpi"], **kpi_area, **_mp(params)),
        "kon": lambda: gender(svc, params["kpi"], **kpi_area, **_mp(params)),
        "enheter": lambda: units(
            svc, params["area"], params["kpi"], chosen=_chosen(params), **_mp(params)
        ),
        "enhet": lambda: unit(svc, params["area"], params["enhet"], params["kpi"], **_mp(params)),
        "lokal-utveckling": lambda: own_trend(
            svc, params["matt"], ou=params.get("enhet") or None, **_mp(params)
        ),
        "lokal-enheter": lambda: own_units(
            svc, params["matt"], ou=params.get("enhet") or None, **_mp(params)
        ),
    }
    if kind not in builders:
        raise UnknownError(f"Diagramtypen {kind!r} finns inte.")
    try:
        return builders[kind]()
    except KeyError as exc:
        if isinstance(exc, UnknownError):
            raise
        raise UnknownError(f"Parametern {exc.args[0]!r} saknas för diagrammet.") from None


# --- every chart of a municipality -----------------------------------------------------


def all_charts(
    svc: IndicatorService, municipality: str, year: int, areas: list[str]
) -> Iterator[Chart]:
    """Every chart the dashboard shows for the areas: the level-1 tiles, each quality
    measure, each KPI with a value that year (spread, group, trend, genders; for the first
    area listing it), each unit-level KPI (the municipality's latest unit year), and each
    own measure (trend, units)."""
    seen: set[str] = set()
    for area in areas:
        config_area = svc.area(area)
        kpis = svc.area_kpis(area, municipality, year)
        yield tiles(svc, area, municipality=municipality, year=year)
        for m in config_area.measures:
            if m.kind == "quality":
                yield measure(svc, area, m.id, municipality=municipality, year=year)
        for kpi in kpis.loc[kpis["value"].notna(), "kpi"].unique():
            if kpi in seen:
                continue
            seen.add(kpi)
            where = {"area": area, "municipality": municipality, "year": year}
            yield spread(svc, kpi, **where)
            for chart in (group(svc, kpi, **where), gender(svc, kpi, **where)):
                if chart is not None:
                    yield chart
            yield trend(svc, kpi, **where)
        yield from _unit_level_charts(svc, area, municipality, year)


def _unit_level_charts(
    svc: IndicatorService, area: str, municipality: str, year: int
) -> Iterator[Chart]:
    """The area's units per KPI (the municipality's latest unit year if `year` has none),
    then its own measures (trend, units)."""
    unit_year = svc.unit_year(area, municipality, year)
    where = {"municipality": municipality}
    found = [units(svc, area, k, **where, year=unit_year) for k in svc.unit_kpis(area)]
    for measure_id in svc.own_measures(area, municipality, year)["measure_id"]:
        found += [
            own_trend(svc, measure_id, **where, year=year),
            own_units(svc, measure_id, **where, year=year),
        ]
    yield from (chart for chart in found if chart is not None)
