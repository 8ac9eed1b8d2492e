"""Pure: a DataFrame's rows as plain Python, read column by column.

to_dict("records") and itertuples convert each Arrow-backed text cell on its own; reading each
column once with tolist is several times faster, and views loop over rows on every request."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd


def row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """to_dict("records"), column by column."""
    names = [str(name) for name in frame.columns]
    columns = [frame[name].tolist() for name in frame.columns]
    rows = zip(*columns, strict=True) if columns else iter(() for _ in range(len(frame)))
    return [dict(zip(names, row, strict=True)) for row in rows]


def records(frame: pd.DataFrame) -> list[SimpleNamespace]:
    """The frame's rows with their columns as attributes, like itertuples(index=False)."""
    return [SimpleNamespace(**row) for row in row_dicts(frame)]
