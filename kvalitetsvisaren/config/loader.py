"""The indicator configuration (config/indicators.yaml): pydantic models and a strict loader.

Nothing area-specific lives here: areas, measures and KPIs come from the YAML file only.
`load_config(path)` raises one `ConfigError` for every problem it finds; each line of its
message reads ``<file>: <field path>: <what is wrong>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args, get_origin

import pandas as pd
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
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


# --- YAML loading --------------------------------------------------------------------------


class _DuplicateKeyError(yaml.constructor.ConstructorError):
    def __init__(self, mapping: yaml.MappingNode, key_node: yaml.Node, first: yaml.Node) -> None:
        super().__init__(
            problem=f"duplicate key {key_node.value!r}", problem_mark=key_node.start_mark
        )
        self.mapping, self.key_node, self.first = mapping, key_node, first


class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that refuses a key repeated in one mapping (PyYAML would keep the last).
    Public: the targets file (targets.py) is read with it too, composing its nodes itself for
    its own line-numbered Swedish messages. libyaml's parser where PyYAML has it: indicators.
    yaml took 0.15 s to parse in pure Python, a tenth of the start-up."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # unhashable key: the base class reports it
                continue
            if first is not key_node:
                raise _DuplicateKeyError(node, key_node, first)
        return super().construct_mapping(node, deep=deep)


def _node_loc(root: yaml.Node, target: yaml.Node) -> Loc:
    """The field path of `target` inside the composed document `root` (() if not found)."""
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, loc = stack.pop()
        if node is target:
            return loc
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((v, (*loc, str(k.value))) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, (*loc, i)) for i, v in enumerate(node.value))
    return ()


def _read_yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(
            path, [("(file)", f"cannot read the file: {exc.strerror or exc}")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [("(file)", f"not UTF-8 text: {exc.reason}")]) from exc
    root = None
    try:
        loader = UniqueKeyLoader(text)  # reads the stream at once: a NUL byte fails here
    except yaml.YAMLError as exc:
        raise ConfigError(path, [("(file)", f"not valid YAML: {exc}")]) from None
    try:
        root = loader.get_single_node()
        return None if root is None else loader.construct_document(root)
    except _DuplicateKeyError as exc:
        loc = (*_node_loc(root, exc.mapping), str(exc.key_node.value))
        line, first = exc.key_node.start_mark.line + 1, exc.first.start_mark.line + 1
        msg = f"duplicate key {exc.key_node.value!r} on line {line} (first on line {first})"
        raise ConfigError(path, [(_field_path(loc), msg)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        what = ": ".join(p for p in (exc.context, exc.problem) if p)
        raise ConfigError(path, [(where, f"not valid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, [("(file)", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()


# --- error messages ------------------------------------------------------------------------


def _field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _yaml_value(value: Any) -> str:
    """`value` as a YAML author would name it: true, null, text 'x', the number 3, a list."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"text {value!r:.80}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return {list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (None if it is not a model)."""
    model: type[BaseModel] = AppConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if get_origin(annotation) is tuple:
            annotation = get_args(annotation)[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _context(raw: Any, loc: Loc) -> str:
    """Name the areas/measures/KPIs that `loc` passes through: " (area 'x', measure 'y')"."""
    nouns = {"areas": "area", "measures": "measure", "kpis": "KPI"}
    found, node = [], raw
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        deeper = loc[i + 1] if i + 1 < len(loc) else "id"  # an id already names itself
        item_id = node.get("id") if isinstance(node, dict) else None
        if i and loc[i - 1] in nouns and isinstance(item_id, str) and deeper != "id":
            found.append(f"{nouns[str(loc[i - 1])]} {item_id!r}")
    return f" ({', '.join(found)})" if found else ""


_EXPECTED = {
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
}
_OWN_ERRORS = ("pattern", "blank", "version")  # PydanticCustomError types raised above


def _describe(err: Any) -> str:
    kind, value, loc = err["type"], err.get("input"), err["loc"]
    scalar = isinstance(value, str | int | float | bool) or value is None
    if kind == "missing":
        return "required key is missing"
    if kind == "too_short":
        return "must not be empty"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = f" (allowed: {', '.join(model.model_fields)})" if model else ""
        return f"unknown key {loc[-1]!r}{allowed}"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind in _EXPECTED:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        hint = " (put it in quotes)" if kind == "string_type" and number else ""
        if loc[-1:] == ("higher_is_better",):
            hint = " (or null for a context KPI)"
        return f"expected {_EXPECTED[kind]}, got {_yaml_value(value)}{hint}"
    if scalar and kind not in _OWN_ERRORS:
        return f"{err['msg']}, got {value!r}"
    return str(err["msg"])


def _problems(exc: ValidationError, raw: Any) -> list[tuple[str, str]]:
    errors = exc.errors()
    inner = {e["loc"][:n] for e in errors for n in range(len(e["loc"]))}
    problems = []
    for err in errors:
        if err["type"] == "too_short" and err["loc"] in inner:
            continue  # a list emptied only because its items failed: reported for the items
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, _CrossReferenceError):
            problems += [
                (_field_path(loc), msg + _context(raw, loc)) for loc, msg in cause.problems
            ]
        else:
            problems.append((_field_path(err["loc"]), _describe(err) + _context(raw, err["loc"])))
    return problems


def load_config(path: str | os.PathLike[str]) -> AppConfig:
    """Read and validate the indicator configuration. Raises ConfigError naming every problem."""
    path = os.fspath(path)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else _yaml_value(raw)
        raise ConfigError(path, [("(top level)", f"expected a mapping (key: value), got {got}")])
    try:
        return AppConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(path, _problems(exc, raw)) from None
