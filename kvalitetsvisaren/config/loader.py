"""The indicator configuration (config/indicators.yaml): pydantic models and a strict loader.

Nothing area-specific lives here: areas, measures and KPIs come from the YAML file only.
`load_config(path)` raises one `ConfigError` for every problem it finds; each line of its
message reads ``<file>: <field path>: <what is wrong>``.
"""

from __future__ import annotations

import os
from typing import Any, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from .models import (
    AppConfig,
    ConfigError,
    Loc,
    _CrossReferenceError,
    _field_path,
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
