"""The indicator configuration's pydantic models (areas, measures, KPIs) and their
cross-reference checks; ConfigError. Nothing area-specific lives here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

KPI_ID_PATTERN = r"^[NU]\d{5}$"
SLUG_PATTERN = r"^[a-z][a-z0-9-]*$"
OU_PREFIX_PATTERN = r"^V\d{2}$"
MUNICIPALITY_ID_PATTERN = r"^\d{4}$"
CONFIG_VERSION = 1

Loc = tuple[str | int, ...]


class ConfigError(ValueError):
    """The indicator configuration cannot be used. `problems` holds (field path, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {where}: {what}" for where, what in problems))


# --- field types ---------------------------------------------------------------------------


def _matching(pattern: str, what: str) -> AfterValidator:
    """Require a full match of `pattern` (ASCII digits only), naming `what` in the error."""
    regex = re.compile(pattern, re.ASCII)

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise PydanticCustomError(
                "pattern",
                "{what} {value} does not match {pattern}",
                {"what": what, "value": repr(value), "pattern": pattern},
            )
        return value

    return AfterValidator(check)


def _supported_version(value: int) -> int:
    if value != CONFIG_VERSION:
        raise PydanticCustomError(
            "version",
            "version {value} is not supported; this app reads version {supported}",
            {"value": value, "supported": CONFIG_VERSION},
        )
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


KpiId = Annotated[StrictStr, _matching(KPI_ID_PATTERN, "KPI")]
AreaId = Annotated[StrictStr, _matching(SLUG_PATTERN, "area id")]
MeasureId = Annotated[StrictStr, _matching(SLUG_PATTERN, "measure id")]
OuPrefix = Annotated[StrictStr, _matching(OU_PREFIX_PATTERN, "OU prefix")]
MunicipalityId = Annotated[StrictStr, _matching(MUNICIPALITY_ID_PATTERN, "municipality id")]
Text = Annotated[StrictStr, AfterValidator(_not_blank)]


# --- models --------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kpi(_Model):
    id: KpiId
    label: Text
    unit: Text
    higher_is_better: StrictBool | None  # required: write null for a context KPI
    has_ou_data: StrictBool = False
    # On the unit level (one school, one provider) the municipality's words can be wrong
    # ("alla skolor i kommunen", "antal"): these replace them there.
    ou_label: Text | None = None
    ou_unit: Text | None = None

    @property
    def unit_label(self) -> str:
        """The label on the unit level."""
        return self.ou_label or self.label

    @property
    def unit_unit(self) -> str:
        """The unit (of measurement) on the unit level."""
        return self.ou_unit or self.unit


class Measure(_Model):
    id: MeasureId
    label: Text
    kind: Literal["quality", "context"]
    kpis: tuple[KpiId, ...] = Field(min_length=1)  # headline KPI first


class LowResponse(_Model):
    """The KPI that tells a survey result rests on few answers ("få svar"), e.g. N23590
    "färre än 30 svarande (Ja=1)" with `at_least: 1`, or a respondent count (U23592) with
    `below: 30`. It applies to the KPIs from the same survey (the same Kolada title before
    " - "). `hidden_when_below`: Kolada hides the count itself below the limit, so a survey
    result without a count (in a year with counts for others) rests on fewer answers too."""

    kpi: KpiId
    below: float | None = None
    at_least: float | None = None
    hidden_when_below: StrictBool = False

    @model_validator(mode="after")
    def _one_limit(self) -> LowResponse:
        if (self.below is None) == (self.at_least is None):
            raise ValueError("give exactly one of below and at_least")
        if self.hidden_when_below and self.below is None:
            raise ValueError("hidden_when_below needs below (a respondent count)")
        return self

    @property
    def is_count(self) -> bool:
        """The KPI counts respondents (shown as "n svarande"), rather than flags few."""
        return self.below is not None

    def flags(self, value: pd.Series) -> pd.Series:
        """Element-wise: the value marks few respondents (NaN never does)."""
        return value.lt(self.below) if self.below is not None else value.ge(self.at_least)


class Area(_Model):
    id: AreaId
    label: Text
    ou_prefix: OuPrefix
    unit_noun: Text
    peer_group_area: Text
    low_response: LowResponse | None = None
    measures: tuple[Measure, ...] = Field(min_length=1)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(f"area {self.id!r} has no measure {measure_id!r}")

    def kpi_ids(self) -> tuple[str, ...]:
        """The distinct KPI ids of this area's measures, in order of appearance."""
        return tuple(dict.fromkeys(k for m in self.measures for k in m.kpis))


class AppConfig(_Model):
    version: Annotated[StrictInt, AfterValidator(_supported_version)]
    default_municipality: MunicipalityId
    kpis: tuple[Kpi, ...] = Field(min_length=1)
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_check(self) -> AppConfig:
        problems = list(_cross_reference_problems(self))
        if problems:
            raise _CrossReferenceError(problems)
        return self

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(f"no area {area_id!r}; configured: {[a.id for a in self.areas]}")

    def kpi(self, kpi_id: str) -> Kpi:
        for k in self.kpis:
            if k.id == kpi_id:
                return k
        raise KeyError(f"KPI {kpi_id!r} is not configured")

    def kpi_ids(self) -> tuple[str, ...]:
        """Every configured KPI id, in the order of the `kpis` list."""
        return tuple(k.id for k in self.kpis)

    def higher_is_better(self) -> dict[str, bool | None]:
        return {k.id: k.higher_is_better for k in self.kpis}

    def ou_kpi_ids(self, area_id: str | None = None) -> tuple[str, ...]:
        """KPIs with unit-level data (has_ou_data): all of them, or those used by one area.
        Sync fetches unit values for these."""
        ids = self.kpi_ids() if area_id is None else self.area(area_id).kpi_ids()
        return tuple(i for i in ids if self.kpi(i).has_ou_data)


# --- cross-reference checks ----------------------------------------------------------------


def _field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class _CrossReferenceError(ValueError):
    """Raised by AppConfig's validator; load_config unpacks `problems` into field paths."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{_field_path(loc)}: {msg}" for loc, msg in problems))


def _duplicates(ids: list[str]) -> Iterator[tuple[int, int, str]]:
    """(index, index of first occurrence, id) for every repeated id."""
    first: dict[str, int] = {}
    for i, value in enumerate(ids):
        if value in first:
            yield i, first[value], value
        else:
            first[value] = i


def _cross_reference_problems(cfg: AppConfig) -> Iterator[tuple[Loc, str]]:
    for i, first, kpi_id in _duplicates([k.id for k in cfg.kpis]):
        yield ("kpis", i, "id"), f"KPI {kpi_id!r} is defined twice (first at kpis[{first}])"
    for i, first, area_id in _duplicates([a.id for a in cfg.areas]):
        yield ("areas", i, "id"), f"area id {area_id!r} is used twice (first at areas[{first}])"
    for i, first, prefix in _duplicates([a.ou_prefix for a in cfg.areas]):
        yield ("areas", i, "ou_prefix"), f"OU prefix {prefix!r} is already used by areas[{first}]"
    defined = {k.id: k for k in cfg.kpis}
    for a_i, area in enumerate(cfg.areas):
        for m_i, first, measure_id in _duplicates([m.id for m in area.measures]):
            yield (
                ("areas", a_i, "measures", m_i, "id"),
                f"measure id {measure_id!r} is used twice in the area "
                f"(first at areas[{a_i}].measures[{first}])",
            )
        for m_i, measure in enumerate(area.measures):
            yield from _measure_problems(("areas", a_i, "measures", m_i), measure, defined)
        if area.low_response and area.low_response.kpi not in defined:
            yield (
                ("areas", a_i, "low_response", "kpi"),
                f"KPI {area.low_response.kpi!r} is not defined in the top-level kpis list",
            )
    used = {k for a in cfg.areas for m in a.measures for k in m.kpis}
    used |= {a.low_response.kpi for a in cfg.areas if a.low_response}
    for i, kpi in enumerate(cfg.kpis):
        if kpi.id not in used:
            yield ("kpis", i), f"KPI {kpi.id!r} is defined but no measure (or low_response) uses it"


def _measure_problems(
    loc: Loc, measure: Measure, defined: dict[str, Kpi]
) -> Iterator[tuple[Loc, str]]:
    for k_i, first, kpi_id in _duplicates(list(measure.kpis)):
        yield (*loc, "kpis", k_i), f"KPI {kpi_id!r} is listed twice (first at kpis[{first}])"
    for k_i, kpi_id in enumerate(measure.kpis):
        if kpi_id not in defined:
            yield (*loc, "kpis", k_i), f"KPI {kpi_id!r} is not defined in the top-level kpis list"
    directions = [defined[k].higher_is_better for k in measure.kpis if k in defined]
    if measure.kind == "quality" and directions and all(d is None for d in directions):
        yield (
            (*loc, "kpis"),
            "a quality measure needs at least one KPI with higher_is_better true or false "
            "(or make it kind: context)",
        )
