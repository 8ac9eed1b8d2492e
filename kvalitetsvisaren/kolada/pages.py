"""Pure: one Kolada v3 response body -> its content, item count and next_url, or a typed error.

Metadata pages are small and parsed with `json`. Value pages are parsed by Arrow's JSON reader
straight into the column contract: a 5000-item page (about 1 MB) takes a few milliseconds of
C++ that releases the GIL, against some 30 ms of json.loads and flattening in Python, which
made a concurrent fetch CPU-bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .errors import KoladaResponseError
from .frames import OU_VALUE_COLUMNS, VALUE_COLUMNS, typed_frame

NOT_A_LIST = "'values' is not a list"


@dataclass(frozen=True)
class Page:
    content: Any  # the list of items, or a DataFrame of values
    n_items: int
    next_url: str | None


def json_page(body: bytes, url: str) -> Page:
    """The envelope `{values, count, next_url, previous_url}` of a metadata page."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KoladaResponseError(f"Malformed JSON from {url}: {exc}", url) from exc
    if not isinstance(data, dict):
        raise KoladaResponseError(f"Unexpected response shape from {url}: not a JSON object", url)
    if "error" in data:
        raise KoladaResponseError(
            f"Kolada reported an error for {url}: {data['error']!r:.300}", url
        )
    items, next_url = data.get("values"), data.get("next_url")
    if not isinstance(items, list):
        raise KoladaResponseError(
            f"Unexpected response shape from {url}: 'values' is not a list", url
        )
    if next_url is not None and not isinstance(next_url, str):
        raise KoladaResponseError(f"Unexpected next_url {next_url!r:.100} from {url}", url)
    return Page(items, len(items), next_url)


_VALUE = pa.struct(
    [
        ("gender", pa.string()),
        ("count", pa.int64()),
        ("status", pa.string()),
        ("value", pa.float64()),
        ("isdeleted", pa.bool_()),
    ]
)


def _schema(where: str) -> pa.Schema:
    item = pa.struct(
        [
            ("kpi", pa.string()),
            (where, pa.string()),
            ("period", pa.int64()),
            ("values", pa.list_(_VALUE)),
        ]
    )
    return pa.schema(
        [
            ("values", pa.list_(item)),
            ("next_url", pa.string()),
            ("error", pa.string()),
        ]
    )


_SCHEMAS = {"municipality": _schema("municipality"), "ou": _schema("ou")}
_COLUMNS = {"municipality": VALUE_COLUMNS, "ou": OU_VALUE_COLUMNS}


def values_page(body: bytes, url: str, *, where: str, changes: bool = False) -> Page:
    """A data page as a contract frame: one row per (item, gender), null values kept. `where` is
    "municipality" (/data) or "ou" (/oudata). Rows Kolada flags `isdeleted` are dropped, unless
    `changes` (a from_date query): then they are kept, marked in a boolean `deleted` column."""
    try:
        table = pj.read_json(
            pa.BufferReader(body),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(body) + 1),
            parse_options=pj.ParseOptions(
                explicit_schema=_SCHEMAS[where],
                unexpected_field_behavior="ignore",
                newlines_in_values=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        json_page(body, url)  # names the problem precisely if it is in the envelope
        raise KoladaResponseError(f"Unexpected data items from {url}: {exc}", url) from exc
    if table.num_rows != 1:
        raise KoladaResponseError(f"Unexpected response shape from {url}: not one object", url)
    error = table.column("error")[0].as_py()
    if error is not None:
        raise KoladaResponseError(f"Kolada reported an error for {url}: {error!r:.300}", url)
    lists = table.column("values").combine_chunks()
    if lists.null_count:
        raise KoladaResponseError(
            f"Unexpected response shape from {url}: 'values' is not a list", url
        )
    items = lists.flatten()
    frame = _flatten(items, where, url, changes)
    columns = {**_COLUMNS[where], "deleted": "bool"} if changes else _COLUMNS[where]
    return Page(typed_frame(frame, columns), len(items), table.column("next_url")[0].as_py())


def _flatten(items: pa.StructArray, where: str, url: str, changes: bool) -> pd.DataFrame:
    for key in ("kpi", where, "period", "values"):
        if items.field(key).null_count:
            raise KoladaResponseError(f"Unexpected data item from {url}: {key!r} missing", url)
    nested = items.field("values")
    entries = nested.flatten()
    if entries.field("gender").null_count:
        raise KoladaResponseError(f"Unexpected data item from {url}: 'gender' missing", url)
    parent = pc.list_parent_indices(nested)
    columns = {
        "kpi": pc.take(items.field("kpi"), parent),
        f"{where}_id": pc.take(items.field(where), parent),
        "year": pc.take(items.field("period"), parent),
        **{name: entries.field(name) for name in ("gender", "value", "status", "count")},
    }
    deleted = pc.fill_null(entries.field("isdeleted"), False)
    if changes:
        return pa.table({**columns, "deleted": deleted}).to_pandas()
    return pa.table(columns).filter(pc.invert(deleted)).to_pandas()
