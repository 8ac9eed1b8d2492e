"""Robustness flags on a value, shown as icons beside it: when a colour should be read with care.

- "nära gränsen": within 2 % of the value range (all municipalities that year) of a quartile cut;
- "preliminär": Kolada has not yet published the year as final (per the KPI's publication
  dates), or the value's status says so;
- "få svar": the survey behind the value had fewer than 30 respondents (the area's
  low_response KPI, see surveys.py; an own measure's `svarande`);
- "serie bruten": the KPI is discontinued (its title ends in "(-YYYY)").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

NEAR_CUT = "nara-gransen"
PRELIMINARY = "preliminar"
LOW_RESPONSE = "fa-svar"
DISCONTINUED = "serie-bruten"
LABELS = {
    NEAR_CUT: "Nära gränsen",
    PRELIMINARY: "Preliminär",
    LOW_RESPONSE: "Få svar",
    DISCONTINUED: "Serie bruten",
}
EXPLANATIONS = {
    NEAR_CUT: "Värdet ligger nära en kvartilgräns; en liten förändring kan byta färg.",
    PRELIMINARY: "Året är ännu inte slutligt publicerat i Kolada.",
    LOW_RESPONSE: "Färre än 30 svarande i undersökningen; resultatet är osäkert.",
    DISCONTINUED: "Nyckeltalet har upphört; serien fortsätter inte.",
}
NEAR_CUT_SHARE = 0.02
FEW_RESPONDENTS = 30  # Kolada's own limit (N23590/N23591), for own measures' `svarande`
_DISCONTINUED = re.compile(r"\(\s*-\s*\d{4}\s*\)\s*$")


def is_discontinued(title: str | float | None) -> bool:
    return isinstance(title, str) and bool(_DISCONTINUED.search(title))


def near_cut(
    value: pd.Series, green_cut: pd.Series, red_cut: pd.Series, low: pd.Series, high: pd.Series
) -> pd.Series:
    """Element-wise: the value is within 2 % of the range [low, high] of either cut."""
    margin = NEAR_CUT_SHARE * (high - low)
    close = (value - green_cut).abs().le(margin) | (value - red_cut).abs().le(margin)
    return close & value.notna() & (margin > 0)


def is_preliminary(
    year: pd.Series,
    publ_period: pd.Series,
    prel_publication_date: pd.Series,
    publication_date: pd.Series,
    status: pd.Series,
    today: date,
) -> pd.Series:
    """Element-wise. Kolada's publ_period is the period published next: once its preliminary
    figures are out (prel_publication_date passed) and until the final publication date, that
    year is preliminary. A status mentioning "prel" counts too."""
    period = pd.to_numeric(publ_period, errors="coerce")
    now = pd.Timestamp(today)
    out_early = pd.to_datetime(prel_publication_date, errors="coerce").le(now)
    final = pd.to_datetime(publication_date, errors="coerce")
    by_dates = (year == period) & out_early & (final.isna() | final.gt(now))
    by_status = status.fillna("").str.contains("prel", case=False)
    return by_dates.fillna(False) | by_status


def flag_codes(marks: pd.DataFrame) -> np.ndarray:
    """One small number per row of boolean columns (at most 8): bit i is set when the row
    has the flag of column i. A table keeps these rather than a tuple per row."""
    on = marks.fillna(False).astype(bool).to_numpy()
    bits = (1 << np.arange(on.shape[1])).astype(np.uint8)
    return (on * bits).sum(axis=1, dtype=np.uint8)


def flag_tuples(codes: Iterable[int], names: Sequence[str]) -> list[tuple[str, ...]]:
    """The flag ids of each code of `flag_codes` (made from columns named `names`), in
    column order."""
    decoded = [tuple(n for i, n in enumerate(names) if code >> i & 1) for code in range(256)]
    return [decoded[code] for code in codes]
