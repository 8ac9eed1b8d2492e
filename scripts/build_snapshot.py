"""Build the bundled snapshot data/snapshot/ from the real Kolada dumps in ../shared/kolada-real.

    python scripts/build_snapshot.py [--shared ../shared/kolada-real] [--out data/snapshot]

Covers every configured KPI that the real data has: KPI metadata (rKolada v3 list, 2026-03),
all 312 municipalities, all municipality groups ("Liknande kommuner …" included), the units of
the configured areas' OU prefixes and their OU values (2021–2024), and the national values
(open-numbers dump of API v2, fetched autumn 2024, years up to 2022) from FIRST_YEAR on.
meta.json records where each part came from and its vintage. The sources carry no `status` or
`count` for values; those columns stay empty rather than being invented.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import make_store, write_store
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG, ROOT

FIRST_YEAR = 2010
ON = "open-numbers_ddf--kolada--dump"
JO = "jonathanothen_kolada-ai-share_2025-11"
RK = "rKolada_LCHansson/v3_2026-03-23"
PY = "pykolada_rubenselander_2024-01"

PARTS = {
    "kpis": {
        "source": "github.com/LCHansson/rKolada R/sysdata.rda kpi_df (commit d529388)",
        "api": "v3",
        "vintage": "2026-03-23",
    },
    "municipalities": {
        "source": "github.com/LCHansson/rKolada R/sysdata.rda munic (commit d529388)",
        "api": "v3",
        "vintage": "2026-03-23",
    },
    "municipality_groups": {
        "source": "github.com/LCHansson/rKolada R/sysdata.rda munic_g (commit d529388)",
        "api": "v3",
        "vintage": "2026-03-23",
    },
    "ous": {
        "source": "github.com/jonathanothen/kolada kolada-ai-share.zip ous.json (commit e6b5206), "
        "completed from github.com/rubenselander/pykolada data/ou.json (commit b2a77fb)",
        "api": "v3 (v2 for units missing from the 2025 list)",
        "vintage": "2025-11-30 (2024-01-15)",
    },
    "values": {
        "source": "github.com/open-numbers/ddf--kolada--dump etl/source/datapoints raw 2024-08-30 "
        "(commit 8501d5c)",
        "api": "v2 /data/kpi/{kpi}/year/{year}",
        "vintage": "2024-08-30",
    },
    "ou_values": {
        "source": "github.com/jonathanothen/kolada kolada-ai-share.zip oudata-cache.json "
        "(commit e6b5206); gender T only, null values not kept by that source",
        "api": "v3 /oudata/kpi/{kpi}/year/{year}",
        "vintage": "2025-11-30",
    },
}


def load_kpis(shared: Path, ids: list[str]) -> pd.DataFrame:
    kpis = pd.read_csv(shared / RK / "kpi_df.csv", dtype=str, keep_default_na=False)
    kpis = kpis[kpis["id"].isin(ids)].copy()
    for col in ("is_divided_by_gender", "has_ou_data"):
        kpis[col] = kpis[col].map({"True": True, "False": False})
    # The csv writes null as "" and publ_period as "2025.0"-free text; keep absent fields missing.
    return kpis.replace({"": None})


def load_municipalities(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / RK / "munic.csv", dtype=str)


def load_groups(shared: Path) -> pd.DataFrame:
    groups = json.loads((shared / RK / "munic_g.json").read_text("utf-8"))
    return pd.DataFrame(
        {
            "id": [g["id"] for g in groups],
            "title": [g["title"] for g in groups],
            "members": [[m["member_id"] for m in g["members"]] for g in groups],
        }
    )


def _read_datapoints(path: Path, kpi: str, gender: str | None) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"geo": str, "year": int, "gender": str})
    frame = frame.rename(columns={"geo": "municipality_id", kpi.lower(): "value"})
    if gender:
        frame["gender"] = gender
    frame["kpi"] = kpi
    return frame[frame["year"] >= FIRST_YEAR]


def load_values(shared: Path, ids: list[str]) -> tuple[pd.DataFrame, list[str]]:
    parts, missing = [], []
    for kpi in ids:
        total = (
            shared / ON / "datapoints_total" / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv"
        )
        if not total.exists():
            missing.append(kpi)
            continue
        parts.append(_read_datapoints(total, kpi, "T"))
        by_gender = (
            shared
            / ON
            / "datapoints_by_gender"
            / f"ddf--datapoints--{kpi.lower()}--by--geo--gender--year.csv"
        )
        if by_gender.exists():
            parts.append(_read_datapoints(by_gender, kpi, None))
    values = pd.concat(parts, ignore_index=True)
    values = values.sort_values(["kpi", "municipality_id", "year", "gender"], ignore_index=True)
    return values, missing


def load_ous(shared: Path, prefixes: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units of the 2025 list, and those of the 2024 list that are missing from it."""
    recent = json.loads((shared / JO / "ous.json").read_text("utf-8"))
    rows = [o for units in recent["byMunicipality"].values() for o in units]
    ous = pd.DataFrame(rows).rename(columns={"municipality": "municipality_id"})
    older = pd.DataFrame(json.loads((shared / PY / "ou.json").read_text("utf-8")))
    older = older.rename(columns={"municipality": "municipality_id"})
    older = older[~older["id"].isin(ous["id"])]
    columns = ["id", "municipality_id", "title"]
    return tuple(f.loc[f["id"].str[:3].isin(prefixes), columns] for f in (ous, older))


def load_ou_values(shared: Path, ids: list[str]) -> pd.DataFrame:
    cache = json.loads((shared / JO / "oudata-cache.json").read_text("utf-8"))["kpis"]
    rows = [
        (kpi, v["ou"], int(year), "T", v["value"])
        for kpi in ids
        for year, values in cache.get(kpi, {}).get("years", {}).items()
        for v in values
    ]
    return pd.DataFrame(rows, columns=["kpi", "ou_id", "year", "gender", "value"])


def build(shared: Path, out: Path, config_path: Path) -> dict:
    config = load_config(config_path)
    ids = config.kpi_ids()
    prefixes = tuple(sorted({area.ou_prefix for area in config.areas}))
    kpis = load_kpis(shared, ids)
    values, no_national = load_values(shared, ids)
    current_ous, older_ous = load_ous(shared, prefixes)
    ou_values = load_ou_values(shared, ids)
    # Units gone from the 2025 list are kept only where they have values (closed since).
    ous = pd.concat([current_ous, older_ous[older_ous["id"].isin(ou_values["ou_id"])]])
    ous = ous.sort_values("id", ignore_index=True)
    known = ou_values["ou_id"].isin(ous["id"])
    orphans = int((~known).sum())
    ou_values = ou_values[known].sort_values(["kpi", "ou_id", "year"], ignore_index=True)
    meta = {
        "source": "snapshot",
        "description": "Bundled real Kolada data, built offline by scripts/build_snapshot.py",
        "api_base": None,
        "fetched_at": PARTS["values"]["vintage"],
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kpis": ids,
        "years": [int(values["year"].min()), int(values["year"].max())],
        "ou_years": [int(ou_values["year"].min()), int(ou_values["year"].max())],
        "ou_prefixes": list(prefixes),
        "parts": PARTS,
        "coverage": {
            "kpis_without_metadata": sorted(set(ids) - set(kpis["id"])),
            "kpis_without_national_values": no_national,
            "kpis_with_ou_values": sorted(ou_values["kpi"].unique().tolist()),
            "ou_values_dropped_unknown_unit": orphans,
        },
    }
    store = make_store(
        {
            "kpis": kpis,
            "municipalities": load_municipalities(shared),
            "municipality_groups": load_groups(shared),
            "ous": ous,
            "values": values,
            "ou_values": ou_values,
        },
        meta,
    )
    write_store(store, out, versioned=False)  # a plain directory, committed in git
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "kolada-real")
    parser.add_argument("--out", type=Path, default=BUNDLED_SNAPSHOT)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    args = parser.parse_args()
    meta = build(args.shared, args.out, args.config)
    print(json.dumps(meta["coverage"], indent=2, ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
