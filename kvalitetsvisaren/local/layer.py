"""The municipality's own layer beside the Kolada store: own measures (lokala mått) and local
targets and comments (mål och analys), read from one folder.

    <folder>/*.csv, *.xlsx        own measures (format: own_measures.py)
    <folder>/mal-och-analys.yaml  targets and comments (format: targets.py)

A bad file is left out whole and reported in `rejected`; the rest is served. The folder's
fingerprint (names, sizes, modification times) tells a running app that something changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config.models import AppConfig
from ..data.store import Store
from ..kolada.frames import typed_frame
from .own_measures import load_folder
from .own_rules import RESULT_COLUMNS
from .targets import TARGETS_FILE, TargetsError
from .targets_file import empty_targets, load_targets

Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class LocalData:
    measures: pd.DataFrame  # own_measures.read_own_measures columns
    targets: pd.DataFrame  # targets_file.load_targets columns
    rejected: dict[str, str] = field(default_factory=dict)  # file name -> why (Swedish)
    folder: Path | None = None
    fingerprint: Fingerprint = ()


def fingerprint(folder: Path | None) -> Fingerprint:
    """What a change of the folder's files changes (cheap: one directory listing)."""
    if folder is None or not folder.is_dir():
        return ()
    out = []
    for path in sorted(folder.iterdir()):
        try:
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                out.append((path.name, stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:  # removed (or replaced) while we looked: seen next time
            continue
    return tuple(out)


def empty_local() -> LocalData:
    """No own measures, no targets (no folder configured)."""
    return LocalData(typed_frame([], RESULT_COLUMNS), empty_targets())


def load_local(folder: Path | None, config: AppConfig, store: Store) -> LocalData:
    """Everything in `folder` that is valid; a missing folder is an empty layer."""
    if folder is None:
        return empty_local()
    stamp = fingerprint(folder)  # before reading: a change meanwhile is seen next time
    m = store.municipalities
    measures, errors = load_folder(folder, config=config, ous=store.ous, municipalities=m)
    rejected = {name: str(error) for name, error in errors.items()}
    try:
        targets = load_targets(
            folder / TARGETS_FILE,
            known_ids=set(config.kpi_ids()) | set(measures["measure_id"]),
            municipalities=set(m.loc[m["type"] == "K", "id"]),
            ous=dict(zip(store.ous["id"], store.ous["municipality_id"], strict=True)),
        )
    except TargetsError as exc:
        rejected[TARGETS_FILE] = str(exc)
        targets = empty_targets()
    return LocalData(measures, targets, rejected, folder, stamp)
