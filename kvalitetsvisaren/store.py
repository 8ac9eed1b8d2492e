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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import write_directory
from .kolada.frames import (
    GROUP_COLUMNS,
    KPI_COLUMNS,
    MUNICIPALITY_COLUMNS,
    OU_COLUMNS,
    OU_VALUE_COLUMNS,
    VALUE_COLUMNS,
    typed_frame,
)

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


def make_store(tables: dict[str, pd.DataFrame], meta: dict[str, Any]) -> Store:
    """A Store from frames in any column order; every table is brought to its contract."""
    missing = set(TABLES) - set(tables)
    if missing:
        raise StoreError(f"make_store: missing tables {sorted(missing)}")
    typed = {name: typed_frame(tables[name], cols) for name, cols in TABLES.items()}
    return Store(**typed, meta=dict(meta))


def load_store(path: str | os.PathLike[str]) -> Store:
    """Read a whole store directory. Raises StoreError naming the file that is missing or bad.

    A link to a version is resolved once, so every table comes from the same version even if
    a sync publishes the next one meanwhile."""
    root = Path(path).resolve()
    meta_path = root / META_FILE
    if not root.is_dir():
        raise StoreError(f"Datakatalogen finns inte: {root}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{meta_path}: saknas (ofullständigt datalager)") from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{meta_path}: kan inte läsas: {exc}") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"{meta_path}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    tables = {}
    for name, columns in TABLES.items():
        file = root / f"{name}.parquet"
        try:
            frame = pd.read_parquet(file)
        except FileNotFoundError:
            raise StoreError(f"{file}: saknas") from None
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise StoreError(f"{file}: kan inte läsas: {exc}") from exc
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise StoreError(f"{file}: saknar kolumnerna {absent}")
        if name == "municipality_groups":
            frame = frame.assign(members=frame["members"].map(list))
        tables[name] = typed_frame(frame, columns)
    return Store(**tables, meta=meta, path=root)


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
