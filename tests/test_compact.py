"""Issue 14: the service keeps its tables compact (categories, small ints), and no colour,
rank or value that a view shows changes for it. The check recomputes every national quartile
colour and rank from the raw snapshot values in float64, naively (pandas' own ranks, not
ranking.py's sort), and compares them with what the service holds and shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvalitetsvisaren.data.store import COMPACT, compact, load_store
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT
from kvalitetsvisaren.service.facade import IndicatorService
from kvalitetsvisaren.service.records import TREND_YEARS
from kvalitetsvisaren.service.tables import _plain


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    """The snapshot's tables read straight from parquet: values in float64, ids as text."""
    return {
        name: pd.read_parquet(BUNDLED_SNAPSHOT / f"{name}.parquet")
        for name in ("values", "municipalities")
    }


def naive_colours(raw: dict[str, pd.DataFrame], directions: dict) -> pd.DataFrame:
    """The rule of ranking.py by pandas ranks: per KPI and year among type-K municipalities
    with a gender-T value, rank = 1 + how many are strictly better; green if 4·rank <= n, red
    if 4·(worse + 1) <= n, yellow if both or neither, grey if n < 4; neutral for context."""
    values = raw["values"]
    towns = raw["municipalities"].loc[raw["municipalities"]["type"] == "K", "id"]
    v = values[(values["gender"] == "T") & values["municipality_id"].isin(towns)]
    v = v[v["value"].notna() & v["kpi"].isin(list(directions))].copy()
    v["value"] = v["value"].astype("float64")
    direction = v["kpi"].map(directions)
    sign = direction.map({True: 1.0, False: -1.0})  # context KPIs: NaN
    directed = v["value"] * sign
    groups = [v["kpi"], v["year"]]
    v["n"] = v.groupby(groups)["value"].transform("size")
    v["rank"] = directed.groupby(groups).rank(method="min", ascending=False)
    worse_plus_one = directed.groupby(groups).rank(method="min", ascending=True)
    green = 4 * v["rank"] <= v["n"]
    red = 4 * worse_plus_one <= v["n"]
    colour = np.select([green & ~red, red & ~green], ["green", "red"], "yellow")
    colour = np.where(v["n"] < 4, "grey", colour)
    v["colour"] = np.where(direction.isna(), "neutral", colour)
    v.loc[direction.isna(), "rank"] = np.nan
    return v[["kpi", "municipality_id", "year", "value", "n", "rank", "colour"]]


def test_store_compact_keeps_every_value_and_row(raw):
    store = load_store(BUNDLED_SNAPSHOT)
    small = compact(store)
    assert compact(small) is small
    for name, dtypes in COMPACT.items():
        before, after = getattr(store, name), getattr(small, name)
        assert list(after.columns) == list(before.columns)
        assert {c: str(after[c].dtype) for c in dtypes} == dtypes
        assert _plain(after).astype(before.dtypes.to_dict()).equals(before)
    assert small.values["value"].dtype == "float64"  # values are never rounded to float32


def test_every_colour_and_rank_is_as_a_float64_recount_of_the_raw_values(raw, service):
    expected = naive_colours(raw, service.directions)
    held = _plain(service.ranked[["kpi", "municipality_id", "year", "value", "n", "rank"]])
    held["colour"] = service.ranked["colour"].astype(str).to_numpy()
    held = held[held["value"].notna()]
    keys = ["kpi", "municipality_id", "year"]
    both = expected.merge(held, on=keys, how="outer", suffixes=("", "_held"), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"].head()
    assert (both["value"] == both["value_held"]).all()  # bit for bit
    assert (both["n"] == both["n_held"]).all()
    directional = both["colour"] != "neutral"
    assert (both.loc[directional, "rank"] == both.loc[directional, "rank_held"]).all()
    # the service keeps context KPIs ranked; the views make them neutral (next test)
    assert (both.loc[directional, "colour"] == both.loc[directional, "colour_held"]).all()
    assert len(both) > 100_000  # every municipality, KPI and year of the snapshot


EVERY_PLACE_YEAR = 2021  # a year with many empty cells (and colours) to check
SHOWN = ["kpi", "value", "colour", "rank", "missing"]


@pytest.fixture(scope="module")
def every_place_rows(service, config) -> dict[str, pd.DataFrame]:
    """Level 2 of every area for every municipality in EVERY_PLACE_YEAR, as the views get it
    (built once: two tests check these 1,450 views)."""
    return {
        area.id: pd.concat(
            service.area_kpis(area.id, m, EVERY_PLACE_YEAR)[SHOWN].assign(municipality_id=m)
            for m in sorted(service.kommun_ids)
        )
        for area in config.areas
    }


@pytest.mark.slow
def test_views_show_the_recounted_colours_for_every_municipality(
    raw, service, config, every_place_rows
):
    """Level 2 of every area for every municipality, one year: colour, rank and value of each
    KPI as the recount has them (context KPIs neutral and unranked)."""
    expected = naive_colours(raw, service.directions)
    expected = expected[expected["year"] == EVERY_PLACE_YEAR].drop(columns=["year", "n"])
    for area in config.areas:
        shown = every_place_rows[area.id][["kpi", "value", "colour", "rank", "municipality_id"]]
        assert shown["municipality_id"].nunique() == len(service.kommun_ids) == 290
        both = shown.merge(
            expected, on=["kpi", "municipality_id"], how="left", suffixes=("", "_raw")
        )
        none = both["value_raw"].isna()
        assert both.loc[none, "value"].isna().all()
        assert both.loc[none, "colour"].isin(["grey", "neutral"]).all()
        has = both[~none]
        assert (has["value"] == has["value_raw"]).all()
        context_kpis = [k for k in area.kpi_ids() if service.is_context(k, area.id)]
        context = has["kpi"].isin(context_kpis)
        assert (has.loc[context, "colour"] == "neutral").all()
        assert has.loc[context, "rank"].isna().all()
        ranked = has[~context]
        assert (ranked["colour"] == ranked["colour_raw"]).all(), area.id
        assert (ranked["rank"] == ranked["rank_raw"]).all(), area.id


@pytest.mark.parametrize("municipality", ["0180", "2403", "0883"])
def test_tile_colour_counts_are_a_recount_of_the_kpis_colours(raw, service, config, municipality):
    """Each quality tile's "Nyckeltal: ▲ g ■ y ▼ r ○ n" counts its KPIs by the recounted
    colour (no value: ○), for the largest and the smallest municipality and Västervik."""
    from test_honest_numbers import part, tiles

    from kvalitetsvisaren.web.pages.overview import update_overview

    year = 2022
    colours = naive_colours(raw, service.directions)
    colours = colours[(colours["year"] == year) & (colours["municipality_id"] == municipality)]
    colour_of = dict(zip(colours["kpi"], colours["colour"], strict=True))
    content = update_overview({"kommun": municipality, "ar": str(year)})
    for area in config.areas:
        shown = tiles(content, area.id)
        for measure in (m for m in area.measures if m.kind == "quality"):
            got = [colour_of.get(k, "grey") for k in measure.kpis]
            counts = [
                f"{icon}\u00a0{got.count(c)}"
                for c, icon in (("green", "▲"), ("yellow", "■"), ("red", "▼"), ("grey", "○"))
            ]
            want = "Nyckeltal: " + "\u00a0\u00a0 ".join(counts)  # a gap that may break
            assert part(shown[measure.id], "tile-counts") == want, (area.id, measure.id)
            title = shown[measure.id]["children"]
            assert f"{got.count('red')} sämst 25 %" in str(title), (area.id, measure.id)


def test_views_get_plain_dtypes(service):
    """What a view reads is str, int64 and float64, as before the tables were compact."""
    rows = service.area_kpis("hemtjanst", "0883", 2022)
    assert rows["kpi"].dtype == "str" and rows["colour"].dtype == "str"
    assert rows["n"].dtype == "int64" and rows["value"].dtype == "float64"
    dist = service.distribution("U21468", 2022, area="hemtjanst")
    assert dist["municipality_id"].dtype == "str" and dist["rank"].dtype == "float64"
    trend = service.trend("U21468", "0883", 2022, area="hemtjanst")
    assert trend.index.dtype == "int64"


@pytest.fixture(scope="module")
def config(service):
    return service.config


@pytest.mark.slow
def test_compact_service_is_the_same_on_a_plain_or_compact_store(service):
    """A store handed over compact already gives the same service."""
    store = load_store(BUNDLED_SNAPSHOT)
    again = IndicatorService(compact(store), service.config, today=service.today)
    a = service.area_kpis("grundskola", "0180", 2022)
    b = again.area_kpis("grundskola", "0180", 2022)
    pd.testing.assert_frame_equal(a, b)


def test_a_kpi_pages_trend_and_group_are_computed_once_and_callers_get_their_own(service, kpi_view):
    """The KPI page asks whether the municipality has a trend line, then draws it, and writes
    its group's sentence, then draws the group: each is computed once for the view."""
    service._trend.cache_clear()  # what other tests of this worker may have asked for
    service._comparison.cache_clear()
    summary, _, more = kpi_view({"kommun": "2403", "ar": "2022", "omrade": "hemtjanst"}, "U21468")
    assert "Utveckling" in str(more) and "Bjurholm" in str(summary)  # the page, not an error
    assert service._trend.cache_info()[:2] == (1, 1)  # (hits, misses)
    assert service._comparison.cache_info()[:2] == (1, 1)

    line = service.trend("U21468", "2403", 2022, area="hemtjanst")
    line["value"] = -1.0
    fresh = service._build_trend("U21468", "2403", 2022, TREND_YEARS, "hemtjanst")
    pd.testing.assert_frame_equal(service.trend("U21468", "2403", 2022, area="hemtjanst"), fresh)
    mine = ["2403", "0180", "0883"]
    found = service.comparison("U21468", "2403", 2022, mine, area="hemtjanst")
    found.members["value"] = -1.0
    again = service.comparison("U21468", "2403", 2022, mine, area="hemtjanst")
    built = service._build_comparison("U21468", "2403", 2022, tuple(mine), "hemtjanst")
    pd.testing.assert_frame_equal(again.members, built.members)
    assert (again.label, again.n, again.mean) == (built.label, built.n, built.mean)


def test_every_municipalitys_kpi_page_shares_one_spread_and_callers_get_their_own(
    service, kpi_view
):
    """The spread of all municipalities and their year rows (for the certainty intervals) are
    the same on every municipality's page of a KPI and year: built once, for the largest and
    the smallest municipality alike."""
    service._distribution.cache_clear()  # what other tests of this worker may have asked for
    service._kpi_year_rows.cache_clear()
    for municipality, name in (("0180", "Stockholm"), ("2403", "Bjurholm")):
        query = {"kommun": municipality, "ar": "2022", "omrade": "hemtjanst"}
        first, _, _ = kpi_view(query, "U21468")  # the summary and the spread
        assert name in str(first) and "Alla kommuner" in str(first)  # the page, not an error
    assert service._distribution.cache_info().misses == 1
    assert service._kpi_year_rows.cache_info().misses == 1
    assert service._distribution.cache_info().hits >= 1
    assert service._kpi_year_rows.cache_info().hits >= 1

    spread = service.distribution("U21468", 2022, area="hemtjanst")
    spread["value"] = -1.0
    fresh = service._build_distribution("U21468", 2022, "hemtjanst")
    pd.testing.assert_frame_equal(service.distribution("U21468", 2022, area="hemtjanst"), fresh)
    shown, at = ("lo", "hi", "interval_source", "certainty"), ("U21468", 2022)
    rows = service.kpi_year_rows("U21468", 2022, shown)
    rows["lo"] = -1.0
    pd.testing.assert_frame_equal(
        service.kpi_year_rows("U21468", 2022, shown),
        service._find_kpi_year_rows("U21468", 2022, shown),
    )
    every = service.kpi_year_rows("U21468", 2022)  # all columns: the same rows
    pd.testing.assert_frame_equal(every[list(shown)], service._find_kpi_year_rows(*at, shown))


def test_synthetic_a_plain_frame_is_its_own_and_says_what_the_compact_one_holds():
    """_plain: categories as str (missing stays missing), small ints as int64, float32 as
    float64, in the frame's index; a write into it never reaches the compact table."""
    compact_rows = pd.DataFrame(
        {
            "kpi": pd.Categorical(["U1", None, "U2"]),
            "n": np.array([3, 290, -1], dtype=np.int16),
            "rank": np.array([1.0, np.nan, 290.0], dtype=np.float32),
            "value": [0.5, np.nan, 99.25],
            "flags": pd.Series([(), ("x",), ()], dtype=object).to_numpy(),
            "title": pd.array(["Å", None, "<b>"], dtype="str"),
        },
        index=[7, 8, 9],
    )
    kept = compact_rows.copy(deep=True)
    plain = _plain(compact_rows)
    assert plain.index.tolist() == [7, 8, 9]
    assert plain["kpi"].dtype == "str" and plain["kpi"].isna().tolist() == [False, True, False]
    assert plain["kpi"].dropna().tolist() == ["U1", "U2"]
    assert plain["n"].dtype == "int64" and plain["n"].tolist() == [3, 290, -1]
    assert plain["rank"].dtype == "float64" and plain["rank"].iloc[[0, 2]].tolist() == [1, 290]
    assert plain["value"].iloc[[0, 2]].tolist() == [0.5, 99.25]
    for name in plain.columns:
        plain.loc[7, name] = plain.loc[9, name]
    pd.testing.assert_frame_equal(compact_rows, kept)


def test_a_views_summaries_are_computed_once_and_callers_get_their_own(service):
    """The KPI page's callbacks each ask for the KPI's summary; the overview and the exports
    for an area's: one computation per view key while the service is served."""
    before = service._kpi_summary.cache_info()
    first = service.kpi_summary("U21468", "2584", 2019, area="hemtjanst")
    for _ in range(4):
        again = service.kpi_summary("U21468", "2584", 2019, area="hemtjanst")
    after = service._kpi_summary.cache_info()
    assert after.misses - before.misses == 1 and after.hits - before.hits == 4
    assert again == first
    again.flags.append("changed")
    assert "changed" not in service.kpi_summary("U21468", "2584", 2019, area="hemtjanst").flags

    summary = service.area_summary("hemtjanst", "2584", 2019)
    summary.measures.loc[:, "colour"] = "changed"
    assert "changed" not in set(service.area_summary("hemtjanst", "2584", 2019).measures["colour"])
    own = service.own_measures("hemtjanst", "2584", 2019)
    own["label"] = "changed"
    assert service.own_measures("hemtjanst", "2584", 2019).equals(
        service._build_own_measures("hemtjanst", "2584", 2019)
    )


def test_area_summaries_of_a_year_equal_each_municipalitys_own(service, config):
    """Level 1 comes from one table per area and year of every municipality's summary (built
    in one pass); each must equal the summary built from that municipality's own level 2
    rows (the path a municipality with local targets takes): the largest, the smallest,
    Västervik and every twentieth municipality, every area, two years."""
    ids = sorted(service.kommun_ids)
    places = {"0180", "1480", "0380", "1280", "2403", "0883", *ids[::20]}
    for year in (2022, 2019):
        for area in config.areas:
            for place in sorted(places):
                shared = service.area_summary(area.id, place, year)
                own = service._own_area_summary(area.id, place, year)
                pd.testing.assert_frame_equal(shared.measures, own.measures)
                assert shared.verdict == own.verdict, (year, area.id, place)


@pytest.mark.slow
def test_warm_up_shows_the_default_views_without_raising(dash_app, caplog):
    from kvalitetsvisaren.web.factory import warm_up

    warm_up()
    assert "Warming up" not in caplog.text


@pytest.mark.parametrize("today", ["2024-02-01", "2024-05-01", "2024-10-01"])
def test_preliminary_read_once_per_kpi_is_the_per_row_rule(service, today):
    from datetime import date

    from kvalitetsvisaren.analysis import flags

    rows = service.ranked[["kpi", "year", "status"]]
    other = IndicatorService.__new__(IndicatorService)
    kpis = service.kpis.copy()  # half the KPIs publish 2022 between 2024-03-31 and 08-28
    half = kpis.index[::2]
    kpis.loc[half, ["publ_period", "prel_publication_date", "publication_date"]] = [
        "2022",
        "2024-03-31",
        "2024-08-28",
    ]
    other.kpis, other.today = kpis, date.fromisoformat(today)
    meta = kpis.reindex(rows["kpi"].astype(str))
    per_row = flags.is_preliminary(
        rows["year"].astype("int64").reset_index(drop=True),
        meta["publ_period"].reset_index(drop=True),
        meta["prel_publication_date"].reset_index(drop=True),
        meta["publication_date"].reset_index(drop=True),
        rows["status"].astype(str).where(rows["status"].notna()).reset_index(drop=True),
        other.today,
    )
    got = np.asarray(other._preliminary(rows))
    assert (got == per_row.to_numpy()).all()
    assert got.any() == (today == "2024-05-01")


@pytest.mark.slow
def test_every_missing_value_sentence_is_recounted_from_the_raw_values(
    raw, service, config, every_place_rows
):
    """Level 2 says of a municipality's empty cell "<name> har inget värde för <year> (<N>
    kommuner har)" when others have values: name and N as the raw snapshot has them, for every
    municipality (the rows are built for all municipalities of an area at once)."""
    year = EVERY_PLACE_YEAR
    values = raw["values"]
    towns = raw["municipalities"].set_index("id")
    kommuner = towns.index[towns["type"] == "K"]
    has = values[
        (values["gender"] == "T")
        & values["municipality_id"].isin(kommuner)
        & values["value"].notna()
        & (values["year"] == year)
    ]
    counts = has.groupby("kpi")["municipality_id"].nunique()
    pairs = set(zip(has["kpi"], has["municipality_id"], strict=True))
    checked = 0
    for area in config.areas:
        rows = every_place_rows[area.id]
        for kpi, m, value, missing in zip(
            rows["kpi"], rows["municipality_id"], rows["value"], rows["missing"], strict=True
        ):
            assert pd.isna(value) == ((kpi, m) not in pairs), (m, kpi)
            if not pd.isna(value):
                assert missing == ""
            elif counts.get(kpi, 0):
                name = towns.loc[m, "title"]
                assert (
                    missing == f"{name} har inget värde för {year} ({counts[kpi]} kommuner har)."
                ), (m, kpi)
                checked += 1
    assert checked > 1000  # many empty cells of many municipalities
