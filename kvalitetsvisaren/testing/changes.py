"""Kolada's change feed for the stand-in: which values changed or were deleted since a date.

Kolada answers a data query with `from_date=YYYY-MM-DD` with only the values changed since
that day, and flags deleted ones `isdeleted: true`. The stand-in's data is a snapshot taken on
`base_date`; tests then publish changes dated later (`apply`), as Kolada does when a KPI is
revised, and the feed answers from_date queries from them.
"""

from __future__ import annotations

from datetime import date

import pandas as pd


class ChangeLog:
    """The current values of one level (municipality or OU) and their dated changes."""

    def __init__(self, frame: pd.DataFrame, loc_col: str, base_date: date) -> None:
        self.loc_col = loc_col
        self.keys = ["kpi", loc_col, "year", "gender"]
        self.base_date = base_date
        self.original = frame
        self.current = frame
        self.log = frame.iloc[0:0].assign(changed_on=pd.Series(dtype=object), isdeleted=False)

    @property
    def changed(self) -> bool:
        return self.current is not self.original

    def reset(self) -> None:
        self.current = self.original
        self.log = self.log.iloc[0:0]

    def apply(self, upserts: pd.DataFrame, deletes: pd.DataFrame, on: date) -> pd.DataFrame:
        """Publish changes dated `on`: `upserts` (full rows) replace or add values, `deletes`
        (key columns) remove them. Returns the new current values."""
        if on <= self.base_date:
            raise ValueError(f"changes must be dated after the snapshot ({self.base_date})")
        upserts = upserts.reindex(columns=self.original.columns).astype(self.original.dtypes)
        touched = pd.concat([upserts[self.keys], deletes[self.keys]], ignore_index=True)
        self.current = pd.concat(
            [_without(self.current, touched, self.keys), upserts], ignore_index=True
        )
        tombstones = deletes[self.keys].assign(value=float("nan"), status=None, count=pd.NA)
        entries = pd.concat(
            [upserts.assign(isdeleted=False), tombstones.assign(isdeleted=True)],
            ignore_index=True,
        ).assign(changed_on=on)
        self.log = pd.concat([_without(self.log, touched, self.keys), entries], ignore_index=True)
        return self.current

    def since(self, from_date: date, after: bool = False) -> pd.DataFrame:
        """What Kolada returns for `from_date`: every current value if the date is not after
        the snapshot, else the values changed since (`after`: only after) that day; deletions
        flagged `isdeleted`."""
        if from_date <= self.base_date:
            tombstones = self.log[self.log["isdeleted"]]
            return pd.concat(
                [self.current.assign(isdeleted=False), tombstones.drop(columns="changed_on")],
                ignore_index=True,
            )
        changed_on = self.log["changed_on"]
        recent = self.log[changed_on > from_date if after else changed_on >= from_date]
        return recent.drop(columns="changed_on").reset_index(drop=True)


def _without(frame: pd.DataFrame, keys_frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    index = pd.MultiIndex.from_frame(frame[keys])
    drop = index.isin(pd.MultiIndex.from_frame(keys_frame[keys]))
    return frame[~drop]
