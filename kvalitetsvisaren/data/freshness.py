"""How fresh the served data is, for the banner on every page and /healthz, and the small
status file in which each sync records its outcome.

The data is stale when it was fetched longer ago than the allowed age, or when the last sync
(recorded by `kvalitetsvisaren sync` next to the data directory) failed; the app then keeps
serving the last good data and says so."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_MAX_AGE_DAYS = 45.0
SNAPSHOT_SOURCE = "snapshot"


def status_path(store_path: str | Path) -> Path:
    """Where sync records its last attempt: a file beside the data directory (or link)."""
    path = Path(store_path)
    return path.parent / f"{path.name}.sync.json"


def write_sync_status(store_path: str | Path, status: dict[str, Any]) -> None:
    """Replace the status file in one rename: readers see the old record or the new one."""
    path = status_path(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_sync_status(store_path: str | Path) -> dict[str, Any] | None:
    try:
        return json.loads(status_path(store_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Freshness:
    source: str | None
    fetched_at: str | None
    age_days: float | None
    max_age_days: float
    last_sync: dict[str, Any] | None
    load_error: str | None = None  # a newly synced store this process could not read

    @property
    def sync_failed(self) -> bool:
        failed = bool(self.last_sync) and not self.last_sync.get("ok", True)
        return failed or self.load_error is not None

    @property
    def too_old(self) -> bool:
        if self.source == SNAPSHOT_SOURCE:  # fixed example data, dated on every page
            return False
        return self.age_days is None or self.age_days > self.max_age_days

    @property
    def status(self) -> str:
        return "stale" if self.sync_failed or self.too_old else "ok"

    def banner(self) -> str | None:
        """The Swedish line every page shows when the data may be out of date."""
        fetched = self.fetched_at[:10] if self.fetched_at else "okänt datum"
        if self.sync_failed:
            when = str((self.last_sync or {}).get("attempted_at", ""))[:10]
            return (
                f"Data hämtades {fetched}; senaste uppdateringen misslyckades"
                f"{f' ({when})' if when else ''}. Sidan visar de senast hämtade uppgifterna."
            )
        if self.too_old:
            return (
                f"Data hämtades {fetched} och kan vara inaktuella (äldre än "
                f"{self.max_age_days:g} dagar)."
            )
        return None

    def health(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "source": self.source,
            "fetched_at": self.fetched_at,
            "age_days": None if self.age_days is None else round(self.age_days, 1),
            "max_age_days": self.max_age_days,
            "last_sync": self.last_sync,
            "load_error": self.load_error,
        }


def freshness(
    meta: dict[str, Any],
    store_path: str | Path | None,
    max_age_days: float,
    *,
    load_error: str | None = None,
    now: datetime | None = None,
) -> Freshness:
    fetched_at = meta.get("fetched_at")
    age = None
    if fetched_at:
        try:
            fetched = datetime.fromisoformat(str(fetched_at))
            fetched = fetched if fetched.tzinfo else fetched.replace(tzinfo=UTC)
            age = ((now or datetime.now(UTC)) - fetched).total_seconds() / 86400
        except ValueError:
            age = None
    status = read_sync_status(store_path) if store_path else None
    return Freshness(meta.get("source"), fetched_at, age, max_age_days, status, load_error)
