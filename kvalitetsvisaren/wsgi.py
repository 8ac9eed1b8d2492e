"""The WSGI entry point for production servers, configured by environment variables:

    gunicorn --preload --worker-class gthread --workers 2 --threads 4 \
        --bind 127.0.0.1:8050 "kvalitetsvisaren.wsgi:create()"

KVALITETSVISAREN_DATA             the store directory (default: the bundled snapshot)
KVALITETSVISAREN_CONFIG           indicators.yaml (default: config/indicators.yaml)
KVALITETSVISAREN_MAX_AGE_DAYS     data older than this gets the banner (default 45)
KVALITETSVISAREN_FRAME_ANCESTORS  who may embed the pages, CSP syntax (default 'self')
KVALITETSVISAREN_RELOAD_SECONDS   how often a worker looks for newly synced data (default 10)
KVALITETSVISAREN_LOCAL            folder of own measures and targets (default: "local" beside
                                  the store directory, e.g. data/local)
KVALITETSVISAREN_UPLOAD_KEY       the key that saving an upload on /ladda-upp needs (unset:
                                  uploads can be checked but not saved)

`kvalitetsvisaren serve --prod` sets these and starts gunicorn for you.
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .data.freshness import DEFAULT_MAX_AGE_DAYS
from .paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG

ENV_DATA = "KVALITETSVISAREN_DATA"
ENV_CONFIG = "KVALITETSVISAREN_CONFIG"
ENV_MAX_AGE = "KVALITETSVISAREN_MAX_AGE_DAYS"
ENV_FRAME_ANCESTORS = "KVALITETSVISAREN_FRAME_ANCESTORS"
ENV_RELOAD = "KVALITETSVISAREN_RELOAD_SECONDS"
ENV_LOCAL = "KVALITETSVISAREN_LOCAL"
ENV_UPLOAD_KEY = "KVALITETSVISAREN_UPLOAD_KEY"
DEFAULT_RELOAD_SECONDS = 10.0

if TYPE_CHECKING:
    from dash import Dash
    from flask import Flask

    from .config.models import AppConfig
    from .data.store import Store

log = logging.getLogger("kvalitetsvisaren")


@dataclass(frozen=True)
class Settings:
    data: Path
    config: Path
    max_age_days: float
    frame_ancestors: str
    reload_seconds: float = DEFAULT_RELOAD_SECONDS
    local: Path | None = None  # None: "local" beside the store directory

    @property
    def local_folder(self) -> Path:
        return self.local or Path(self.data).parent / "local"

    @classmethod
    def from_env(cls) -> Settings:
        local = os.environ.get(ENV_LOCAL)
        return cls(
            local=Path(local) if local else None,
            data=Path(os.environ.get(ENV_DATA) or BUNDLED_SNAPSHOT),
            config=Path(os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG),
            max_age_days=_number(ENV_MAX_AGE, DEFAULT_MAX_AGE_DAYS),
            frame_ancestors=os.environ.get(ENV_FRAME_ANCESTORS) or "'self'",
            reload_seconds=_number(ENV_RELOAD, DEFAULT_RELOAD_SECONDS),
        )

    def to_env(self) -> dict[str, str]:
        return {
            ENV_DATA: str(self.data),
            ENV_CONFIG: str(self.config),
            ENV_MAX_AGE: str(self.max_age_days),
            ENV_FRAME_ANCESTORS: self.frame_ancestors,
            ENV_RELOAD: str(self.reload_seconds),
            ENV_LOCAL: str(self.local_folder),
        }


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} ska vara ett tal, inte {raw!r}") from None


def build_app(
    settings: Settings, store: Store, config: AppConfig, *, open_upload: bool = False
) -> Dash:
    """The app for these settings (the upload key from the environment): the one wiring of
    create_app, for `create` here and for `kvalitetsvisaren serve`. `open_upload`: saving an
    upload needs no key (on this computer only)."""
    from .web.factory import create_app

    return create_app(
        store,
        config,
        store_path=settings.data,
        max_age_days=settings.max_age_days,
        frame_ancestors=settings.frame_ancestors,
        reload_every=settings.reload_seconds,
        local_path=settings.local_folder,
        upload_key=os.environ.get(ENV_UPLOAD_KEY) or None,
        open_upload=open_upload,
    )


def create() -> Flask:
    """Load the store and the config and build the app; the Flask server is the WSGI app."""
    from . import memory
    from .startup import load_checked
    from .web.factory import warm_up

    settings = Settings.from_env()
    store, config = load_checked(settings.data, settings.config, settings.local_folder)
    app = build_app(settings, store, config)
    del store  # the service keeps a compact copy of it
    warm_up()
    memory.give_back()
    log.info("Serving %s (own measures and targets: %s)", settings.data, settings.local_folder)
    # Loaded once before gunicorn forks (--preload): the garbage collector leaves what is
    # here alone from now on, so a worker does not copy the pages it shares by touching them.
    gc.freeze()
    return app.server
