"""Pure: Kolada v3 metadata items -> tidy DataFrames. The column contract lives here (value
pages are parsed straight into it by `pages.values_page`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .errors import KoladaResponseError

# Column contract: names and dtypes of every frame the client returns and the store keeps.
KPI_COLUMNS: dict[str, str] = {
    "id": "str",
    "title": "str",
    "description": "str",
    "operating_area": "str",
    "perspective": "str",
    "municipality_type": "str",
    "is_divided_by_gender": "bool",
    "has_ou_data": "bool",
    "auspice": "str",
    "publication_date": "str",
    "prel_publication_date": "str",
    "publ_period": "str",
}
MUNICIPALITY_COLUMNS: dict[str, str] = {"id": "str", "title": "str", "type": "str"}
GROUP_COLUMNS: dict[str, str] = {"id": "str", "title": "str", "members": "object"}
OU_COLUMNS: dict[str, str] = {"id": "str", "municipality_id": "str", "title": "str"}
VALUE_COLUMNS: dict[str, str] = {
    "kpi": "str",
    "municipality_id": "str",
    "year": "int64",
    "gender": "str",
    "value": "float64",
    "status": "str",
    "count": "Int64",
}
OU_VALUE_COLUMNS: dict[str, str] = {
    "kpi": "str",
    "ou_id": "str",
    "year": "int64",
    "gender": "str",
    "value": "float64",
    "status": "str",
    "count": "Int64",
}


_DTYPES = {
    name: pd.api.types.pandas_dtype(name)
    for name in ("str", "bool", "object", "int64", "float64", "Int64")
}


def typed_frame(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame, columns: dict[str, str]
) -> pd.DataFrame:
    """A frame with exactly `columns`, in order, in their contract dtypes (empty in, empty out)."""
    if isinstance(rows, pd.DataFrame) and _in_contract(rows, columns):
        # A value page from Arrow already is: rebuilding it was half of a small page's cost.
        return rows.copy(deep=False)  # copy-on-write: neither frame's changes reach the other
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    frame = frame.reindex(columns=list(columns)).reset_index(drop=True)
    out = {}
    for name, dtype in columns.items():
        col = frame[name]
        if col.dtype == _DTYPES[dtype]:
            pass  # already in the contract (a value page from Arrow): no copy
        elif dtype == "bool":
            col = col.fillna(False).astype(bool)
        elif dtype == "object":
            col = col.astype(object)
        elif dtype == "str":
            # pandas 3: null stays missing (NaN), never the string "None".
            col = col.astype("str")
        else:
            col = col.astype(dtype)
        out[name] = col
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _in_contract(frame: pd.DataFrame, columns: dict[str, str]) -> bool:
    if list(frame.columns) != list(columns):
        return False
    dtypes = frame.dtypes.tolist()
    return (
        all(have == _DTYPES[want] for have, want in zip(dtypes, columns.values(), strict=True))
        and isinstance(frame.index, pd.RangeIndex)
        and frame.index.equals(pd.RangeIndex(len(frame)))
    )


def _require(item: Any, keys: tuple[str, ...], url: str | None) -> Mapping[str, Any]:
    if not isinstance(item, Mapping) or any(k not in item for k in keys):
        raise KoladaResponseError(
            f"Unexpected item shape from {url}: expected keys {list(keys)}, got {item!r:.200}", url
        )
    return item


def kpis_frame(items: Iterable[Any], url: str | None = None) -> pd.DataFrame:
    rows = [dict(_require(i, ("id", "title"), url)) for i in items]
    return typed_frame(rows, KPI_COLUMNS)


def municipalities_frame(items: Iterable[Any], url: str | None = None) -> pd.DataFrame:
    rows = [dict(_require(i, ("id", "title", "type"), url)) for i in items]
    return typed_frame(rows, MUNICIPALITY_COLUMNS)


def groups_frame(items: Iterable[Any], url: str | None = None) -> pd.DataFrame:
    rows = []
    for item in items:
        item = _require(item, ("id", "title", "members"), url)
        members = item["members"]
        if not isinstance(members, list):
            raise KoladaResponseError(f"Group members is not a list in {url}: {item!r:.200}", url)
        ids = [str(_require(m, ("member_id",), url)["member_id"]) for m in members]
        rows.append({"id": item["id"], "title": item["title"], "members": ids})
    return typed_frame(rows, GROUP_COLUMNS)


def ous_frame(items: Iterable[Any], url: str | None = None) -> pd.DataFrame:
    rows = [
        {"id": i["id"], "municipality_id": i["municipality"], "title": i["title"]}
        for i in (_require(i, ("id", "municipality", "title"), url) for i in items)
    ]
    return typed_frame(rows, OU_COLUMNS)
