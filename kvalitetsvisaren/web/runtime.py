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

from .. import memory
from ..config.models import AppConfig
from ..data.freshness import DEFAULT_MAX_AGE_DAYS, Freshness, freshness
from ..data.store import META_FILE, StoreError, load_store
from ..local.layer import fingerprint, load_local
from ..service.facade import IndicatorService

log = logging.getLogger("kvalitetsvisaren.web.runtime")


class Runtime:
    def __init__(
        self,
        service: IndicatorService,
        config: AppConfig,
        store_path: str | Path | None = None,
        *,
        max_age_days: float = DEFAULT_MAX_AGE_DAYS,
        check_every: float = 10.0,
        local_path: str | Path | None = None,
        upload_key: str | None = None,
        open_upload: bool = False,
    ) -> None:
        self.service = service
        self.config = config
        self.store_path = Path(store_path) if store_path else None
        self.local_path = Path(local_path) if local_path else None
        self.upload_key = upload_key or None  # saving an upload needs it (if set)
        self.open_upload = open_upload  # saving without a key: a local, loopback-only app
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
        new version was published or the local folder changed, and if so start loading it in
        the background."""
        if time.monotonic() - self._checked < self.check_every:
            return
        with self._lock:
            self._checked = time.monotonic()
            if self._reloading is not None and self._reloading.is_alive():
                return
            if not (self._store_changed() or self._local_changed()):
                return
            self._reloading = threading.Thread(target=self.reload, name="reload", daemon=True)
            self._reloading.start()

    def _store_changed(self) -> bool:
        if self.store_path is None:
            return False
        return published_version(self.store_path) not in (None, self.version)

    def _local_changed(self) -> bool:
        return self.local_path is not None and (
            fingerprint(self.local_path) != self.service.local.fingerprint
        )

    @property
    def version(self) -> str | None:
        return self.service.store.meta.get("version")

    def state(self) -> str:
        """What an answer depends on besides the request: the data version and the local
        layer (an upload changes the pages at once)."""
        return f"{self.version}|{hash(self.service.local.fingerprint)}"

    def reload_local(self) -> None:
        """Read the local folder again now (after an upload) and swap in the service."""
        try:
            local = load_local(self.local_path, self.config, self.service.store)
        except OSError as exc:  # e.g. the folder's permissions: keep what is served
            log.error("The local folder %s could not be read: %s", self.local_path, exc)
            return
        self.service = self.service.with_local(local)
        _report_rejected(local.rejected)

    def reload(self) -> None:
        """Load what changed (the published store and/or the local folder) and swap in a new
        service; keep the old one if the store fails to load."""
        if not self._store_changed():
            self.reload_local()
            return
        try:
            store = load_store(self.store_path)
            local = load_local(self.local_path, self.config, store)
            service = IndicatorService(store, self.config, local=local)
        except (StoreError, OSError, ValueError) as exc:
            self.reload_error = str(exc)
            log.error(
                "New data in %s could not be loaded; serving the old: %s", self.store_path, exc
            )
            return
        self.service = service  # one assignment: requests see the old or the new, whole
        self.reload_error = None
        log.info("Now serving %s (fetched %s)", store.path, store.meta.get("fetched_at"))
        del store, service
        memory.give_back()  # what the build freed (the old service goes with its last request)


def _report_rejected(rejected: dict[str, str]) -> None:
    for name, why in rejected.items():
        log.warning("Local file %s was left out: %s", name, why)


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
