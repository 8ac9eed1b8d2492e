"""The service the running app serves from, and its replacement when a sync publishes new
data: each worker notices the new version (a cheap look at meta.json, at most every few
seconds), builds a new service in the background and swaps it in whole. Requests under way
finish on the service they started with; nobody sees a half-written store."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from .config import AppConfig
from .freshness import DEFAULT_MAX_AGE_DAYS, Freshness, freshness
from .service import IndicatorService
from .store import META_FILE, StoreError, load_store

log = logging.getLogger("kvalitetsvisaren.runtime")


class Runtime:
    def __init__(
        self,
        service: IndicatorService,
        config: AppConfig,
        store_path: str | Path | None = None,
        *,
        max_age_days: float = DEFAULT_MAX_AGE_DAYS,
        check_every: float = 10.0,
    ) -> None:
        self.service = service
        self.config = config
        self.store_path = Path(store_path) if store_path else None
        self.max_age_days = max_age_days
        self.check_every = check_every
        self.reload_error: str | None = None
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._reloading: threading.Thread | None = None

    def freshness(self) -> Freshness:
        return freshness(
            self.service.store.meta,
            self.store_path,
            self.max_age_days,
            load_error=self.reload_error,
        )

    def maybe_reload(self) -> None:
        """Cheap and called per request: at most every `check_every` seconds, look whether a
        new version was published, and if so start loading it in the background."""
        if self.store_path is None or time.monotonic() - self._checked < self.check_every:
            return
        with self._lock:
            self._checked = time.monotonic()
            if self._reloading is not None and self._reloading.is_alive():
                return
            if published_version(self.store_path) in (None, self.version):
                return
            self._reloading = threading.Thread(target=self.reload, name="reload", daemon=True)
            self._reloading.start()

    @property
    def version(self) -> str | None:
        return self.service.store.meta.get("version")

    def reload(self) -> None:
        """Load the published store and swap in a new service; keep the old one on failure."""
        try:
            store = load_store(self.store_path)
            service = IndicatorService(store, self.config)
        except (StoreError, OSError, ValueError) as exc:
            self.reload_error = str(exc)
            log.error(
                "New data in %s could not be loaded; serving the old: %s", self.store_path, exc
            )
            return
        self.service = service  # one assignment: requests see the old or the new, whole
        self.reload_error = None
        log.info("Now serving %s (fetched %s)", store.path, store.meta.get("fetched_at"))


def published_version(store_path: Path) -> str | None:
    try:
        meta = json.loads((store_path.resolve() / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # being replaced, or broken: look again later
    return meta.get("version")


_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("No runtime installed; create the app with create_app()")
    return _runtime


def get_service() -> IndicatorService:
    return get_runtime().service
