"""Fetch the configured KPIs for all municipalities and their units from Kolada into a store.

All or nothing: every table is fetched completely before anything is written, and the store
is written to a temporary directory and swapped in only when complete (store.write_store), so
a failed or interrupted sync leaves the previous store as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .config import AppConfig
from .kolada import KoladaClient
from .store import Store, load_store, make_store, write_store

log = logging.getLogger(__name__)


def parse_years(text: str) -> list[int]:
    """'2010-2024' or '2020,2022' or '2022' -> sorted list of years."""
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        first, sep, last = part.partition("-")
        if not first.isdigit() or (sep and not last.isdigit()):
            raise ValueError(f"Ogiltiga år: {text!r} (skriv t.ex. 2010-2024 eller 2021,2022)")
        lo, hi = int(first), int(last) if sep else int(first)
        if not 1900 <= lo <= hi <= 2100:
            raise ValueError(f"Ogiltigt årsintervall: {part!r}")
        years.update(range(lo, hi + 1))
    return sorted(years)


def fetch_store(
    client: KoladaClient, config: AppConfig, years: Sequence[int], *, progress: bool = True
) -> Store:
    """Everything the dashboard needs, as one in-memory Store (nothing written)."""
    kpi_ids = config.kpi_ids()
    prefixes = sorted({area.ou_prefix for area in config.areas})
    with tqdm(
        desc="Hämtar från Kolada", unit=" rader", disable=not progress, leave=progress
    ) as bar:
        client.on_items = bar.update
        try:
            bar.set_postfix_str("nyckeltal")
            kpis = client.get_kpis(kpi_ids)
            bar.set_postfix_str("kommuner och grupper")
            municipalities = client.get_municipalities()
            groups = client.get_municipality_groups()
            bar.set_postfix_str("enheter")
            ous = client.get_ous()
            ous = ous[ous["id"].str[:3].isin(prefixes)]
            bar.set_postfix_str("värden per kommun")
            values = client.get_values(kpi_ids, None, years)
            ou_kpis = [k for k in kpi_ids if k in set(kpis.loc[kpis["has_ou_data"], "id"])]
            bar.set_postfix_str("värden per enhet")
            ou_values = client.get_ou_values(ou_kpis, None, years) if ou_kpis else None
        finally:
            client.on_items = None
    if ou_values is None:
        ou_values = values.iloc[0:0].rename(columns={"municipality_id": "ou_id"})
    ou_values = ou_values[ou_values["ou_id"].str[:3].isin(prefixes)]
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    missing = sorted(set(kpi_ids) - set(kpis["id"]))
    if missing:
        log.warning("Kolada does not know these configured KPIs (removed?): %s", missing)
    meta: dict[str, Any] = {
        "source": "kolada",
        "description": f"Synced from {client.base_url} by `kvalitetsvisaren sync`",
        "api_base": client.base_url,
        "fetched_at": fetched_at,
        "kpis": kpi_ids,
        "years": [min(years), max(years)],
        "ou_prefixes": prefixes,
        "parts": {
            name: {"source": f"{client.base_url}/{endpoint}", "api": "v3", "vintage": fetched_at}
            for name, endpoint in [
                ("kpis", "kpi"),
                ("municipalities", "municipality"),
                ("municipality_groups", "municipality_groups"),
                ("ous", "ou"),
                ("values", "data"),
                ("ou_values", "oudata"),
            ]
        },
        "coverage": {
            "kpis_without_metadata": missing,
            "kpis_with_ou_values": sorted(ou_values["kpi"].unique().tolist()),
        },
    }
    tables = {
        "kpis": kpis,
        "municipalities": municipalities,
        "municipality_groups": groups,
        "ous": ous,
        "values": values,
        "ou_values": ou_values,
    }
    return make_store(tables, meta)


def sync(
    client: KoladaClient,
    config: AppConfig,
    out: str | Path,
    years: Sequence[int],
    *,
    progress: bool = True,
) -> Store:
    """Fetch everything, then swap the new store in at `out`. Raises on any failure."""
    return load_store(write_store(fetch_store(client, config, years, progress=progress), out))
