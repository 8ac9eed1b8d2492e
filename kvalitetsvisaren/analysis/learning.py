"""Who to learn from: for a weak result, the peers that are among the best or improved most.

Pure pandas. A peer qualifies if it is green (best 25 % nationally) in the year with a better
value than ours, or improved over the last three years (in the KPI's good direction). Green
peers come first, then the biggest improvement: a politician asks "who does this well?" before
"who got better?".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import trends

SPAN = 3
LIMIT = 3


def is_weak(colour: str, trend: str) -> bool:
    """A result to learn from others about: red (worst 25 %) or worse than before."""
    return colour == "red" or trend == trends.WORSE


def improvements(
    rows: pd.DataFrame, year: int, higher_is_better: bool, span: int = SPAN
) -> pd.DataFrame:
    """Per municipality: value and colour in `year`, and the change since the earliest value
    in the `span` years before it (base_year, base_value, improvement: positive = better).

    `rows`: one KPI's ranked rows (municipality_id, year, value, colour)."""
    now = rows[(rows["year"] == year) & rows["value"].notna()]
    now = now.set_index("municipality_id")[["value", "colour"]]
    before = rows[rows["year"].between(year - span, year - 1) & rows["value"].notna()]
    base = before.sort_values("year").groupby("municipality_id").first()
    out = now.join(base[["year", "value"]].rename(columns=lambda c: f"base_{c}"))
    sign = 1.0 if higher_is_better else -1.0
    out["improvement"] = (out["value"] - out["base_value"]) * sign
    return out.rename_axis("municipality_id").reset_index()


def best_peers(
    rows: pd.DataFrame,
    candidates: list[str],
    year: int,
    higher_is_better: bool,
    own_value: float,
    limit: int = LIMIT,
) -> pd.DataFrame:
    """Up to `limit` of `candidates` that are green with a better value than `own_value`, or
    improved; green first, then by improvement (then by value). Columns as `improvements`."""
    table = improvements(rows, year, higher_is_better)
    table = table[table["municipality_id"].isin(candidates)]
    better = table["value"] > own_value if higher_is_better else table["value"] < own_value
    table = table[((table["colour"] == "green") & better) | (table["improvement"] > 0)]
    order = pd.DataFrame(
        {
            "green": table["colour"] == "green",
            "improvement": table["improvement"].fillna(-np.inf),
            "value": table["value"] * (1 if higher_is_better else -1),
        }
    )
    ranked = order.sort_values(["green", "improvement", "value"], ascending=False).index
    return table.loc[ranked].head(limit).reset_index(drop=True)
