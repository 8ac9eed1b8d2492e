"""The local data: a directory of Parquet tables plus meta.json, read whole and written atomically.

Layout of a store directory::

    meta.json                  source, fetched_at, api_base, kpis, years, parts, row_counts
    kpis.parquet               KPI_COLUMNS
    municipalities.parquet     MUNICIPALITY_COLUMNS
    municipality_groups.parquet GROUP_COLUMNS (members: list of municipality ids)
    ous.parquet                OU_COLUMNS
    values.parquet             VALUE_COLUMNS
    ou_values.parquet          OU_VALUE_COLUMNS

meta.json is written last, so a directory without it was never completed.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError, field_validator

from .atomic import write_directory
from ..kolada.frames import GROUP_COLUMNS, KPI_COLUMNS, MUNICIPALITY_COLUMNS, OU_COLUMNS, OU_VALUE_COLUMNS, VALUE_COLUMNS, typed_frame
from ..memory import limit_arenas, use_system_allocator

FORMAT_VERSION = 1
META_FILE = "meta.json"
TABLES: dict[str, dict[str, str]] = {
    "kpis": KPI_COLUMNS,
    "municipalities": MUNICIPALITY_COLUMNS,
    "municipality_groups": GROUP_COLUMNS,
    "ous": OU_COLUMNS,
    "values": VALUE_COLUMNS,
    "ou_values": OU_VALUE_COLUMNS,
}


class StoreError(Exception):
    """The store directory is missing, incomplete or corrupt. The message names the file."""


@dataclass(frozen=True)
class Store:
    kpis: pd.DataFrame
    municipalities: pd.DataFrame
    municipality_groups: pd.DataFrame
    ous: pd.DataFrame
    values: pd.DataFrame
    ou_values: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def vintage(self, part: str) -> str | None:
        """When a part of the store ("values", "ou_values", ...) was fetched: its own record in
        meta["parts"] (the bundled snapshot's parts come from different dumps), else the whole
        store's fetched_at (a sync fetches all parts at once)."""
        record = self.meta.get("parts", {}).get(part) or {}
        return record.get("vintage") or self.meta.get("fetched_at")

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    def summary(self) -> dict[str, Any]:
        """What is loaded, for the status page and the CLI."""
        return {
            "path": str(self.path) if self.path else None,
            "source": self.meta.get("source"),
            "fetched_at": self.meta.get("fetched_at"),
            "api_base": self.meta.get("api_base"),
            "kpis": int(self.kpis["id"].nunique()),
            "municipalities": int((self.municipalities["type"] == "K").sum()),
            "units": int(self.ous["id"].nunique()),
            "values": len(self.values),
            "ou_values": len(self.ou_values),
            "years": _year_span(self.values),
            "ou_years": _year_span(self.ou_values),
        }


def _year_span(frame: pd.DataFrame) -> list[int] | None:
    if frame.empty:
        return None
    return [int(frame["year"].min()), int(frame["year"].max())]


# How the value tables (nearly all the data) are kept in a running app: ids and codes as
# categories (sorted, so that they sort and compare as their text does), years as small ints.
# A tenth of the memory of text, and no Python object per row for a forked worker to copy.
_CODES = {"kpi": "category", "year": "int16", "gender": "category", "status": "category"}
COMPACT: dict[str, dict[str, str]] = {
    "values": {**_CODES, "municipality_id": "category"},
    "ou_values": {**_CODES, "ou_id": "category"},
}


def compact(store: Store) -> Store:
    """`store` with its value tables in the COMPACT dtypes (the same values, rows and order);
    a store that is compact already is returned as it is. For serving, not for writing."""
    tables = {name: _compact_frame(store.tables()[name], COMPACT[name]) for name in COMPACT}
    if all(tables[name] is getattr(store, name) for name in COMPACT):
        return store
    return replace(store, **tables)


def _compact_frame(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    wanted = {c: d for c, d in dtypes.items() if str(frame[c].dtype) != d}
    years = frame["year"]
    if "year" in wanted and len(years) and not (years.min() >= 0 and years.max() < 2**15):
        del wanted["year"]  # no real year is outside int16; keep such data as it is
    return frame.astype(wanted) if wanted else frame


def make_store(tables: dict[str, pd.DataFrame], meta: dict[str, Any]) -> Store:
    """A Store from frames in any column order; every table is brought to its contract."""
    missing = set(TABLES) - set(tables)
    if missing:
        raise StoreError(f"make_store: missing tables {sorted(missing)}")
    typed = {name: typed_frame(tables[name], cols) for name, cols in TABLES.items()}
    return Store(**typed, meta=dict(meta))


# Tables a store cannot be served without (units and groups may be absent: a store without
# unit data serves levels 1-2:2 and says so on 2:3).
REQUIRED_ROWS = ("kpis", "municipalities", "values")


class StoreMeta(BaseModel):
    """The fields of meta.json that the app reads, with their types (others are kept)."""

    model_config = ConfigDict(extra="allow")
    format_version: StrictInt
    version: StrictStr | None = None
    source: StrictStr | None = None
    fetched_at: StrictStr | None = None
    written_at: StrictStr | None = None
    api_base: StrictStr | None = None
    parts: dict[StrictStr, dict[StrictStr, Any]] | None = None

    @field_validator("fetched_at", "written_at")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} är inget datum (ÅÅÅÅ-MM-DD)") from None
        return value


def load_store(path: str | os.PathLike[str]) -> Store:
    """Read a whole store directory and check its content. Raises StoreError naming the file
    (and the field or column) that is missing or bad.

    A link to a version is resolved once, so every table comes from the same version even if
    a sync publishes the next one meanwhile."""
    use_system_allocator()  # so that what building the service frees goes back (memory.py)
    limit_arenas()
    root = Path(path).resolve()
    meta_path = root / META_FILE
    if not root.is_dir():
        raise StoreError(f"Datakatalogen finns inte: {root}")
    meta = _read_meta(meta_path)
    tables = {}
    for name, columns in TABLES.items():
        tables[name] = _read_table(root / f"{name}.parquet", name, columns)
    return Store(**tables, meta=meta, path=root)


def _read_meta(meta_path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{meta_path}: saknas (ofullständigt datalager)") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{meta_path}: kan inte läsas: {exc}") from exc
    if not isinstance(meta, dict):
        kinds = {
            list: "en lista",
            str: "text",
            int: "ett tal",
            float: "ett tal",
            bool: "true/false",
        }
        kind = "null" if meta is None else kinds.get(type(meta), type(meta).__name__)
        raise StoreError(f"{meta_path}: ska vara ett JSON-objekt ({{...}}), inte {kind}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"{meta_path}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    try:
        StoreMeta.model_validate(meta)
    except ValidationError as exc:
        problems = [
            f"{meta_path}: {'.'.join(map(str, e['loc']))}: {_meta_problem(e)}" for e in exc.errors()
        ]
        raise StoreError("\n".join(problems)) from None
    return meta


def _meta_problem(error: Any) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return (
        f"ska vara {_EXPECTED.get(error['type'], error['type'])}, inte {error.get('input')!r:.60}"
    )


_EXPECTED = {
    "int_type": "ett heltal",
    "string_type": "text",
    "dict_type": "ett objekt",
    "missing": "angiven",
}


def _read_table(file: Path, name: str, columns: dict[str, str]) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(file)
    except FileNotFoundError:
        raise StoreError(f"{file}: saknas") from None
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise StoreError(f"{file}: kan inte läsas: {exc}") from exc
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise StoreError(f"{file}: saknar kolumnerna {absent}")
    if name in REQUIRED_ROWS and frame.empty:
        raise StoreError(f"{file}: tabellen är tom (0 rader); datalagret är ofullständigt")
    for column, dtype in columns.items():
        problem = _column_problem(frame[column], dtype)
        if problem:
            raise StoreError(f"{file}: kolumnen {column}: {problem}")
    if name == "municipality_groups":
        frame = frame.assign(members=frame["members"].map(list))
    return typed_frame(frame, columns)


def _column_problem(column: pd.Series, dtype: str) -> str | None:
    """Why a stored column cannot be read as its contract type (None if it can)."""
    if dtype == "str":
        kind = pd.api.types.infer_dtype(column, skipna=True)
        return None if kind in ("string", "empty") else f"ska vara text, inte {kind}"
    if dtype in ("float64", "int64", "Int64"):
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            return f"ska vara tal, inte {column.dtype}"
        if dtype == "int64" and column.isna().any():
            return "saknar värden (ska vara heltal på varje rad)"
        whole = column.dropna()
        if dtype != "float64" and not (whole == whole.round()).all():
            return "ska vara heltal"
    return None


def write_store(store: Store, dest: str | os.PathLike[str], *, versioned: bool = True) -> Path:
    """Write `store` to `dest`, published only when complete (meta.json is written last); a
    failed write leaves `dest` untouched. Versioned (see atomic.py): `dest` becomes a link to
    the new version, so a running app can switch to it safely. Returns the written directory."""

    def write(tmp: Path) -> None:
        row_counts = {}
        for name, frame in store.tables().items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
            row_counts[name] = len(frame)
        meta = {
            "format_version": FORMAT_VERSION,
            "version": uuid.uuid4().hex,  # tells a running app that the data changed
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **{
                k: v
                for k, v in store.meta.items()
                if k not in ("format_version", "version", "row_counts")
            },
            "row_counts": row_counts,
        }
        text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
        (tmp / META_FILE).write_text(text, "utf-8")

    return write_directory(dest, write, versioned=versioned)
