"""Pure: the one trend rule, used by the tiles (level 1), the KPI rows (level 2) and the own
measures. Always on the values, never on a rank or a score: a politician quotes the arrow.

- A KPI is "better", "worse" or "same" when its value moved in its good direction, against it,
  or not at all since the previous year with a value (that year is named on the page);
  "" when there is nothing to compare with or the KPI has no direction (context).
- A measure counts its KPIs, each against its own previous year with a value ("2 av 3 nyckeltal
  bättre än 2020"; "än 2019/2020" when their previous years differ). Its arrow is the balance:
  "better" when more KPIs got better than worse, "worse" when more got worse, "same" when as
  many got better as worse (all unchanged, or a tie; the sentence then says both counts).
  A KPI without a value now or before is not counted.
- Survey results (issue 16): a change is better or worse only when the pooled two-proportion
  test at 95 % says it is (uncertainty.change_certainty, on the respondent counts of both
  years); a value that moved within the margin of error is "same", said as "oförändrat inom
  felmarginalen" (`margin`). Without counts for both years the value rule above stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..labels import TRENDS as WORDS
from ..labels import WITHIN_MARGIN

BETTER, WORSE, SAME, NONE = "better", "worse", "same", ""
ALL = (NONE, BETTER, WORSE, SAME)  # a trend column's categories
ARROWS = {BETTER: "↑", WORSE: "↓", SAME: "→"}


def sign(higher_is_better: bool | None) -> int:
    """+1 when higher is better, −1 when lower is, 0 for a context KPI (no direction)."""
    return {True: 1, False: -1}.get(higher_is_better, 0)


def judge(change: pd.Series, signs: pd.Series | int) -> np.ndarray:
    """Element-wise: "better", "worse", "same" or "" for each change of value and the KPI's
    sign (see `sign`)."""
    change = pd.Series(change, dtype=float)
    signs = pd.Series(signs, index=change.index) if np.ndim(signs) else signs
    directed = np.sign(change) * signs
    return np.select(
        [change.isna() | (signs == 0), directed > 0, directed < 0],
        [NONE, BETTER, WORSE],
        SAME,
    )


def judged(change: float, sign: int) -> str:
    """`judge` of one change: "better", "worse", "same" or "" (NaN or no direction)."""
    return str(judge(pd.Series([change], dtype=float), sign)[0])


def previous(column: pd.Series, has: pd.Series, groups: list[pd.Series] | None = None) -> pd.Series:
    """Per row, `column` at the previous row with a value (`has`): what a trend is against
    ("since the previous year with a value"). The rows are in year order (within each of
    `groups`, when given); NaN where no earlier row has a value."""
    last = column.where(has)
    if groups is None:
        return last.ffill().shift(1)
    last = last.groupby(groups, observed=True, sort=False).ffill()
    return last.groupby(groups, observed=True, sort=False).shift(1)


def attribute(trend: str) -> str:
    """The trend as the page's `data-trend` value: better, worse, same or none."""
    return trend or "none"


@dataclass(frozen=True)
class MeasureTrend:
    better: int
    worse: int
    same: int
    years: tuple[int, ...]  # the previous years compared with, oldest first
    margin: int = 0  # of `same`: values that moved, but within the margin of error

    @property
    def compared(self) -> int:
        return self.better + self.worse + self.same

    @property
    def trend(self) -> str:
        if not self.compared:
            return NONE
        if self.better != self.worse:
            return BETTER if self.better > self.worse else WORSE
        return SAME

    def sentence(self) -> str:
        """Led by the arrow's side: "↑ 2 av 3 nyckeltal bättre än 2020 (1 sämre)",
        "↓ 2 av 2 nyckeltal sämre än 2020"; one KPI: "↓ sämre än 2020"; a survey result that
        moved within its margin of error: "→ oförändrat inom felmarginalen sedan 2020"."""
        n, since = self.compared, "/".join(str(y) for y in self.years)
        if not n:
            return ""
        arrow = ARROWS[self.trend]
        exact = self.same - self.margin
        if n == 1:
            word = f"{WORDS[self.trend]} {'sedan' if self.trend == SAME else 'än'}"
            if self.margin:
                word = f"{WITHIN_MARGIN} sedan"
            return f"{arrow} {word} {since}"
        if self.trend == SAME and not self.better:
            if self.margin == n:
                return f"{arrow} alla {n} nyckeltal oförändrade inom felmarginalen sedan {since}"
            tail = f" ({self.margin} inom felmarginalen)" if self.margin else ""
            return f"{arrow} alla {n} nyckeltal oförändrade sedan {since}{tail}"
        unchanged = [(exact, WORDS[SAME]), (self.margin, WITHIN_MARGIN)]
        if self.trend == SAME:
            head = (
                f"{self.better} av {n} nyckeltal {WORDS[BETTER]} och {self.worse} "
                f"{WORDS[WORSE]} än {since}"
            )
            rest = unchanged
        elif self.trend == BETTER:
            head = f"{self.better} av {n} nyckeltal {WORDS[BETTER]} än {since}"
            rest = [(self.worse, WORDS[WORSE]), *unchanged]
        else:
            head = f"{self.worse} av {n} nyckeltal {WORDS[WORSE]} än {since}"
            rest = [(self.better, WORDS[BETTER]), *unchanged]
        words = [f"{k} {_plural(w, k)}" for k, w in rest if k]
        return f"{arrow} {head}" + (f" ({', '.join(words)})" if words else "")


def _plural(word: str, count: int) -> str:
    if count > 1 and word.startswith(WORDS[SAME]):
        return "oförändrade" + word[len(WORDS[SAME]) :]
    return word


def summarise(kpis: Iterable[tuple]) -> MeasureTrend:
    """A measure's trend from its KPIs' (trend, previous year) pairs, or (trend, previous
    year, within margin) triples. Plain Python: it runs for every measure of every overview."""
    judged = [
        (k[0], k[1], len(k) > 2 and bool(k[2])) for k in kpis if k[0] in (BETTER, WORSE, SAME)
    ]
    trends = [t for t, _, _ in judged]
    return MeasureTrend(
        better=trends.count(BETTER),
        worse=trends.count(WORSE),
        same=trends.count(SAME),
        years=tuple(sorted({int(y) for _, y, _ in judged})),
        margin=sum(m and t == SAME for t, _, m in judged),
    )
