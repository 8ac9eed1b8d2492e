"""What the app checks before it serves or exports: the store and the config each alone
(store.load_store, config.load_config), then against each other, and the local folder. Every
problem is one message naming the file and the field (StoreError, ConfigError, ValueError);
the CLI prints it and exits with code 2, in development and production alike."""

from __future__ import annotations

from pathlib import Path

from .config.loader import load_config
from .config.models import AppConfig, ConfigError
from .data.store import Store, load_store


def load_checked(data: Path, config_path: Path, local: Path | None) -> tuple[Store, AppConfig]:
    config = load_config(config_path)
    store = load_store(data)
    check_matches(store, config, config_path)
    check_local_folder(local)
    return store, config


def check_matches(store: Store, config: AppConfig, config_path: Path) -> None:
    """The config's default municipality must be a municipality (type K) of the store."""
    m = store.municipalities
    kommuner = set(m.loc[m["type"] == "K", "id"])
    if config.default_municipality not in kommuner:
        raise ConfigError(
            str(config_path),
            [
                (
                    "default_municipality",
                    f"{config.default_municipality!r} is not a municipality (type K) in the "
                    f"data directory {store.path}",
                )
            ],
        )


def check_local_folder(local: Path | None) -> None:
    """The local folder may be missing (nothing local yet), but not a file."""
    if local is not None and local.exists() and not local.is_dir():
        raise ValueError(
            f"{local}: mappen för lokala uppgifter (--local / KVALITETSVISAREN_LOCAL) är en "
            "fil, inte en mapp"
        )
