"""Uncertainty of results, places and colours (kvalitetsvisaren/analysis/uncertainty.py, issue 16).

Expected values are worked by hand (the arithmetic is in the comments, z = 1.959964, z² =
3.841459) or come from the ranking module, which is tested on its own; the simulations check
the statistics against known true shares.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.analysis import uncertainty as u
from kvalitetsvisaren.analysis.ranking import measure_quartiles, quartiles_with_scores, rank_within

NAN = float("nan")
Z = 1.959963984540054
PROPERTY = settings(
    max_examples=80,
    deadline=None,
    database=None,  # never write a .hypothesis directory into the checkout
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def ranked_frame(values, higher_is_better=True, lo=None, hi=None, kpi="K", year=2020):
    """One KPI-year ranked by ranking.rank_within over places 0000, 0001, ..., with lo/hi."""
    ids = pd.Index([f"{i:04d}" for i in range(len(values))])
    frame = pd.DataFrame({"kpi": kpi, "year": year, "municipality_id": ids, "value": values})
    known = frame.dropna(subset=["value"])
    ranked = rank_within(known, "municipality_id", ids, {kpi: higher_is_better})
    values = np.asarray(values, dtype=float)
    ranked["lo"] = values if lo is None else lo
    ranked["hi"] = values if hi is None else hi
    return ranked


# --- Wilson ----------------------------------------------------------------------------------


def test_wilson_for_half_of_a_hundred():
    # centre = (0.5 + z²/200) / (1 + z²/100) = 0.5;
    # half = z / (1 + z²/100) · sqrt(0.0025 + z²/40000) = 1.88745 · 0.0509517 = 0.0961685
    lo, hi = u.wilson_interval(50, 100)
    assert (round(float(lo), 2), round(float(hi), 2)) == (40.38, 59.62)
    assert float(lo) == pytest.approx(40.38315, abs=1e-4)
    assert float(hi) == pytest.approx(59.61685, abs=1e-4)


def test_wilson_at_the_edges_and_for_one_respondent():
    # p = 0: [0, z²/(n + z²)]; p = 1: [n/(n + z²), 1]; n = 1, p = 1/2: 1/2 ± z/(2·sqrt(1 + z²))
    lo, hi = u.wilson_interval([0, 100, 50, 100, 0], [10, 10, 1, 1, 1])
    z2 = Z * Z
    expected_lo = [0, 10 / (10 + z2), 0.5 - Z / (2 * math.sqrt(1 + z2)), 1 / (1 + z2), 0]
    expected_hi = [z2 / (10 + z2), 1, 0.5 + Z / (2 * math.sqrt(1 + z2)), 1, z2 / (1 + z2)]
    np.testing.assert_allclose(lo, np.array(expected_lo) * 100, atol=1e-9)
    np.testing.assert_allclose(hi, np.array(expected_hi) * 100, atol=1e-9)
    assert lo[0] == 0 and hi[1] == 100  # exactly, not a rounding error below 0 or above 100
    assert round(float(hi[0]), 2) == 27.75 and round(float(lo[1]), 2) == 72.25


def test_wilson_is_unknown_without_a_usable_count_or_share():
    lo, hi = u.wilson_interval([50, 50, 50, NAN, 101, -1], [0, NAN, -5, 100, 100, 100])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_a_narrower_confidence_gives_a_narrower_interval():
    wide = np.subtract(*u.wilson_interval(80, 200, 0.99)[::-1])
    narrow = np.subtract(*u.wilson_interval(80, 200, 0.90)[::-1])
    assert narrow < wide
    assert u.z_value(0.95) == pytest.approx(Z)


# --- Kolada's half-widths first --------------------------------------------------------------


def test_kolada_half_width_wins_then_wilson_then_unknown():
    value = [80, 80, 98, 80, NAN, 80]
    n = [100, 100, 100, NAN, 100, 100]
    half = [2.5, NAN, 3, NAN, 2, -1]  # a negative half-width is no half-width
    got = u.value_interval(value, n, half)
    wilson_lo, wilson_hi = u.wilson_interval(80, 100)
    np.testing.assert_allclose(got.lo, [77.5, wilson_lo, 95, NAN, NAN, wilson_lo])
    np.testing.assert_allclose(got.hi, [82.5, wilson_hi, 100, NAN, NAN, wilson_hi])  # 101 -> 100
    assert list(got.source) == ["kolada", "wilson", "kolada", "none", "none", "wilson"]


def test_value_interval_without_counts_or_half_widths_is_unknown():
    got = u.value_interval([70.0, 90.0])
    assert np.isnan(got.lo).all() and np.isnan(got.hi).all()
    assert list(got.source) == ["none", "none"]


# --- place range -----------------------------------------------------------------------------

SEVEN = np.array([90, 85, 80, 80, 75, 70, 60, NAN])


def test_place_range_on_a_small_set_by_hand():
    # value ± 6 among the others. 90: [84, 96]: none of the others above 96 -> place 1; above
    # 84: 85 -> place 2. 85: others 90 80 80 75 70 60: above 91: none -> 1; above 79: 90, 80,
    # 80 -> 4. 80: others 90 85 80 75 70 60: above 86: 90 -> 2; above 74: 90 85 80 75 -> 5.
    # 75: [69, 81]: above 81: 90 85 -> 3; above 69: 90 85 80 80 70 -> 6. 70: [64, 76]: 90 85 80
    # 80 -> 5; 90 85 80 80 75 -> 6. 60: [54, 66]: 6 above -> 7 and 7.
    best, worst = u.place_range(SEVEN, SEVEN - 6, SEVEN + 6, higher_is_better=True)
    np.testing.assert_array_equal(best, [1, 1, 2, 2, 3, 5, 7, NAN])
    np.testing.assert_array_equal(worst, [2, 4, 5, 5, 6, 6, 7, NAN])


def test_place_range_when_lower_is_better():
    # Lower is better: 60 is best; an interval's better end is its low end. 90: [84, 96]: below
    # 84: 85? no; 80 80 75 70 60 -> 6; below 96: all six -> 7. 85: [79, 91]: below 79: 75 70 60
    # -> 4; below 91: 7. 80: below 74: 70 60 -> 3; below 86: 85 80 75 70 60 -> 6. 75: [69, 81]:
    # 60 -> 2; 80 80 70 60 -> 5. 70: [64, 76]: 60 -> 2; 75 60 -> 3. 60: [54, 66]: none -> 1, 1.
    best, worst = u.place_range(SEVEN, SEVEN - 6, SEVEN + 6, higher_is_better=False)
    np.testing.assert_array_equal(best, [6, 4, 3, 3, 2, 2, 1, NAN])
    np.testing.assert_array_equal(worst, [7, 7, 6, 6, 5, 3, 1, NAN])


def test_an_interval_end_equal_to_another_value_ties_with_it():
    # 75 with [70, 80]: 80 80 are not strictly better than 80 -> best place 3 (90, 85 above).
    value = np.array([90, 85, 80, 80, 75])
    best, worst = u.place_range(value, [90, 85, 80, 80, 70], [90, 85, 80, 80, 80], True)
    assert best[4] == 3 and worst[4] == 5


def test_no_interval_gives_no_place_range():
    best, worst = u.place_range([90, 80, 70], [NAN, 75, 65], [NAN, 85, NAN], True)
    assert np.isnan(best[[0, 2]]).all() and np.isnan(worst[[0, 2]]).all()
    assert (best[1], worst[1]) == (2, 2)


# --- colour certainty at the cuts ------------------------------------------------------------

EIGHT = np.array([10, 9, 8, 7, 6, 5, 4, 3], dtype=float)  # n = 8, k = 2: 10 9 green, 4 3 red


def certainty_of(i, lo, hi, values=EIGHT, higher_is_better=True):
    lo_all, hi_all = values.copy(), values.copy()
    lo_all[i], hi_all[i] = lo, hi
    return u.colour_certainty(values, lo_all, hi_all, higher_is_better)[i]


def test_green_is_sure_down_to_the_kth_best_of_the_others():
    # 9 is green (rank 2, 4·2 <= 8). Among the others (10 8 7 ...) the 2nd best is 8: at 8 it
    # ties with 8, one place (10) is strictly better, rank 2: still green -> sure. Below 8 two
    # are better, rank 3: yellow -> unsure. (kpi_year_stats' green_cut, with 9 itself, is 9.)
    assert certainty_of(1, 8.0, 9.5) == "sure"
    assert certainty_of(1, 7.999, 9.5) == "unsure"


def test_red_is_sure_up_to_the_kth_worst_of_the_others():
    # 4 is red (worse 1, 4·2 <= 8). Others' 2nd worst is 5: at 5 one (3) is strictly worse ->
    # red; above 5 two are worse -> not red.
    assert certainty_of(6, 3.5, 5.0) == "sure"
    assert certainty_of(6, 3.5, 5.001) == "unsure"


def test_yellow_is_sure_in_the_middle_while_it_reaches_neither_cut():
    # 7 is yellow. Green at x needs at most one other strictly better: x = 9 ties with 9 and
    # only 10 is better -> green, so an end at 9 is unsure; 8.999 is not green. Red at x needs at
    # most one other strictly worse: x = 4 ties with 4, only 3 is worse -> red.
    assert certainty_of(3, 4.001, 8.999) == "sure"
    assert certainty_of(3, 4.001, 9.0) == "unsure"
    assert certainty_of(3, 4.0, 8.999) == "unsure"


def test_the_same_cuts_when_lower_is_better():
    # Negated values: -9 is now the 2nd lowest, so green; the same arithmetic mirrored.
    negated = -EIGHT
    assert certainty_of(1, -9.5, -8.0, negated, False) == "sure"
    assert certainty_of(1, -9.5, -7.999, negated, False) == "unsure"


def test_unknown_without_interval_for_small_n_and_for_context():
    assert certainty_of(0, NAN, NAN) == "unknown"
    three = np.array([3.0, 2.0, 1.0])  # n < 4: grey
    assert list(u.colour_certainty(three, three, three, True)) == ["unknown"] * 3
    assert list(u.colour_certainty(EIGHT, EIGHT, EIGHT, None)) == ["unknown"] * 8
    with_gap = np.append(EIGHT, NAN)
    assert u.colour_certainty(with_gap, with_gap - 1, with_gap + 1, True)[-1] == "unknown"


def test_annotate_kpis_ranks_each_kpi_year_on_its_own():
    first = ranked_frame(EIGHT, lo=EIGHT - 0.5, hi=EIGHT + 0.5, year=2019)
    second = ranked_frame(-EIGHT, False, lo=-EIGHT - 1.5, hi=-EIGHT + 1.5, kpi="L")
    both = pd.concat([first, second], ignore_index=True)
    got = u.annotate_kpis(both, {"K": True, "L": False})
    for part, (lo, hi) in ((first, (EIGHT - 0.5, EIGHT + 0.5)), (second, (-EIGHT - 1.5, None))):
        alone = got[(got["kpi"] == part["kpi"].iloc[0])]
        hib = part["kpi"].iloc[0] == "K"
        hi = hi if hi is not None else -EIGHT + 1.5
        best, worst = u.place_range(part["value"], lo, hi, hib)
        np.testing.assert_array_equal(alone["place_best"], best)
        np.testing.assert_array_equal(alone["place_worst"], worst)
        expected = u.colour_certainty(part["value"], lo, hi, hib)
        assert list(alone["certainty"]) == list(expected)
    # ±0.5 among integers never crosses a neighbour; ±1.5 crosses one on each side.
    assert (got.loc[got["kpi"] == "K", "certainty"] == "sure").all()
    assert list(got.loc[got["kpi"] == "L", "place_worst"]) == [2, 3, 4, 5, 6, 7, 8, 8]


def test_annotate_kpis_scores_at_the_ends():
    # 7 with [5.5, 8.5] among 10 9 8 6 5 4 3 (n = 8): at 8.5 worse = 5 -> 5/7; at 5.5 worse =
    # 3 (5, 4, 3) -> 3/7. Point score of 7: worse 4 -> 4/7.
    lo, hi = EIGHT.copy(), EIGHT.copy()
    lo[3], hi[3] = 5.5, 8.5
    got = u.annotate_kpis(ranked_frame(EIGHT, lo=lo, hi=hi), {"K": True}).iloc[3]
    assert (got["score_lo"], got["score"], got["score_hi"]) == pytest.approx((3 / 7, 4 / 7, 5 / 7))


# --- measures ---------------------------------------------------------------------------------


def measure_setup(a_interval, b_interval):
    """Two KPIs A, B with values 10..3 over eight municipalities (0 best); municipality 1 has
    the given intervals, every other one an exact value. Returns (kpi rows, measure rows)."""
    ids = [f"{i:04d}" for i in range(8)]
    values = pd.DataFrame(
        [(k, m, 2020, 10.0 - i) for k in ("A", "B", "C") for i, m in enumerate(ids)],
        columns=["kpi", "municipality_id", "year", "value"],
    )
    municipalities = pd.DataFrame({"id": ids, "type": "K"})
    directions = {"A": True, "B": True, "C": True}
    scores = quartiles_with_scores(values, municipalities, directions)
    scores["lo"], scores["hi"] = scores["value"], scores["value"]
    for kpi, (lo, hi) in (("A", a_interval), ("B", b_interval), ("C", a_interval)):
        row = (scores["kpi"] == kpi) & (scores["municipality_id"] == "0001")
        scores.loc[row, "lo"], scores.loc[row, "hi"] = lo, hi
    measures = {"AB": ["A", "B"], "C": ["C"]}
    kpi_rows = u.annotate_kpis(scores, directions)
    measure_rows = measure_quartiles(scores, measures, directions)
    got = u.measure_certainty(kpi_rows, measure_rows, measures, directions)
    return kpi_rows, got.set_index(["measure", "municipality_id"])


def test_measure_with_exact_kpis_is_sure_everywhere():
    _, got = measure_setup((9.0, 9.0), (9.0, 9.0))
    assert (got["certainty"] == "sure").all()
    assert (got["place_best"] == got["rank"]).all() and (got["place_worst"] == got["rank"]).all()


def test_measure_mean_range_by_hand():
    # Municipality 1 (9 and 9, mean score 6/7, green: rank 2 of 8). A in [6.5, 9.5]: at 6.5
    # four others are worse -> 4/7; B in [8.5, 9.5]: at 8.5 six -> 6/7. Lowest mean 5/7, which
    # ties municipality 2's mean (5/7): only municipality 0 (1.0) is above, rank 2 -> green,
    # sure, although KPI A alone is unsure (at 6.5 three are better, rank 4: yellow). At the
    # better ends (9.5, 9.5) municipality 0 is still above: best place 2.
    kpis, got = measure_setup((6.5, 9.5), (8.5, 9.5))
    row = got.loc[("AB", "0001")]
    assert row["colour"] == "green"
    assert (row["value_lo"], row["value_hi"]) == pytest.approx((5 / 7, 6 / 7))
    assert row["certainty"] == "sure" and (row["place_best"], row["place_worst"]) == (2, 2)
    a = kpis[(kpis["kpi"] == "A") & (kpis["municipality_id"] == "0001")].iloc[0]
    assert a["certainty"] == "unsure"


def test_measure_turns_unsure_when_both_kpis_can_fall():
    # Both at 6.5 -> mean 4/7; municipalities 0 (1.0) and 2 (5/7) are above: rank 3 -> yellow.
    _, got = measure_setup((6.5, 9.5), (6.5, 9.5))
    assert got.loc[("AB", "0001"), "certainty"] == "unsure"
    assert got.loc[("AB", "0001"), "place_worst"] == 3


def test_measure_using_a_kpi_without_interval_is_unknown_and_one_kpi_takes_its_kpi():
    kpis, got = measure_setup((NAN, NAN), (9.0, 9.0))
    assert got.loc[("AB", "0001"), "certainty"] == "unknown"
    assert got.loc[("AB", "0000"), "certainty"] == "sure"
    # The one-KPI measure C is C's own ranking: its certainty is C's.
    c = kpis[kpis["kpi"] == "C"].set_index("municipality_id")["certainty"]
    assert list(got.loc["C", "certainty"]) == list(c)
    assert got.loc[("C", "0001"), "certainty"] == "unknown"


# --- Riket -----------------------------------------------------------------------------------


def test_differs_from_riket_excludes_only_strictly_outside():
    got = u.differs_from_reference(
        [80, 85, 85, 70, NAN], [84, 90, 90, 85, 90], [86, 85, 84.9, 86, 88]
    )
    assert list(got) == [True, False, True, True, pd.NA]
    assert list(u.differs_from_reference([80], [84], [NAN])) == [pd.NA]


# --- year to year ----------------------------------------------------------------------------


def test_two_proportion_z_by_hand():
    # 80 % of 200 -> 88 % of 250: pooled (160 + 220)/450 = 0.84444; se = sqrt(0.84444 ·
    # 0.15556 · (1/200 + 1/250)) = 0.0343835; z = 0.08/0.0343835 = 2.32670 -> sure.
    # 80 % of 100 -> 88 % of 100: pooled 0.84; se = sqrt(0.84 · 0.16 · 0.02) = 0.0518459;
    # z = 1.54303 -> within the margin of error.
    z = u.two_proportion_z([80, 80], [200, 100], [88, 88], [250, 100])
    np.testing.assert_allclose(z, [2.326700, 1.543033], atol=1e-6)
    got = u.change_certainty([80, 80, 88], [200, 100, 250], [88, 88, 80], [250, 100, 200])
    assert list(got) == ["sure", "unsure", "sure"]


def test_change_without_counts_is_unknown_and_equal_extremes_unchanged():
    got = u.change_certainty(
        [80, 80, 100, 0], [NAN, 100, 50, 40], [85, 85, 100, 0], [100, 0, 80, 30]
    )
    assert list(got) == ["unknown", "unknown", "unsure", "unsure"]
    assert u.two_proportion_z(100, 50, 100, 80) == 0


# --- words -----------------------------------------------------------------------------------


def test_swedish_words():
    assert u.certainty_word("yellow", "sure") == "säkert i mitten"
    assert u.certainty_word("green", "sure") == "säker"
    assert u.certainty_word("red", "unsure") == "osäker"
    assert u.certainty_word("grey", "unknown") == "okänd säkerhet"
    assert u.CHANGE_WORDS["unsure"] == "oförändrat inom felmarginalen"
    assert u.place_range_text(145, 286, 98, 190) == (
        "plats 145 av 286, sannolikt mellan plats 98 och 190"
    )
    assert u.place_range_text(3, 286, NAN, NAN) == "plats 3 av 286"
    assert u.place_range_text(3, 286, 3, 3) == "plats 3 av 286"


# --- simulations -----------------------------------------------------------------------------

SIZE_CLASSES = [(20, 49), (50, 149), (150, 499), (500, 2000)]


def test_synthetic_wilson_intervals_cover_the_true_share_95_percent():
    rng = np.random.default_rng(16)
    covered, total = 0, 0
    for low, high in SIZE_CLASSES:
        draws = 6000
        n = np.round(np.exp(rng.uniform(np.log(low), np.log(high), draws)))
        true = rng.uniform(0.50, 0.99, draws)
        lo, hi = u.wilson_interval(100 * rng.binomial(n.astype(int), true) / n, n)
        hit = (lo <= 100 * true) & (100 * true <= hi)
        assert 0.93 <= hit.mean() <= 0.97, (low, high, hit.mean())
        covered, total = covered + hit.sum(), total + draws
    assert 0.94 <= covered / total <= 0.96


def simulated_population(rng, size=290):
    """True shares like U21468 2019-2022 (observed mean 89.7 %, sd 5.2; less the sampling
    spread, a true sd of about 4.4: Beta(41.9, 4.8), kept within 50-99 %) and respondent
    counts like U23592 (log-normal, log mean 5.18, log sd 0.89: median 178, kept within 20-2000)."""
    true = np.clip(rng.beta(41.9, 4.8, size), 0.50, 0.99)
    n = np.clip(np.round(np.exp(rng.normal(5.18, 0.887, size))), 20, 2000)
    observed = np.round(100 * rng.binomial(n.astype(int), true) / n)  # Kolada rounds to whole %
    return 100 * true, n, observed


def test_synthetic_sure_colours_are_rarely_wrong():
    sure = {"green": 0, "red": 0}
    wrong = {"green": 0, "red": 0}
    for seed in range(20):
        true, n, observed = simulated_population(np.random.default_rng(seed))
        lo, hi = u.wilson_interval(observed, n)
        frame = ranked_frame(observed, lo=lo, hi=hi)
        got = u.annotate_kpis(frame, {"K": True})
        true_colour = ranked_frame(true)["colour"].to_numpy()
        for colour in sure:
            is_sure = (got["colour"].to_numpy() == colour) & (got["certainty"] == "sure")
            sure[colour] += is_sure.sum()
            wrong[colour] += (is_sure & (true_colour != colour)).sum()
    assert min(sure.values()) > 150  # enough sure colours for the rate to mean something
    assert sum(wrong.values()) / sum(sure.values()) < 0.05
    for colour in sure:
        assert wrong[colour] / sure[colour] < 0.05, (colour, wrong, sure)


# --- properties --------------------------------------------------------------------------------

shares = st.floats(0, 100, allow_nan=False)
counts = st.integers(1, 100_000)


@PROPERTY
@given(p=shares, n=counts)
def test_property_wilson_contains_the_share_within_0_100(p, n):
    lo, hi = u.wilson_interval(p, n)
    assert 0 <= lo <= p <= hi <= 100


@PROPERTY
@given(p=shares, n=st.integers(1, 50_000), more=st.integers(1, 50_000))
def test_property_wilson_narrows_as_n_grows(p, n, more):
    lo, hi = u.wilson_interval(p, n)
    lo2, hi2 = u.wilson_interval(p, n + more)
    assert hi2 - lo2 < hi - lo


@PROPERTY
@given(p=shares, n=st.integers(1, 50_000), more=st.integers(1, 50_000))
def test_property_wilson_intervals_are_nested_in_n(p, n, more):
    # {q : (p - q)² <= z² q (1 - q) / n} only loses members as n grows.
    lo, hi = u.wilson_interval(p, n)
    lo2, hi2 = u.wilson_interval(p, n + more)
    assert lo - 1e-9 <= lo2 and hi2 <= hi + 1e-9


def test_few_respondents_can_only_be_unsure_or_unknown():
    # From an interval inside the true one, "unsure" can be claimed, "sure" cannot.
    assert list(u.certainty_from_inner_interval(["unsure", "sure", "unknown"])) == [
        "unsure",
        "unknown",
        "unknown",
    ]


@st.composite
def kpi_year(draw):
    """Values with ties (whole numbers), a missing one now and then, and random intervals
    around each value."""
    size = draw(st.integers(1, 25))
    values = draw(st.lists(st.one_of(st.integers(0, 12), st.none()), min_size=size, max_size=size))
    values = np.array([NAN if v is None else float(v) for v in values])
    below = np.array(
        draw(st.lists(st.sampled_from([0, 0.5, 1, 2.5, 6, NAN]), min_size=size, max_size=size))
    )
    above = np.array(
        draw(st.lists(st.sampled_from([0, 0.5, 1, 3, 6]), min_size=size, max_size=size))
    )
    return values, values - below, values + above, draw(st.booleans())


@pytest.mark.slow
@PROPERTY
@given(case=kpi_year())
def test_property_place_range_contains_the_point_place(case):
    values, lo, hi, higher_is_better = case
    ranked = ranked_frame(values, higher_is_better)
    best, worst = u.place_range(values, lo, hi, higher_is_better)
    rank, n = ranked["rank"].to_numpy(), ranked["n"].to_numpy()
    known = ~np.isnan(best)
    assert (known == (~np.isnan(values) & ~np.isnan(lo))).all()
    assert (best[known] >= 1).all() and (best[known] <= rank[known]).all()
    assert (rank[known] <= worst[known]).all() and (worst[known] <= n[known]).all()


@pytest.mark.slow
@PROPERTY
@given(case=kpi_year())
def test_property_an_exact_value_is_sure_of_the_ranking_colour(case):
    values, _, _, higher_is_better = case
    assume(not np.isnan(values).all())  # a KPI-year exists only where some place has a value
    ranked = ranked_frame(values, higher_is_better)
    got = u.annotate_kpis(ranked, {"K": higher_is_better})
    coloured = ranked["colour"].isin(["green", "yellow", "red"]).to_numpy()
    assert (got["certainty"].to_numpy() == np.where(coloured, "sure", "unknown")).all()
    same = coloured
    assert (got["place_best"].to_numpy()[same] == ranked["rank"].to_numpy()[same]).all()
    # The module's own point colour is the ranking's colour.
    assert (u.colour_certainty(values, values, values, higher_is_better)[coloured] == "sure").all()


@PROPERTY
@given(case=kpi_year(), shrink=st.floats(0, 1))
def test_property_shrinking_the_interval_never_loses_certainty(case, shrink):
    values, lo, hi, higher_is_better = case
    before = u.colour_certainty(values, lo, hi, higher_is_better)
    after = u.colour_certainty(
        values, values - shrink * (values - lo), values + shrink * (hi - values), higher_is_better
    )
    assert not ((before == "sure") & (after == "unsure")).any()
    assert ((before == "unknown") == (after == "unknown")).all()


@PROPERTY
@given(case=kpi_year())
def test_property_direction_is_a_mirror(case):
    values, lo, hi, higher_is_better = case
    plain = u.place_range(values, lo, hi, higher_is_better)
    mirrored = u.place_range(-values, -hi, -lo, not higher_is_better)
    np.testing.assert_array_equal(plain[0], mirrored[0])
    np.testing.assert_array_equal(plain[1], mirrored[1])
    assert (
        u.colour_certainty(values, lo, hi, higher_is_better)
        == u.colour_certainty(-values, -hi, -lo, not higher_is_better)
    ).all()


@PROPERTY
@given(lo=shares, width=st.floats(0, 30), riket=shares, shrink=st.floats(0, 1))
def test_property_a_narrower_interval_still_differs_from_riket(lo, width, riket, shrink):
    hi = min(lo + width, 100)
    middle = (lo + hi) / 2
    wide = u.differs_from_reference(lo, hi, riket)[0]
    narrow = u.differs_from_reference(
        middle - shrink * (middle - lo), middle + shrink * (hi - middle), riket
    )[0]
    assert narrow or not wide


@PROPERTY
@given(
    p1=st.integers(0, 100), p2=st.integers(0, 100), n1=st.integers(1, 3000), n2=st.integers(1, 3000)
)
def test_property_z_test_is_symmetric_and_more_respondents_only_sharpen_it(p1, p2, n1, n2):
    z = u.two_proportion_z(p1, n1, p2, n2)
    assert u.two_proportion_z(p2, n2, p1, n1) == pytest.approx(-z)
    assume(p1 != p2)
    bigger = u.two_proportion_z(p1, 4 * n1, p2, 4 * n2)
    assert abs(bigger) == pytest.approx(2 * abs(z))  # z grows with the square root of n
    assert u.change_certainty(p1, n1, p2, n2)[()] != "sure" or (
        u.change_certainty(p1, 4 * n1, p2, 4 * n2)[()] == "sure"
    )


# --- which KPI's half-widths an "Osäkerhetstal" KPI gives (certainty_view.half_width_pairs) ---

PREFIX = "Osäkerhetstal - "
# Titles near the rule's edges: the prefix alone, in another case, without its space, twice.
TITLE_PARTS = st.sampled_from(["", PREFIX, "osäkerhetstal - ", "Osäkerhetstal -", "a", "b", " "])
TITLE = st.one_of(
    st.lists(TITLE_PARTS, min_size=0, max_size=3).map("".join),
    st.none(),
    st.floats(allow_nan=True),
)


@PROPERTY
@given(titles=st.dictionaries(st.sampled_from([f"N2{i:04d}" for i in range(8)]), TITLE))
def test_half_width_pairs_follow_the_title_rule_and_never_guess(titles):
    from kvalitetsvisaren.service.certainty_view import half_width_pairs

    got = half_width_pairs(titles)
    text = {k: t for k, t in titles.items() if isinstance(t, str)}
    # By brute force over every (half, result) pair of ids: the half's title is the prefix
    # plus the result's; the result's is not a half-width title; both are the only ones so.
    for h, th in text.items():
        matches = [
            r
            for r, tr in text.items()
            if r != h and not tr.startswith(PREFIX) and th == PREFIX + tr
        ]
        rivals = [o for o, to in text.items() if o != h and to == th]
        if len(matches) == 1 and not rivals:
            assert got.get(h) == matches[0]
        else:
            assert h not in got
    assert set(got) <= set(text)


def test_half_width_pairs_of_the_real_catalogue_titles():
    """Kolada's titles (v3 KPI list, 2026-03): N21459 gives U23463's half-widths; N21460
    ("trygghet (mycket trygga)") has no KPI of its title (U23464 is "mycket trygga")."""
    from kvalitetsvisaren.service.certainty_view import half_width_pairs

    titles = {
        "U23463": "Brukarbedömning särskilt boende äldreomsorg - alltid bra bemötande, andel (%)",
        "U23464": "Brukarbedömning särskilt boende äldreomsorg - mycket trygga, andel (%)",
        "N21459": "Osäkerhetstal - Brukarbedömning särskilt boende äldreomsorg - alltid bra "
        "bemötande, andel (%)",
        "N21460": "Osäkerhetstal - Brukarbedömning särskilt boende äldreomsorg - trygghet "
        "(mycket trygga), andel (%)",
    }
    assert half_width_pairs(titles) == {"N21459": "U23463"}


# --- own measures: a share with its respondents (svarande) gets Wilson; the target verdict ---

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1, max_value=101),
    st.sampled_from([0.0, 100.0, 50.0]),
)


@PROPERTY
@given(
    value=FLOATS,
    n=st.one_of(FLOATS, st.integers(min_value=-5, max_value=10**7).map(float)),
    unit=st.sampled_from(["%", "index", "antal", "", None, "% "]),
    target=FLOATS,
    higher=st.sampled_from([True, False, None, np.True_, np.False_, "ja", 1]),
)
def test_own_share_interval_and_target_certainty_invent_nothing(value, n, unit, target, higher):
    lo, hi = u.share_interval([value], [n], [unit])
    got = u.target_certainty([value], lo, hi, [target], np.array([higher], dtype=object))[0]
    given_count = unit == "%" and math.isfinite(n) and n > 0 and 0 <= value <= 100
    if not given_count:
        assert np.isnan(lo[0]) and np.isnan(hi[0]) and got == u.UNKNOWN
        return
    assert 0 <= lo[0] <= value <= hi[0] <= 100
    direction = higher if isinstance(higher, bool | np.bool_) else None
    if direction is None or not math.isfinite(target):
        assert got == u.UNKNOWN
        return
    # by hand: the verdict at each end of the interval
    met = (lambda x: x >= target) if direction else (lambda x: x <= target)
    same = met(lo[0]) == met(hi[0]) == met(value)
    assert got == (u.SURE if same else u.UNSURE)


def test_own_share_interval_is_wilson_by_hand():
    # 87 % of 405: centre (0.87 + z²/810) / (1 + z²/405), half z/(1 + z²/405) ·
    # sqrt(0.87·0.13/405 + z²/(4·405²))
    z2 = Z * Z
    centre = (0.87 + z2 / 810) / (1 + z2 / 405)
    half = Z / (1 + z2 / 405) * math.sqrt(0.87 * 0.13 / 405 + z2 / (4 * 405**2))
    lo, hi = u.share_interval([87.0], [405], ["%"])
    assert (lo[0], hi[0]) == (
        pytest.approx(100 * (centre - half)),
        pytest.approx(100 * (centre + half)),
    )
    assert u.target_certainty([87.0], lo, hi, [88.0], [True])[0] == u.UNSURE  # 88 inside
    assert u.target_certainty([87.0], lo, hi, [95.0], [True])[0] == u.SURE  # not met anyway
    assert u.target_certainty([87.0], lo, hi, [80.0], [False])[0] == u.SURE  # > 80 throughout
