"""Pure: one Kolada v3 response body -> its content, item count and next_url, or a typed error.

Metadata pages are small and parsed with `json`. Value pages are parsed by Arrow's JSON reader
straight into the column contract: a 5000-item page (about 1 MB) takes a few milliseconds of
C++ that releases the GIL, against some 30 ms of json.loads and flattening in Python, which
made a concurrent fetch CPU-bound. A page with other types than the documented ones (a string
period, say) falls back to `lenient`, in Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from . import lenient
from .errors import KoladaResponseError
from .frames import OU_VALUE_COLUMNS, VALUE_COLUMNS, typed_frame


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


def values_page(
    body: bytes, url: str, *, where: str, changes: bool = False, drop_groups: bool = False
) -> Page:
    """A data page as a contract frame: one row per (item, gender), null values kept. `where` is
    "municipality" (/data) or "ou" (/oudata). Rows Kolada flags `isdeleted` are dropped, unless
    `changes` (a from_date query): then they are kept, marked in a boolean `deleted` column.
    `drop_groups`: drop municipality groups (`G…` rows), which a query without a municipality
    segment may carry (v2 did). A page the fast reader cannot take is read by `lenient`, which
    accepts lossless variants of the types and names what it cannot read."""
    columns = {**_COLUMNS[where], "deleted": "bool"} if changes else _COLUMNS[where]
    fast = _fast_table(body, where)
    if fast is not None:
        table, n_items, next_url = fast
        table = _kept(table, f"{where}_id", changes, drop_groups)
        return Page(typed_frame(_contract_frame(table), columns), n_items, next_url)
    envelope = json_page(body, url)  # names the problem if it is in the envelope
    frame = lenient.value_frame(envelope.content, url, where)
    if drop_groups:
        frame = frame[~frame[f"{where}_id"].str.startswith("G")]
    if not changes:  # typed_frame keeps only the contract's columns: "deleted" goes there
        frame = frame[~frame["deleted"].to_numpy()]
    return Page(typed_frame(frame, columns), envelope.n_items, envelope.next_url)


def _kept(table: pa.Table, place: str, changes: bool, drop_groups: bool) -> pa.Table:
    """The rows a page contributes (see values_page), filtered in Arrow: a third cheaper than
    filtering the pandas frame."""
    keep = pc.invert(pc.starts_with(table.column(place), "G")) if drop_groups else None
    if not changes:
        present = pc.invert(table.column("deleted"))
        keep = present if keep is None else pc.and_(keep, present)
        table = table.drop_columns("deleted")
    return table if keep is None else table.filter(keep)


def _contract_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas in the contract's dtypes already, so `typed_frame` has nothing to
    convert: `count` (nullable) as Int64, not float."""
    frame = table.drop_columns("count").to_pandas()
    position = table.column_names.index("count")
    counts = table.column("count").to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    frame.insert(position, "count", counts)
    return frame


def _fast_table(body: bytes, where: str) -> tuple[pa.Table, int, str | None] | None:
    """Arrow's reader with the documented types: the rows, item count and next_url of a
    well-formed page, or None for anything else (then `lenient` reads it or names the fault)."""
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
    except pa.ArrowInvalid:
        return None
    if table.num_rows != 1 or table.column("error")[0].is_valid:
        return None
    lists = table.column("values").combine_chunks()
    if lists.null_count:
        return None
    items = lists.flatten()
    nested = items.field("values")
    entries = nested.flatten()
    keys = [items.field(k) for k in ("kpi", where, "period", "values")] + [entries.field("gender")]
    if any(key.null_count for key in keys):
        return None
    parent = pc.list_parent_indices(nested)
    columns = {
        "kpi": pc.take(items.field("kpi"), parent),
        f"{where}_id": pc.take(items.field(where), parent),
        "year": pc.take(items.field("period"), parent),
        **{name: entries.field(name) for name in ("gender", "value", "status", "count")},
        "deleted": pc.fill_null(entries.field("isdeleted"), False),
    }
    return pa.table(columns), len(items), table.column("next_url")[0].as_py()
