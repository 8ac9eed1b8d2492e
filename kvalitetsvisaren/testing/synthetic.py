"""A small deterministic synthetic store, for fault and edge-case tests of the stand-in and
the client (real data covers everything else)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from ..data.store import Store, make_store


def synthetic_store(
    n_kpis: int = 3,
    n_municipalities: int = 20,
    years: Iterable[int] = (2019, 2020, 2021),
    n_regions: int = 2,
    ous_per_municipality: int = 2,
    genders: Sequence[str] = ("T", "K", "M"),
) -> Store:
    """A small deterministic store with the same columns as a real one.

    KPIs ``N90000``…; Riket ``0000``, regions ``0001``…, kommuner ``1000``…; OUs
    ``V15E<kommun>0000<n>``. Every 7th value is null (with status null),
    every 5th count is missing, and every 11th row has status ``"Preliminär"``.
    """
    years = list(years)
    kpi_ids = [f"N9{i:04d}" for i in range(n_kpis)]
    munis = [{"id": "0000", "title": "Riket", "type": "L"}]
    munis += [
        {"id": f"{i:04d}", "title": f"Region {i}", "type": "L"} for i in range(1, 1 + n_regions)
    ]
    munis += [
        {"id": f"{1000 + i:04d}", "title": f"Kommun {1000 + i}", "type": "K"}
        for i in range(n_municipalities)
    ]
    kommuner = [m["id"] for m in munis if m["type"] == "K"]
    kpis = [
        {
            "id": k,
            "title": f"Syntetiskt nyckeltal {n}, andel (%)",
            "description": f"Syntetiskt nyckeltal nummer {n}. Källa: test.",
            "operating_area": "Äldreomsorg",
            "perspective": "Kvalitet och resultat",
            "municipality_type": "K",
            "is_divided_by_gender": len(genders) > 1,
            "has_ou_data": n % 2 == 0,
            "auspice": "T" if n % 3 else None,
            "publication_date": "2026-09-30",
            "prel_publication_date": None,
            "publ_period": str(max(years)) if years else None,
        }
        for n, k in enumerate(kpi_ids)
    ]
    rows, ou_rows = [], []
    n = 0
    for ki, kpi in enumerate(kpi_ids):
        for mi, muni in enumerate(m["id"] for m in munis):
            for year in years:
                for gender in genders:
                    n += 1
                    value = (
                        None
                        if n % 7 == 0
                        else round(50 + (ki * 13 + mi * 7 + year) % 50 + 0.25 * (n % 4), 2)
                    )
                    rows.append(
                        {
                            "kpi": kpi,
                            "municipality_id": muni,
                            "year": year,
                            "gender": gender,
                            "value": value,
                            "status": "Preliminär"
                            if n % 11 == 0
                            else (None if value is None else ""),
                            "count": None if n % 5 == 0 else 1,
                        }
                    )
    ous = [
        {"id": f"V15E{m}0000{j}", "municipality_id": m, "title": f"Skolan {m}-{j}"}
        for m in kommuner
        for j in range(ous_per_municipality)
    ]
    for ki, kpi in enumerate(kpi_ids[::2]):
        for oi, ou in enumerate(o["id"] for o in ous):
            for year in years:
                value = (
                    None if (ki + oi + year) % 9 == 0 else float((ki * 31 + oi * 3 + year) % 100)
                )
                ou_rows.append(
                    {
                        "kpi": kpi,
                        "ou_id": ou,
                        "year": year,
                        "gender": "T",
                        "value": value,
                        "status": "",
                        "count": None,
                    }
                )
    groups = [
        {"id": "G1", "title": "Alla syntetiska kommuner (ovägt medel)", "members": kommuner},
        {"id": "G2", "title": "Liknande kommuner, Kommun 1000", "members": kommuner[1:8]},
    ]
    return make_store(
        {
            "kpis": pd.DataFrame(kpis),
            "municipalities": pd.DataFrame(munis),
            "municipality_groups": pd.DataFrame(groups),
            "ous": pd.DataFrame(ous),
            "values": pd.DataFrame(rows),
            "ou_values": pd.DataFrame(ou_rows),
        },
        {"source": "synthetic"},
    )
