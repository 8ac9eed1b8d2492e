"""A chart as one object (figure, data, alt text, file name) and what every builder shares."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...labels import QUARTILES
from ...service.facade import IndicatorService
from .. import figures

KINDS = (
    "rutor",
    "matt",
    "spridning",
    "grupp",
    "utveckling",
    "kon",
    "enheter",
    "enhet",
    "lokal-utveckling",
    "lokal-enheter",
)


@dataclass(frozen=True)
class Chart:
    kind: str
    slug: str  # file name stem, e.g. vastervik_2022_hemtjanst_bemotande
    title: str
    subtitle: str  # municipality (or unit) and year
    figure: figures.Figure  # plain data; figures.plotly_figure for plotly's object
    data: pd.DataFrame  # what is plotted, Swedish headers with units
    alt_text: str
    year: int
    universe: str = "kommuner"  # what the colours rank among, for the source line
    params: tuple[tuple[str, str], ...] = ()  # how to ask for it again (export URL)
    vintage: str | None = None  # when the data it shows was fetched (its part of the store)


@dataclass(frozen=True)
class Place:
    """What a national chart (levels 1-2:2) is of: a checked municipality's name, the year and
    the area. They name its file (`<name>_<year>_<area>_<stem>`) and its subtitle, and the
    national values' vintage dates it; `params` after the area ask for it again."""

    svc: IndicatorService
    name: str
    year: int
    area: str

    def chart(
        self,
        kind: str,
        stem: str,
        title: str,
        figure: figures.Figure,
        data: pd.DataFrame,
        alt: str,
        *params: tuple[str, str],
    ) -> Chart:
        return Chart(
            kind,
            f"{slugify(self.name)}_{self.year}_{self.area}_{stem}",
            title,
            f"{self.name} {self.year}",
            figure,
            data,
            alt,
            self.year,
            params=(("area", self.area), *params),
            vintage=_national(self.svc),
        )


def slugify(text: str) -> str:
    """ "Västervik" -> "vastervik": ASCII, lower case, words joined by "-"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unit_col(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit and unit != "ja/nej" else name


def _word(colour: str) -> str:
    return QUARTILES.get(colour, QUARTILES["grey"])[1]


def _chosen(params: dict[str, Any]) -> tuple[str, ...]:
    """The units compared (jamfor=, checked by the URL boundary)."""
    return tuple(u for u in str(params.get("jamfor") or "").split(",") if u)


def _mp(params: dict[str, Any]) -> dict[str, Any]:
    return {"municipality": params["kommun"], "year": int(params["ar"])}


def _names(svc: IndicatorService, municipality: str, area: str | None = None) -> tuple:
    name = svc.check_municipality(municipality)
    return name, slugify(name), (svc.area(area) if area else None)


def _default_area(svc: IndicatorService, kpi: str | None) -> str:
    """An export URL without `area`: the first area that lists the KPI (as the KPI page does
    for a URL without `omrade`)."""
    return svc.area_of(kpi).id if kpi else svc.config.areas[0].id


def _national(svc: IndicatorService) -> str | None:
    return svc.store.vintage("values")


def _unit_level(svc: IndicatorService) -> str | None:
    return svc.store.vintage("ou_values")


def group_members(grupp: str) -> str | list[str]:
    """The URL's `grupp` as the service takes it: "liknande", "lan" or a list of ids."""
    return grupp if grupp in ("liknande", "lan") else grupp.split(",")
