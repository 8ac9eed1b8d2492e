"""Issue 16 on the pages: every interval, place range and "säker/osäker" shown is recounted
here from the raw snapshot (store.values read with plain pandas: the share, the survey's
respondents, every other municipality's value) by the formulas of docs/uncertainty.md written
out again, never from the service's output. Hypothesis covers the boundaries of the wiring
(n = 0, n missing, a hidden count, shares of 0 and 100 %)."""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_pages import find, text

from kvalitetsvisaren.analysis import trends
from kvalitetsvisaren.data.store import Store
from kvalitetsvisaren.service import certainty_view
from kvalitetsvisaren.service.facade import IndicatorService
from kvalitetsvisaren.web.urls import Params

GOTEBORG, BJURHOLM, VASTERVIK, STOCKHOLM = "1480", "2403", "0883", "0180"
FOUR = (GOTEBORG, BJURHOLM, VASTERVIK, STOCKHOLM)
Z = 1.959964
SURVEYS = {"hemtjanst": "U23592", "sarskilt-boende": "U23594"}
NBSP = "\u00a0"
INTERVAL = re.compile(r"felmarginal \d")  # an interval in words ("felmarginal 78,7–81,3 %")


# --- the recount ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(dash_app):
    from kvalitetsvisaren.web.pages import area, kpi, overview

    return {"overview": overview, "area": area, "kpi": kpi}


@pytest.fixture(scope="module")
def raw(service) -> pd.Series:
    """Gender-T values of the type-K municipalities, indexed (kpi, municipality_id, year)."""
    store = service.store
    kommuner = store.municipalities.loc[store.municipalities["type"] == "K", "id"]
    v = store.values
    v = v[(v["gender"] == "T") & v["municipality_id"].isin(kommuner)].dropna(subset=["value"])
    return v.set_index(["kpi", "municipality_id", "year"])["value"].sort_index()


def params(municipality: str, year: int = 2022, **changes: Any) -> dict:
    return {**Params(municipality, year).as_query(), **changes}


def wilson(p: float, n: float) -> tuple[float, float]:
    """Wilson 95 % for a share p in % of n respondents, in % (docs/uncertainty.md, 1)."""
    q = p / 100
    centre = (q + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(q * (1 - q) / n + Z * Z / (4 * n * n))
    return max(0.0, min(centre - half, q)) * 100, min(1.0, max(centre + half, q)) * 100


def colour_at(x: float, others: np.ndarray, n: int, higher: bool) -> str:
    """The ranking rule (README): better = others strictly better, worse = strictly worse;
    green when 4·(better+1) <= n, red when 4·(worse+1) <= n, yellow when both or neither."""
    better = int((others > x).sum() if higher else (others < x).sum())
    worse = int((others < x).sum() if higher else (others > x).sum())
    green, red = 4 * (better + 1) <= n, 4 * (worse + 1) <= n
    return "green" if green and not red else "red" if red and not green else "yellow"


def recount(raw: pd.Series, kpi: str, count_kpi: str, municipality: str, year: int, higher=True):
    """(colour, certainty, lo, hi, n, place, best, worst) of a survey share, from raw values;
    None without a value. A hidden count (none published for the municipality, but for others
    that year) is tried with n = 29: unsure stays unsure, sure becomes unknown."""
    try:
        value = raw.loc[(kpi, municipality, year)]
    except KeyError:
        return None
    everyone = raw.loc[kpi].xs(year, level="year")
    others = everyone.drop(municipality).to_numpy(dtype=float)
    size = len(everyone)
    colour = colour_at(value, others, size, higher) if size >= 4 else "grey"
    n = raw.get((count_kpi, municipality, year), np.nan)
    published = (raw.loc[count_kpi].index.get_level_values("year") == year).any()
    hidden = np.isnan(n) and published
    if np.isnan(n) and not hidden:
        return colour, "unknown", np.nan, np.nan, n, None, None, None
    lo, hi = wilson(value, 29 if hidden else n)
    kept = colour_at(lo, others, size, higher) == colour == colour_at(hi, others, size, higher)
    certainty = ("sure" if kept else "unsure") if colour != "grey" else "unknown"
    if hidden:
        certainty = "unsure" if certainty == "unsure" else "unknown"
        return colour, certainty, np.nan, np.nan, n, None, None, None
    place = 1 + int((others > value).sum())
    best, worst = 1 + int((others > hi).sum()), 1 + int((others > lo).sum())
    return colour, certainty, lo, hi, n, (place, size), best, worst


def sv(x: float, unit: str = "") -> str:
    """Swedish number as the page writes it (one decimal, decimal comma)."""
    r = round(x, 1)
    body = f"{int(r)}" if float(r).is_integer() else f"{r:.1f}".replace(".", ",")
    return body + (f"{NBSP}{unit}" if unit else "")


def plotted(values: Any) -> list:
    """A figure's array as sent to the browser (plotly packs numbers as base64 "bdata")."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def rows_of(content: Any) -> dict[str, dict]:
    return {r["data-kpi"]: r for r in find(content, "data-kpi") if "data-trend" in r}


# --- level 2 rows -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("municipality", FOUR)
@pytest.mark.parametrize("area", list(SURVEYS))
@pytest.mark.parametrize("year", [2020, 2022])
def test_level2_rows_show_the_recounted_interval_and_certainty(
    pages, raw, service, municipality, area, year
):
    config = service.config
    content = pages["area"].update_area(params(municipality, year), area)
    rows = rows_of(content)
    for kpi in config.area(area).kpi_ids():
        row, shown = rows[kpi], text(rows[kpi])
        assert row["data-certainty"] in ("sure", "unsure", "unknown")
        survey = is_survey_share(service, kpi)
        got = recount(raw, kpi, SURVEYS[area], municipality, year) if survey else None
        if got is None:  # not a survey share, or no value: nothing to say
            assert row["data-certainty"] == "unknown", kpi
            assert not INTERVAL.search(shown), kpi
            continue
        colour, certainty, lo, hi, n, *_ = got
        assert row["data-quartile"] == colour, (kpi, municipality, year)
        assert row["data-certainty"] == certainty, (kpi, municipality, year)
        if np.isnan(lo):
            assert not INTERVAL.search(shown), kpi  # no count: no interval words
            continue
        assert f"{int(n)} svarande" in shown
        assert f"felmarginal {sv(lo)}–{sv(hi, '%')}" in shown, (kpi, lo, hi)
        riket = raw_riket(service, kpi, year)
        words = "inte skild från riket" if lo <= riket <= hi else "skild från riket"
        assert f'"{words}"' in shown, (kpi, riket, lo, hi)


def is_survey_share(service, kpi: str) -> bool:
    """A share of Socialstyrelsen's survey (its Kolada title), whose respondents are counted."""
    title = str(service.store.kpis.set_index("id")["title"].get(kpi, ""))
    return title.startswith("Brukarbedömning") and title.endswith("andel (%)")


def raw_riket(service, kpi: str, year: int) -> float:
    v = service.store.values
    hit = v[(v["kpi"] == kpi) & (v["year"] == year) & (v["municipality_id"] == "0000")]
    return float(hit.loc[hit["gender"] == "T", "value"].iloc[0])


@pytest.mark.parametrize("area", ["grundskola", "forskola", "hemtjanst", "sarskilt-boende"])
def test_non_survey_kpis_have_unknown_certainty_and_no_interval_words(pages, service, area):
    content = pages["area"].update_area(params(VASTERVIK, 2022), area)
    for kpi, row in rows_of(content).items():
        if not is_survey_share(service, kpi):
            assert row["data-certainty"] == "unknown", kpi
            assert not INTERVAL.search(text(row)), kpi


# --- level 1 tiles --------------------------------------------------------------------------


def tiles(content: Any, area: str) -> dict[str, dict]:
    section = next(s for s in find(content, "data-area") if s["data-area"] == area)
    return {t["data-measure"]: t for t in find(section, "data-measure")}


@pytest.mark.slow
@pytest.mark.parametrize("municipality", FOUR)
def test_every_data_quartile_has_a_data_certainty_on_levels_1_2_and_22(
    pages, kpi_view, municipality
):
    trees = [
        pages["overview"].update_overview(params(municipality)),
        pages["area"].update_area(params(municipality), "hemtjanst"),
        kpi_view(params(municipality, omrade="hemtjanst", grupp="liknande"), "U21468"),
    ]
    for tree in trees:
        for props in find(tree, "data-quartile"):
            assert props.get("data-certainty") in ("sure", "unsure", "unknown"), props


@pytest.mark.parametrize("municipality", FOUR)
@pytest.mark.parametrize(("year", "area"), [(2020, "hemtjanst"), (2022, "hemtjanst")])
def test_one_kpi_tiles_take_the_recounted_certainty_and_say_it_in_words(
    pages, raw, service, municipality, year, area
):
    shown = tiles(pages["overview"].update_overview(params(municipality, year)), area)
    for measure in service.config.area(area).measures:
        tile = shown[measure.id]
        if measure.kind == "context":
            assert tile["data-certainty"] == "unknown"
            continue
        words = text(tile)
        if tile["data-certainty"] == "unsure":  # never a mark alone: the word and why
            assert "osäker" in words and "kan vara en annan" in words
        if tile["data-certainty"] == "sure":
            assert ("säker" in words and "står sig" in words) or "säkert i mitten" in words
        values = [k for k in measure.kpis if (k, municipality, year) in raw.index]
        if len(measure.kpis) != 1 or not values:
            continue
        got = recount(raw, measure.kpis[0], SURVEYS[area], municipality, year)
        if got is not None and service.config.kpi(measure.kpis[0]).unit == "%":
            assert tile["data-certainty"] == got[1], (municipality, year, measure.id)


@pytest.mark.parametrize("municipality", FOUR)
@pytest.mark.parametrize("area", list(SURVEYS))
def test_one_kpi_tiles_say_the_recounted_place_range(pages, raw, service, municipality, area):
    """A measure tile's place says the range the margins of error allow ("plats 145 av 286,
    sannolikt mellan plats 98 och 190"), recounted from the raw share, its respondents and
    every other municipality's value: the place of the interval's ends among the others."""
    shown = tiles(pages["overview"].update_overview(params(municipality, 2022)), area)
    checked = 0
    for measure in service.config.area(area).measures:
        if measure.kind == "context" or len(measure.kpis) != 1:
            continue
        if service.config.kpi(measure.kpis[0]).unit != "%":
            continue
        got = recount(raw, measure.kpis[0], SURVEYS[area], municipality, 2022)
        if got is None or got[5] is None:
            assert "sannolikt mellan" not in text(shown[measure.id])
            continue
        (place, size), best, worst = got[5], got[6], got[7]
        words = text(shown[measure.id])
        assert f"plats {place} av {size}" in words, (municipality, measure.id)
        if best != worst:
            assert f"sannolikt mellan plats {best} och {worst}" in words, (municipality, measure.id)
        checked += 1
    assert checked or municipality == BJURHOLM  # Bjurholm's counts are hidden (fewer than 30)


def test_bjurholm_is_unsure_where_few_answered_and_goteborg_sure_where_many(pages, raw):
    # Bjurholm's särskilt boende 2022: results without a published count (fewer than 30)
    bjurholm = tiles(pages["overview"].update_overview(params(BJURHOLM)), "sarskilt-boende")
    helhet = recount(raw, "U23471", "U23594", BJURHOLM, 2022)
    assert np.isnan(helhet[4]) and helhet[1] == "unsure"
    assert bjurholm["helhetssyn"]["data-certainty"] == "unsure"
    assert "färre än 30 svarande" in text(bjurholm["helhetssyn"])
    # Göteborg's helhetssyn 2022: 80 % of its respondents, red, the whole interval red
    goteborg = tiles(pages["overview"].update_overview(params(GOTEBORG)), "hemtjanst")
    colour, certainty, _, _, n, *_ = recount(raw, "U21468", "U23592", GOTEBORG, 2022)
    assert (colour, certainty) == ("red", "sure") and n > 1000
    assert goteborg["helhetssyn"]["data-quartile"] == "red"
    assert goteborg["helhetssyn"]["data-certainty"] == "sure"
    assert "säker" in text(goteborg["helhetssyn"])


# --- level 2:2 --------------------------------------------------------------------------------


@pytest.mark.parametrize("municipality", FOUR)
def test_kpi_page_shows_interval_place_range_and_error_bars(kpi_view, raw, municipality):
    view = kpi_view(params(municipality, omrade="hemtjanst", grupp="liknande"), "U21468")
    summary, _, more = view
    card = next(c for c in find(summary, "data-quartile") if "summary-card" in str(c))
    got = recount(raw, "U21468", "U23592", municipality, 2022)
    if got is None:
        assert card["data-certainty"] == "unknown" and not INTERVAL.search(text(card))
        return
    _, certainty, lo, hi, _, (place, size), best, worst = got
    assert card["data-certainty"] == certainty
    assert f"felmarginal {sv(lo)}–{sv(hi, '%')}" in text(card)
    words = f"plats {place} av {size}"
    if best != worst:
        words += f", sannolikt mellan plats {best} och {worst}"
    assert words in text(card)
    traces = [t for f in find(summary, "figure") for t in f["figure"]["data"]]
    focus = [t for t in traces if t.get("error_x", {}).get("visible")]
    assert len(focus) == 1
    value = raw.loc[("U21468", municipality, 2022)]
    assert focus[0]["error_x"]["array"][0] == pytest.approx(hi - value)
    assert focus[0]["error_x"]["arrayminus"][0] == pytest.approx(value - lo)
    traces = [t for f in find(more, "figure") for t in f["figure"]["data"]]
    line = next(t for t in traces if (t.get("error_y") or {}).get("visible"))
    for year, up in zip(plotted(line["x"]), line["error_y"]["array"], strict=True):
        n_year = raw.get(("U23592", municipality, year), np.nan)
        v = raw.get(("U21468", municipality, year), np.nan)
        want = 0 if np.isnan(n_year) or np.isnan(v) else wilson(v, n_year)[1] - v
        assert up == pytest.approx(want), year


# --- the wiring's boundaries (hypothesis) -------------------------------------------------------


def one_kpi_rows(values, counts, few, previous, previous_counts) -> pd.DataFrame:
    """Service-shaped KPI rows of one survey share "S" in 2022 (and its 2020 values)."""
    now = pd.DataFrame(
        {
            "kpi": "S",
            "municipality_id": [f"{i:04d}" for i in range(len(values))],
            "year": 2022,
            "value": values,
            "respondents": counts,
            "few": few,
            "limit": 30.0,
            "previous_year": 2020.0,
            "previous_value": previous,
        }
    )
    before = now.assign(
        year=2020,
        value=previous,
        respondents=previous_counts,
        few=False,
        previous_year=np.nan,
        previous_value=np.nan,
    )
    out = pd.concat([before, now], ignore_index=True)
    out["change"] = out["value"] - out["previous_value"]
    out["trend"] = trends.judge(out["change"], 1)
    out["riket"] = 85.0
    out["colour"] = "yellow"
    return out


share = st.one_of(st.sampled_from([0.0, 100.0, 50.0]), st.integers(0, 100).map(float))
count = st.one_of(st.sampled_from([np.nan, 0.0, 1.0, 29.0]), st.integers(1, 5000).map(float))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(st.tuples(share, count, st.booleans(), share, count), min_size=4, max_size=12))
def test_intervals_certainty_and_changes_at_the_boundaries(data):
    values, counts, few, previous, previous_counts = map(list, zip(*data, strict=True))
    rows = one_kpi_rows(values, counts, few, previous, previous_counts)
    out = certainty_view.annotate_kpi_rows(rows, {"S": True}, {"S": "%"})
    now = out[out["year"] == 2022].reset_index(drop=True)
    for i, r in now.iterrows():
        n, hidden = counts[i], np.isnan(counts[i]) and few[i]
        lo, hi = certainty_view.shown_interval(r)
        if hidden:  # "färre än 30 svarande": never sure, never an interval shown
            assert r["interval_source"] == "hidden" and r["certainty"] != "sure"
            assert np.isnan(lo) and np.isnan(hi)
        elif np.isnan(n) or n <= 0:  # no count, or none answered: nothing invented
            assert r["interval_source"] == "none" and r["certainty"] == "unknown"
            assert np.isnan(lo) and certainty_view.interval_text(lo, hi, "%") == ""
        else:
            want_lo, want_hi = wilson(values[i], n)
            assert (lo, hi) == (pytest.approx(want_lo), pytest.approx(want_hi))
            assert 0 <= lo <= values[i] <= hi <= 100 and hi > lo  # not empty at 0 or 100
        # the change: "same" within the margin only when the value moved and both counts
        # exist; by hand, the pooled two-proportion z
        n1, n2, p1, p2 = previous_counts[i], counts[i], previous[i] / 100, values[i] / 100
        moved = p1 != p2
        if np.isnan(n1) or np.isnan(n2) or n1 <= 0 or n2 <= 0 or not moved:
            assert not r["within_margin"]
            assert r["trend"] == trends.judge(pd.Series([values[i] - previous[i]]), 1)[0]
            continue
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        margin = se == 0 or abs(p2 - p1) / se <= Z
        assert bool(r["within_margin"]) == margin
        assert r["trend"] == ("same" if margin else "better" if p2 > p1 else "worse")


# --- Kolada's half-widths come first ---------------------------------------------------------


@pytest.mark.slow
def test_kolada_half_widths_take_precedence_synthetic(service):
    """A store with "Osäkerhetstal - <title of U23463>" (N21459 in Kolada) for Göteborg 2022:
    its interval is value ± half-width, the others' stay Wilson."""
    store = service.store
    title = store.kpis.set_index("id").loc["U23463", "title"]
    kpis = pd.concat(
        [store.kpis, store.kpis[store.kpis["id"] == "U23463"].assign(id="N21459")],
        ignore_index=True,
    )
    kpis.loc[kpis["id"] == "N21459", "title"] = certainty_view.HALF_WIDTH_PREFIX + title
    extra = store.values[
        (store.values["kpi"] == "U23463")
        & (store.values["municipality_id"] == GOTEBORG)
        & (store.values["year"] == 2022)
    ].assign(kpi="N21459", value=3.0)
    values = pd.concat([store.values, extra], ignore_index=True)
    other = IndicatorService(
        Store(
            kpis,
            store.municipalities,
            store.municipality_groups,
            store.ous,
            values,
            store.ou_values,
            store.meta,
        ),
        service.config,
    )
    rows = other.area_kpis("sarskilt-boende", GOTEBORG, 2022).set_index("kpi")
    v = rows.loc["U23463", "value"]
    assert rows.loc["U23463", "interval_source"] == "kolada"
    assert (rows.loc["U23463", "lo"], rows.loc["U23463", "hi"]) == (v - 3, v + 3)
    assert rows.loc["U23520", "interval_source"] == "wilson"


@pytest.mark.parametrize("municipality", ["0180", "2403", "0883"])
def test_unit_colours_are_unknown_and_say_why(municipality, service):
    # Kolada has no respondent counts per unit (no U23592-like KPI at OU level in the store):
    # no interval may be invented, so every unit colour is "unknown" and the page says so
    from kvalitetsvisaren.web.pages import units as units_page

    ou_kpis = set(service.store.ou_values["kpi"])
    assert not ou_kpis & {"U23592", "U23594"}
    params = {**Params(municipality, 2024).as_query()}
    tree = [units_page.update_units(params, "hemtjanst")]
    tree.append(units_page.update_unit_charts(params, "hemtjanst"))
    coloured = find(tree, "data-quartile")
    assert coloured and all(c.get("data-certainty") == "unknown" for c in coloured)
    assert "Kolada redovisar inte hur många som svarat per enhet" in text(tree)
