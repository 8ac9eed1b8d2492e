"""Pure: value items the fast Arrow reader refuses, read in Python, with lossless coercions only.

Kolada documents `period` and `count` as integers, `isdeleted` as a bool and `gender` as T, K or
M (docs/kolada-api.md §3.3); nothing promises that they stay so. Accepted besides:

* `period` as a string of digits ("2022") or an integral float (2022.0);
* `count` as an integral float (1.0);
* `isdeleted` as 0 or 1;
* `gender` null: read as T, the total. Kolada sends a T entry for every KPI, divided by gender
  or not, so an entry that names no gender can only be the total; beside a T entry (or a second
  null) in the same item it would be a second total, and the item is refused.

Anything that cannot be read without loss (period "20x2", count 1.5, a value or an id of the
wrong type: a numeric municipality id may have lost its leading zero) raises
KoladaResponseError naming the URL. A missing key reads as null, as in the Arrow reader, except
for the keys that identify a value (kpi, place, period, gender).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .errors import KoladaResponseError

_DIGITS = re.compile(r"[0-9]+")


def value_frame(items: list[Any], url: str, where: str) -> pd.DataFrame:
    """One row per (item, gender entry): kpi, {where}_id, year, gender, value, status, count,
    deleted. `where` is "municipality" or "ou"."""
    rows: list[tuple[Any, ...]] = []
    for item in items:
        kpi, place, year, entries = _item(item, url, where)
        for entry, gender in zip(entries, _genders(entries, url), strict=True):
            rows.append(
                (
                    kpi,
                    place,
                    year,
                    gender,
                    _value(entry.get("value"), url),
                    _status(entry.get("status"), url),
                    _count(entry.get("count"), url),
                    _deleted(entry.get("isdeleted"), url),
                )
            )
    names = ["kpi", f"{where}_id", "year", "gender", "value", "status", "count", "deleted"]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    dtypes = ["str", "str", "int64", "str", "float64", "str", "Int64", "bool"]
    return pd.DataFrame(
        {n: pd.array(list(c), dtype=d) for n, c, d in zip(names, columns, dtypes, strict=True)}
    )


def _bad(url: str, what: str, value: Any) -> KoladaResponseError:
    return KoladaResponseError(f"Unexpected data item from {url}: {what}: {value!r:.200}", url)


def _item(item: Any, url: str, where: str) -> tuple[str, str, int, list[dict[str, Any]]]:
    if not isinstance(item, dict):
        raise _bad(url, "not an object", item)
    for key in ("kpi", where, "period", "values"):
        if item.get(key) is None:
            raise KoladaResponseError(f"Unexpected data item from {url}: {key!r} missing", url)
    entries = item["values"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _bad(url, "'values' is not a list of objects", entries)
    return (
        _text(item["kpi"], "kpi", url),
        _text(item[where], where, url),
        _period(item, url),
        entries,
    )


def _text(value: Any, key: str, url: str) -> str:
    if not isinstance(value, str):
        raise _bad(url, f"{key!r} is not a string", value)
    return value


def _period(item: dict[str, Any], url: str) -> int:
    value = item["period"]
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _bad(url, "unreadable 'period'", value)


def _genders(entries: list[dict[str, Any]], url: str) -> list[str]:
    if any("gender" not in e for e in entries):
        raise KoladaResponseError(f"Unexpected data item from {url}: 'gender' missing", url)
    genders = [e["gender"] for e in entries]
    if any(g is not None and not isinstance(g, str) for g in genders):
        raise _bad(url, "unreadable 'gender'", genders)
    if None in genders and genders.count(None) + genders.count("T") > 1:
        raise _bad(url, "a null gender beside another total (T)", genders)
    return ["T" if g is None else g for g in genders]


def _value(value: Any, url: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _bad(url, "unreadable 'value'", value)


def _status(value: Any, url: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _bad(url, "unreadable 'status'", value)


def _count(value: Any, url: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _bad(url, "unreadable 'count'", value)


def _deleted(value: Any, url: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _bad(url, "unreadable 'isdeleted'", value)
