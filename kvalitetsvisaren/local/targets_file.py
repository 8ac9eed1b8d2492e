"""Reading mal-och-analys.yaml: every entry checked (municipality, KPI, year, target, comment,
unit) with the line of each problem; a bad file is refused whole, never half read."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

# config.py's loader, so that both YAML files refuse repeated keys the same way.
from ..config.loader import UniqueKeyLoader
from ..kolada.frames import typed_frame
from .targets import (
    KEYS,
    MAX_COMMENT_CHARS,
    REQUIRED_KEYS,
    TARGET_COLUMNS,
    YEAR_RANGE,
    Problem,
    TargetsError,
)

# --- reading -------------------------------------------------------------------------------


def _read_text(path: str) -> str | None:
    """The file's text, or None if there is no file."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TargetsError(path, [(None, f"filen kan inte läsas: {exc.strerror or exc}")]) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        what = "filen är inte sparad som UTF-8 (spara den som UTF-8, t.ex. i Anteckningar)"
        raise TargetsError(path, [(line, what)]) from None


def _compose(path: str, loader: yaml.SafeLoader) -> yaml.Node | None:
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = ": ".join(p for p in (exc.context, exc.problem) if p)
        if mark is None:
            raise TargetsError(path, [(None, f"ogiltig YAML: {what}")]) from None
        problem = (mark.line + 1, f"ogiltig YAML (kolumn {mark.column + 1}): {what}")
        raise TargetsError(path, [problem]) from None
    except yaml.YAMLError as exc:
        raise TargetsError(path, [(None, f"ogiltig YAML: {exc}")]) from None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _shown(node: yaml.Node) -> str:
    """The value as written in the file, for messages: "nittio", 0127, en lista."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return node.value or "ett tomt värde"
    if isinstance(node, yaml.ScalarNode):
        text = " ".join(node.value.split())
        text = text if len(text) <= 60 else text[:57] + "..."
        return f'"{text}"' if node.tag == "tag:yaml.org,2002:str" else text or '""'
    return "en lista" if isinstance(node, yaml.SequenceNode) else "en mappning"


# --- field checks --------------------------------------------------------------------------


class _Invalid(Exception):
    """A field value is refused; the message names the field and the value."""


@dataclass(frozen=True)
class _Known:
    kpis: frozenset[str]
    municipalities: frozenset[str]
    ous: frozenset[str] | None
    ou_municipality: Mapping[str, str] = field(default_factory=dict)

    def kpi_hint(self, text: str) -> str:
        same = [k for k in self.kpis if k.casefold() == text.strip().casefold()]
        return f" (menar du {same[0]}?)" if same else ""


_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _municipality(node: yaml.Node, value: Any, known: _Known) -> str:
    if _is_int(value):
        raw = node.value
        code = raw if re.fullmatch(r"\d{4}", raw) else f"{value:04d}"
        code = code if len(code) == 4 else "0883"
        raise _Invalid(
            f'kommun {raw} är ett tal: skriv kommunkoden inom citattecken, t.ex. "{code}"'
        )
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}", value, re.ASCII):
        raise _Invalid(f'kommun {_shown(node)} är ingen kommunkod med fyra siffror, t.ex. "0883"')
    if value not in known.municipalities:
        raise _Invalid(f"kommun {_shown(node)} finns inte bland kommunerna i datat")
    return value


def _kpi(node: yaml.Node, value: Any, known: _Known) -> str:
    if isinstance(value, str) and value in known.kpis:
        return value
    hint = known.kpi_hint(value) if isinstance(value, str) else ""
    raise _Invalid(f"nyckeltal {_shown(node)} finns inte i Kvalitetsvisaren{hint}")


def _year(node: yaml.Node, value: Any, known: _Known) -> int:
    if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip(), re.ASCII):
        value = int(value)
    if not _is_int(value):
        raise _Invalid(f"ar {_shown(node)} är inget årtal")
    low, high = YEAR_RANGE
    if not low <= value <= high:
        raise _Invalid(f"ar {_shown(node)} ligger utanför {low}–{high}")
    return int(value)


def _target(node: yaml.Node, value: Any, known: _Known) -> float:
    if isinstance(value, str) and _NUMBER.fullmatch(_SPACES.sub("", value)):
        value = float(_SPACES.sub("", value).replace(",", "."))
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Invalid(f"mal {_shown(node)} är inte ett tal")
    if not math.isfinite(value):
        raise _Invalid(f"mal {_shown(node)} är inte ett ändligt tal")
    return float(value)


def _comment(node: yaml.Node, value: Any, known: _Known) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"analys {_shown(node)} är inte text (sätt citattecken runt den)")
    text = value.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise _Invalid(
            f"analys är {len(text)} tecken lång; högst {MAX_COMMENT_CHARS} tecken är tillåtet"
        )
    return text


def _unit(node: yaml.Node, value: Any, known: _Known) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"enhet {_shown(node)} är inget enhets-id")
    if known.ous is not None and value not in known.ous:
        raise _Invalid(f"enhet {_shown(node)} finns inte bland enheterna i datat")
    return value


_CHECKS: dict[str, Callable[[yaml.Node, Any, _Known], Any]] = {
    "kommun": _municipality,
    "nyckeltal": _kpi,
    "ar": _year,
    "mal": _target,
    "analys": _comment,
    "enhet": _unit,
}


# --- entries -------------------------------------------------------------------------------


def _unknown_key(key: yaml.Node) -> str:
    allowed = ", ".join(KEYS)
    if not isinstance(key, yaml.ScalarNode):
        return f"en nyckel måste vara ett ord (tillåtna: {allowed})"
    plain = key.value.strip().lower().translate(str.maketrans("åäö", "aao"))
    hint = f'; skriv "{plain}"' if plain in KEYS and plain != key.value else ""
    return f'okänd nyckel "{key.value}" (tillåtna: {allowed}){hint}'


def _fields(
    node: yaml.MappingNode, loader: yaml.SafeLoader, problems: list[Problem]
) -> dict[str, yaml.Node]:
    """The entry's value nodes by key. Repeated and unknown keys are reported in `problems`;
    a merge key (<<) that cannot be resolved raises _Invalid."""
    seen: dict[str, yaml.Node] = {}
    for key, _ in node.value:
        if key.tag == "tag:yaml.org,2002:merge" or not isinstance(key, yaml.ScalarNode):
            continue
        if key.value in seen:
            first = _line(seen[key.value])
            problems.append(
                (
                    _line(key),
                    f'nyckeln "{key.value}" står två gånger i posten (först på rad {first})',
                )
            )
        seen.setdefault(key.value, key)
    try:
        loader.flatten_mapping(node)  # resolve merge keys (<<: *ankare); own keys win
    except yaml.MarkedYAMLError as exc:
        raise _Invalid(f"ogiltig sammanslagning (<<): {exc.problem}") from None
    fields: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value in KEYS:
            fields[key.value] = value
        else:
            problems.append((_line(key), _unknown_key(key)))
    return fields


def _value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise _Invalid(f"värdet kan inte läsas: {problem}") from None


def _entry(
    node: yaml.Node, loader: yaml.SafeLoader, known: _Known, problems: list[Problem]
) -> dict[str, Any] | None:
    """One validated entry as a row, or None (with the reasons added to `problems`)."""
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            (_line(node), f"posten ska vara en mappning (nyckel: värde), inte {_shown(node)}")
        )
        return None
    before = len(problems)
    parsed: dict[str, Any] = {}
    try:
        fields = _fields(node, loader, problems)
    except _Invalid as exc:
        problems.append((_line(node), str(exc)))
        return None
    for name, value_node in fields.items():
        try:
            value = _value(loader, value_node)
            if value is not None:
                parsed[name] = _CHECKS[name](value_node, value, known)
        except _Invalid as exc:
            problems.append((_line(value_node), str(exc)))
            parsed[name] = _INVALID
    problems.extend((_line(node), f"{name} saknas") for name in REQUIRED_KEYS if name not in parsed)
    if "mal" not in parsed and parsed.get("analys", "") == "":
        problems.append((_line(node), "posten har varken mal eller analys"))
    _check_unit_municipality(parsed, node, known, problems)
    if len(problems) > before:
        return None
    return {
        "municipality_id": parsed["kommun"],
        "kpi": parsed["nyckeltal"],
        "ou_id": parsed.get("enhet"),
        "year": parsed["ar"],
        "target": parsed.get("mal", math.nan),
        "comment": parsed.get("analys", ""),
        "line": _line(node),
    }


_INVALID = object()  # a field that was given but refused (so not also reported as missing)


def _check_unit_municipality(
    parsed: dict[str, Any], node: yaml.Node, known: _Known, problems: list[Problem]
) -> None:
    unit, municipality = parsed.get("enhet"), parsed.get("kommun")
    if not isinstance(unit, str) or not isinstance(municipality, str):
        return
    owner = known.ou_municipality.get(unit)
    if owner is not None and owner != municipality:
        problems.append(
            (_line(node), f'enhet "{unit}" hör till kommun "{owner}", inte "{municipality}"')
        )


def _duplicates(rows: list[dict[str, Any]]) -> Iterator[Problem]:
    first: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = (row["municipality_id"], row["kpi"], row["ou_id"], row["year"])
        if key in first:
            unit = f", enhet {row['ou_id']}" if row["ou_id"] is not None else ""
            yield (
                row["line"],
                f"kommun {row['municipality_id']}, nyckeltal {row['kpi']}{unit}, år {row['year']} "
                f"står redan på rad {first[key]} (en post per kommun, nyckeltal, enhet och år)",
            )
        else:
            first[key] = row["line"]


def _known(
    known_ids: Collection[str],
    municipalities: Collection[str],
    ous: Collection[str] | Mapping[str, str] | None,
) -> _Known:
    mapping = dict(ous) if isinstance(ous, Mapping) else {}
    return _Known(
        kpis=frozenset(known_ids),
        municipalities=frozenset(municipalities),
        ous=None if ous is None else frozenset(ous),
        ou_municipality=mapping,
    )


def empty_targets() -> pd.DataFrame:
    """A targets frame with no rows (what a missing or empty file gives)."""
    return typed_frame([], TARGET_COLUMNS)


def load_targets(
    path: str | os.PathLike[str],
    *,
    known_ids: Collection[str],
    municipalities: Collection[str],
    ous: Collection[str] | Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read and validate the targets file (TARGET_COLUMNS, in file order).

    `known_ids`: the configured KPI ids and own measure ids; `municipalities`: the valid
    municipality codes; `ous`: the valid unit ids (None: not checked), or a mapping unit id ->
    municipality code, which also checks that the unit belongs to the entry's kommun.
    A missing file gives an empty frame. Raises TargetsError naming every problem."""
    path = os.fspath(path)
    text = _read_text(path)
    if text is None:
        return empty_targets()
    known = _known(known_ids, municipalities, ous)
    try:
        loader = UniqueKeyLoader(text)  # reads the stream at once: a NUL byte fails here
    except yaml.YAMLError as exc:
        raise TargetsError(path, [(None, f"ogiltig YAML: {exc}")]) from None
    try:
        root = _compose(path, loader)
        if root is None:
            return empty_targets()
        if not isinstance(root, yaml.SequenceNode):
            what = f'filen ska vara en lista med poster som börjar med "- ", inte {_shown(root)}'
            raise TargetsError(path, [(_line(root), what)])
        problems: list[Problem] = []
        rows = [_entry(node, loader, known, problems) for node in root.value]
    finally:
        loader.dispose()
    valid = [row for row in rows if row is not None]
    problems.extend(_duplicates(valid))
    if problems:
        problems.sort(key=lambda p: -1 if p[0] is None else p[0])
        raise TargetsError(path, problems)
    return typed_frame(valid, TARGET_COLUMNS)
