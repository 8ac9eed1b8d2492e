"""Test helper: a store's own rows (gender T), read straight from its values table, never
through the service, for the tests that recount what a page, a file or a sync says."""

from __future__ import annotations

import pandas as pd


def value_rows(store, kpi: str, municipality: str, year: int) -> pd.DataFrame:
    v = store.values
    return v[
        (v["kpi"] == kpi)
        & (v["municipality_id"] == municipality)
        & (v["year"] == year)
        & (v["gender"] == "T")
    ]
