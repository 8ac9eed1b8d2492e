"""Fetch the configured KPIs for all municipalities and their units from Kolada into a store.

All or nothing: every table is fetched completely before anything is written, and the store
is published only when complete (store.write_store), so a failed or interrupted sync leaves the
previous store as it was. Each attempt is recorded beside the store (freshness.py), so the app
can tell its readers when the last update failed.

A full sync fetches every value; an incremental one (`from_date`) fetches only the values Kolada
changed since that day and merges them into the previous store, dropping deleted ones.

Besides the configured KPIs, a sync brings Kolada's own interval half-widths for them: the
KPIs titled "Osäkerhetstal - <title of a configured KPI>" (N21459 for U23463, from about
2023), found by Kolada's title filter on its KPI list (certainty_view.half_width_pairs), so
that nobody has to keep a list of them; the pairs found are recorded in meta.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from .config.models import AppConfig
from .data.freshness import write_sync_status
from .data.store import Store, load_store, make_store, write_store
from .kolada import KoladaClient
from .service.certainty_view import HALF_WIDTH_PREFIX, half_width_pairs

log = logging.getLogger(__name__)

VALUE_KEYS = {
    "values": ["kpi", "municipality_id", "year", "gender"],
    "ou_values": ["kpi", "ou_id", "year", "gender"],
}
ENDPOINTS = {
    "kpis": "kpi",
    "municipalities": "municipality",
    "municipality_groups": "municipality_groups",
    "ous": "ou",
    "values": "data",
    "ou_values": "oudata",
}
# What the KPI list is searched for (Kolada's filter is a substring match; the exact rule,
# prefix and title, is applied here).
HALF_WIDTH_SEARCH = HALF_WIDTH_PREFIX.split(" ")[0]


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
    client: KoladaClient,
    config: AppConfig,
    years: Sequence[int],
    *,
    progress: bool = True,
    from_date: date | None = None,
    known_half_widths: Collection[str] = (),
) -> dict[str, pd.DataFrame]:
    """Every table the dashboard needs, fetched in memory (nothing written). With `from_date`,
    the value tables hold only the changes since then, with a boolean `deleted` column; a
    half-width KPI not among `known_half_widths` (the previous store's) comes with all its
    values, as new rows."""
    kpi_ids = config.kpi_ids()
    prefixes = sorted({area.ou_prefix for area in config.areas})
    with tqdm(
        desc="Hämtar från Kolada", unit=" rader", disable=not progress, leave=progress
    ) as bar:
        client.on_items = bar.update
        try:
            bar.set_postfix_str("nyckeltal")
            kpis = client.get_kpis(kpi_ids)
            half = half_width_kpis(kpis, client.get_kpis(title=HALF_WIDTH_SEARCH), kpi_ids)
            if len(half):
                kpis = pd.concat([kpis, half], ignore_index=True)
                kpis = kpis.sort_values("id", ignore_index=True)
            new = [] if from_date is None else sorted(set(half["id"]) - set(known_half_widths))
            value_kpis = [*kpi_ids, *(k for k in half["id"] if k not in new)]
            bar.set_postfix_str("kommuner och grupper")
            municipalities = client.get_municipalities()
            groups = client.get_municipality_groups()
            bar.set_postfix_str("enheter")
            ous = client.get_ous()
            ous = ous[ous["id"].str[:3].isin(prefixes)]
            bar.set_postfix_str("värden per kommun")
            values = client.get_values(value_kpis, None, years, from_date=from_date)
            if new:  # a half-width KPI the previous store did not have: all of its values
                every = client.get_values(new, None, years).assign(deleted=False)
                values = pd.concat([values, every], ignore_index=True)
            ou_kpis = config.ou_kpi_ids()  # the config's has_ou_data (Kolada's flag, checked)
            bar.set_postfix_str("värden per enhet")
            ou_values = (
                client.get_ou_values(ou_kpis, None, years, from_date=from_date)
                if ou_kpis
                else values.iloc[0:0].rename(columns={"municipality_id": "ou_id"})
            )
        finally:
            client.on_items = None
    ou_values = ou_values[ou_values["ou_id"].str[:3].isin(prefixes)]
    return {
        "kpis": kpis,
        "municipalities": municipalities,
        "municipality_groups": groups,
        "ous": ous,
        "values": values,
        "ou_values": ou_values,
    }


def half_width_kpis(
    kpis: pd.DataFrame, candidates: pd.DataFrame, kpi_ids: Sequence[str]
) -> pd.DataFrame:
    """The rows of `candidates` (Kolada's KPI list, or part of it) that give the half-widths of
    a configured KPI by the title rule (certainty_view.half_width_pairs over the configured
    KPIs' and the candidates' titles); a configured KPI is never one of them."""
    configured = set(kpi_ids)
    extra = candidates[~candidates["id"].isin(configured)]
    mine = kpis[kpis["id"].isin(configured)]
    titles = pd.concat([mine, extra], ignore_index=True).drop_duplicates("id")
    pairs = half_width_pairs(titles.set_index("id")["title"].to_dict())
    wanted = [h for h, r in pairs.items() if r in configured and h not in configured]
    return extra[extra["id"].isin(wanted)].sort_values("id", ignore_index=True)


def half_width_meta(kpis: pd.DataFrame, kpi_ids: Sequence[str]) -> dict[str, str]:
    """{half-width KPI: configured KPI} of a store's KPI table."""
    pairs = half_width_pairs(kpis.set_index("id")["title"].to_dict())
    return {h: r for h, r in sorted(pairs.items()) if r in set(kpi_ids)}


def full_store(
    client: KoladaClient, config: AppConfig, years: Sequence[int], *, progress: bool = True
) -> Store:
    tables = fetch_store(client, config, years, progress=progress)
    meta = _meta(client, config, tables, years)
    return make_store(tables, meta)


def updated_store(
    client: KoladaClient,
    config: AppConfig,
    previous: Store,
    years: Sequence[int],
    from_date: date,
    *,
    progress: bool = True,
) -> Store:
    """The previous store with the values Kolada changed since `from_date` merged in and the
    deleted ones dropped; metadata (KPIs, municipalities, groups, units) fetched anew."""
    _check_covers(previous, config, years)
    known = set(previous.meta.get("half_widths", {}))
    tables = fetch_store(
        client, config, years, progress=progress, from_date=from_date, known_half_widths=known
    )
    changes = {}
    for name, keys in VALUE_KEYS.items():
        changed = tables[name]
        tables[name] = merge_changes(getattr(previous, name), changed, keys)
        changes[name] = {
            "changed": int((~changed["deleted"]).sum()),
            "deleted": int(changed["deleted"].sum()),
        }
    # A half-width KPI Kolada no longer pairs with a configured KPI leaves with its values.
    gone = known - set(tables["kpis"]["id"])
    tables["values"] = tables["values"][~tables["values"]["kpi"].isin(gone)]
    tables["values"] = tables["values"].reset_index(drop=True)
    meta = _meta(client, config, tables, years)
    meta["years"] = previous.meta.get("years", meta["years"])
    meta["incremental"] = {
        "from_date": from_date.isoformat(),
        "previous_fetched_at": previous.meta.get("fetched_at"),
        "changes": changes,
    }
    meta["full_sync_at"] = previous.meta.get("full_sync_at", previous.meta.get("fetched_at"))
    log.info("Merged changes since %s: %s", from_date, changes)
    return make_store(tables, meta)


def merge_changes(old: pd.DataFrame, changes: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`old` with every value named in `changes` replaced by the new one, or dropped when
    Kolada deleted it."""
    old_keys = pd.MultiIndex.from_frame(old[keys])
    kept = old[~old_keys.isin(pd.MultiIndex.from_frame(changes[keys]))]
    new = changes.loc[~changes["deleted"], list(old.columns)].astype(old.dtypes)
    merged = pd.concat([kept, new], ignore_index=True) if len(new) else kept
    return merged.sort_values(keys, kind="stable", ignore_index=True)


def _check_covers(previous: Store, config: AppConfig, years: Sequence[int]) -> None:
    """Changes can only be merged into a store that already has everything else."""
    new_kpis = sorted(set(config.kpi_ids()) - set(previous.meta.get("kpis", [])))
    if new_kpis:
        raise ValueError(
            f"Nyckeltal som saknas i den tidigare hämtningen: {', '.join(new_kpis)}. "
            "Kör en fullständig sync (utan --from-date)."
        )
    span = previous.meta.get("years")
    if not span or min(years) < span[0] or max(years) > span[1]:
        raise ValueError(
            f"Åren {min(years)}–{max(years)} går utanför den tidigare hämtningens {span}. "
            "Kör en fullständig sync (utan --from-date)."
        )


def _meta(
    client: KoladaClient, config: AppConfig, tables: dict[str, pd.DataFrame], years: Sequence[int]
) -> dict[str, Any]:
    kpi_ids = config.kpi_ids()
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    missing = sorted(set(kpi_ids) - set(tables["kpis"]["id"]))
    if missing:
        log.warning("Kolada does not know these configured KPIs (removed?): %s", missing)
    return {
        "source": "kolada",
        "description": f"Synced from {client.base_url} by `kvalitetsvisaren sync`",
        "api_base": client.base_url,
        "fetched_at": fetched_at,
        "kpis": kpi_ids,
        "half_widths": half_width_meta(tables["kpis"], kpi_ids),
        "years": [min(years), max(years)],
        "ou_prefixes": sorted({area.ou_prefix for area in config.areas}),
        "parts": {
            name: {"source": f"{client.base_url}/{endpoint}", "api": "v3", "vintage": fetched_at}
            for name, endpoint in ENDPOINTS.items()
        },
        "coverage": {
            "kpis_without_metadata": missing,
            "kpis_with_ou_values": sorted(tables["ou_values"]["kpi"].unique().tolist()),
        },
    }


def sync(
    client: KoladaClient,
    config: AppConfig,
    out: str | Path,
    years: Sequence[int],
    *,
    progress: bool = True,
    from_date: date | str | None = None,
) -> Store:
    """Fetch everything (or, with `from_date`, the changes since then: "last" means since the
    day before the previous sync), then publish the new store at `out`. Records the attempt
    beside `out` either way; raises on any failure, leaving the previous store as it was."""
    out = Path(out)
    attempted_at = datetime.now(UTC).isoformat(timespec="seconds")
    mode = "full" if from_date is None else "incremental"

    def record(ok: bool, **extra: Any) -> None:
        write_sync_status(out, {"ok": ok, "mode": mode, "attempted_at": attempted_at, **extra})

    try:
        if from_date is None:
            store = full_store(client, config, years, progress=progress)
        else:
            previous = load_store(out)
            since = _since(from_date, previous)
            store = updated_store(client, config, previous, years, since, progress=progress)
        written = load_store(write_store(store, out))
    except BaseException as exc:
        record(False, error=_describe(exc))
        raise
    record(True, fetched_at=written.meta["fetched_at"], version=written.meta["version"])
    return written


def _since(from_date: date | str, previous: Store) -> date:
    """The from_date to ask Kolada for. "last": the day before the previous sync's day, so
    that the windows overlap: a change made later on that day (or counted by Kolada in another
    time zone, or from_date read as "after") is not missed. Changes seen twice merge to the
    same store (merge_changes is idempotent)."""
    if from_date == "last":
        fetched = str(previous.meta.get("fetched_at") or "")[:10]
        try:
            return date.fromisoformat(fetched) - timedelta(days=1)
        except ValueError:
            raise ValueError(
                f"Den tidigare hämtningen saknar datum (fetched_at={fetched!r}); ange "
                "--from-date ÅÅÅÅ-MM-DD eller kör en fullständig sync."
            ) from None
    if isinstance(from_date, date):
        return from_date
    try:
        return date.fromisoformat(from_date)
    except ValueError:
        raise ValueError(
            f"Ogiltigt datum för --from-date: {from_date!r} (skriv ÅÅÅÅ-MM-DD eller last)"
        ) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return "avbruten"
    return f"{type(exc).__name__}: {exc}"[:500]
