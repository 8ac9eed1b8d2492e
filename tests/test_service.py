"""The service's view-ready frames on the real snapshot. Expected values are recomputed here
from the store's raw tables with plain pandas (or read from the source files, as noted)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from kvalitetsvisaren.analysis import flags
from kvalitetsvisaren.analysis.ranking import national_quartiles
from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import make_store
from kvalitetsvisaren.service.facade import IndicatorService
from kvalitetsvisaren.service.records import UnknownError
from kvalitetsvisaren.service.tables import verdict

VASTERVIK = "0883"


@pytest.fixture(scope="module")
def store(snapshot_store):
    return snapshot_store


@pytest.fixture(scope="module")
def config(config_path):
    return load_config(config_path)


@pytest.fixture(scope="module")
def svc(dated_service):
    return dated_service


def raw(store, kpi, year=None, municipality=None):
    """Gender-T values of the type-K municipalities, straight from the store."""
    v = store.values
    kommuner = store.municipalities.loc[store.municipalities["type"] == "K", "id"]
    f = v[(v["kpi"] == kpi) & (v["gender"] == "T") & v["municipality_id"].isin(kommuner)]
    if year is not None:
        f = f[f["year"] == year]
    if municipality is not None:
        f = f[f["municipality_id"] == municipality]
    return f.dropna(subset=["value"])


def riket(store, kpi, year):
    v = store.values
    hit = v[
        (v["kpi"] == kpi)
        & (v["year"] == year)
        & (v["municipality_id"] == "0000")
        & (v["gender"] == "T")
    ]
    return hit["value"].iloc[0]


# --- level 2: every KPI of an area ------------------------------------------------------


def test_area_kpis_values_rank_riket_and_mean(svc, store):
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi")
    u21468 = rows.loc["U21468"]
    kommuner = raw(store, "U21468", 2022)
    assert u21468["value"] == 88.0  # the csv: 0883,2022,88.0
    assert u21468["n"] == len(kommuner) == 286
    better = (kommuner["value"] > 88.0).sum()
    assert u21468["rank"] == better + 1
    assert u21468["rank_text"] == f"plats {better + 1} av 286"
    assert u21468["riket"] == riket(store, "U21468", 2022) == 86.0
    assert u21468["mean"] == pytest.approx(kommuner["value"].mean())
    assert u21468["label"] == "Nöjd med hemtjänsten" and u21468["unit"] == "%"
    # every configured KPI of the area appears once per measure it belongs to, in config order
    layout = [(m.id, k) for m in svc.config.area("hemtjanst").measures for k in m.kpis]
    got = svc.area_kpis("hemtjanst", VASTERVIK, 2022)
    assert list(zip(got["measure"], got["kpi"], strict=True)) == layout


def test_change_is_against_the_previous_year_with_a_value(svc, store):
    # U21468 has no 2021 values (the survey was not run): 2022 compares with 2020.
    mine = raw(store, "U21468", municipality=VASTERVIK).set_index("year")["value"]
    row = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi").loc["U21468"]
    assert 2021 not in mine.index
    assert row["previous_year"] == 2020
    assert row["change"] == mine[2022] - mine[2020] == -4.0
    assert row["trend"] == "worse"  # higher is better and it fell


def test_lower_is_better_trend_and_colour_change(svc, store):
    göteborg = "1480"
    rows = svc.area_kpis("hemtjanst", göteborg, 2022).set_index("kpi")
    u21401 = rows.loc["U21401"]  # kontinuitet (staff met in 14 days), lower is better
    mine = raw(store, "U21401", municipality=göteborg).set_index("year")["value"]
    assert u21401["change"] == pytest.approx(mine[2022] - mine[2021])
    assert u21401["trend"] == ("better" if mine[2022] < mine[2021] else "worse")
    ranked = national_quartiles(store.values, store.municipalities, {"U21401": False})
    ranked = ranked[ranked["kpi"] == "U21401"]
    colour = ranked.set_index(["municipality_id", "year"])["colour"].astype(str)
    assert u21401["colour_changed"] == (colour[(göteborg, 2022)] != colour[(göteborg, 2021)])


def test_context_kpi_is_neutral_without_rank_or_trend(svc, store):
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi")
    # N21006 has no direction; N20205 (timavlönade) has one, but sits in a context measure
    for kpi in ("N21006", "N20205"):
        row = rows.loc[kpi]
        assert row["colour"] == "neutral" and math.isnan(row["rank"]), kpi
        assert row["rank_text"] == "rangordnas inte (sammanhang)" and row["trend"] == "", kpi
        assert flags.NEAR_CUT not in row["flags"]
    mine = raw(store, "N20205", municipality=VASTERVIK).set_index("year")["value"]
    assert rows.loc["N20205", "change"] == pytest.approx(mine[2022] - mine[2021])  # shown


def test_kpi_without_any_data_is_grey_not_missing(svc):
    row = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi").loc["N21497"]
    assert row["colour"] == "grey" and row["n"] == 0 and math.isnan(row["value"])


# --- level 2:2 --------------------------------------------------------------------------


def test_quartile_cuts_are_the_exact_thresholds_of_the_colours(svc, store):
    for kpi, year in [("U21468", 2022), ("U21401", 2021), ("N15419", 2019)]:
        summary = svc.kpi_summary(kpi, VASTERVIK, year, area=svc.area_of(kpi).id)
        dist = svc.distribution(kpi, year, area=svc.area_of(kpi).id)
        hib = svc.config.kpi(kpi).higher_is_better
        values = np.sort(raw(store, kpi, year)["value"].to_numpy())
        k = len(values) // 4
        best_first = values[::-1] if hib else values
        assert summary.green_cut == best_first[k - 1]  # the k-th best value
        assert summary.red_cut == best_first[::-1][k - 1]  # the k-th worst value
        green = dist.loc[dist["colour"] == "green", "value"]
        red = dist.loc[dist["colour"] == "red", "value"]
        if hib:
            assert green.min() >= summary.green_cut and red.max() <= summary.red_cut
        else:
            assert green.max() <= summary.green_cut and red.min() >= summary.red_cut
        assert len(dist) == summary.n == len(values)


def test_kpi_summary_text_and_definition(svc):
    s = svc.kpi_summary("U21468", VASTERVIK, 2022, area="hemtjanst")
    assert s.title.startswith("Brukarbedömning hemtjänst äldreomsorg")
    assert "Hur nöjd eller missnöjd är du sammantaget" in s.description
    assert s.colour in ("green", "yellow", "red") and s.rank_text.startswith("plats ")


def test_liknande_kommuner_group_adds_the_municipality_and_ranks_within(svc, store):
    group = svc.comparison("U21468", VASTERVIK, 2022, "liknande", area="hemtjanst")
    # rKolada munic_g.json: G176747 "Liknande kommuner äldreomsorg, Västervik, 2024"
    assert group.label == "Liknande kommuner äldreomsorg, Västervik, 2024"
    members = ["0883", "0482", "1278", "1421", "2121", "2161", "2182", "2523"]
    assert group.members["municipality_id"].tolist() == members
    values = raw(store, "U21468", 2022).set_index("municipality_id")["value"].reindex(members)
    assert group.mean == pytest.approx(values.mean())
    assert group.place == (values > values["0883"]).sum() + 1
    assert group.members.loc[group.members["is_focus"], "municipality_id"].tolist() == ["0883"]


def test_school_areas_use_the_school_peer_group(svc):
    group = svc.comparison("N15419", VASTERVIK, 2022, "liknande", area="grundskola")
    assert group.label == "Liknande kommuner grundskola, Västervik, 2024"
    # a KPI of every area (N00090) takes the page's area's group, not its first area's
    for area, label in (("grundskola", "grundskola"), ("hemtjanst", "äldreomsorg")):
        group = svc.comparison("N00090", VASTERVIK, 2022, "liknande", area=area)
        assert group.label == f"Liknande kommuner {label}, Västervik, 2024"


def test_county_and_own_list(svc, store):
    county = svc.comparison("U21468", VASTERVIK, 2022, "lan", area="hemtjanst")
    assert county.label == "Kalmar läns kommuner"
    kalmar = store.municipalities[
        store.municipalities["id"].str.startswith("08") & (store.municipalities["type"] == "K")
    ]
    assert set(county.members["municipality_id"]) == set(kalmar["id"])
    own = svc.comparison(
        "U21468", VASTERVIK, 2022, ["0180", "9999", "0883", "1480"], area="hemtjanst"
    )
    assert own.members["municipality_id"].tolist() == ["0883", "0180", "1480"]  # unknown dropped


def test_trend_series_and_gender_split(svc, store):
    trend = svc.trend("U21468", VASTERVIK, 2022, area="hemtjanst")
    mine = raw(store, "U21468", municipality=VASTERVIK).set_index("year")["value"]
    assert trend["year"].tolist() == list(range(2013, 2023))  # the last 10 years, every one
    assert trend.set_index("year")["value"].dropna().to_dict() == {
        y: v for y, v in mine.items() if y > 2012
    }  # and 2021, which has no value, stays empty
    assert trend["riket"].iloc[-1] == 86.0
    assert trend.set_index("year").loc[2022, "change"] == -4.0
    genders = svc.gender_split("U21468", VASTERVIK, 2022).set_index(["municipality_id", "gender"])
    assert genders.loc[("0883", "K"), "value"] == 89.0 and genders.loc[("0883", "M"), "value"] == 88


# --- level 1 -----------------------------------------------------------------------------


def test_overview_measure_colours_come_from_the_measure_ranking(svc, store, config):
    summary = svc.area_summary("hemtjanst", VASTERVIK, 2022)
    rows = summary.measures.set_index("measure")
    # helhetssyn has one KPI: the tile equals the KPI's own colour (rule of the issue)
    kpi_colour = svc.kpi_summary("U21468", VASTERVIK, 2022, area="hemtjanst").colour
    assert rows.loc["helhetssyn", "colour"] == kpi_colour
    assert (
        rows.loc["kostnad", "colour"] == "neutral" and rows.loc["arbetsmiljo", "kind"] == "context"
    )
    # the KPI colour counts add up to the measure's KPIs
    for measure in config.area("hemtjanst").measures:
        counts = rows.loc[
            measure.id, [f"kpis_{c}" for c in ("green", "yellow", "red", "grey", "neutral")]
        ]
        assert counts.sum() == len(measure.kpis)
    assert summary.verdict == verdict(summary.measures)


def test_overview_of_every_area_is_fast_enough_to_call_per_request(svc):
    areas = svc.overview(VASTERVIK, 2022)
    assert [a.area for a in areas] == [a.id for a in svc.config.areas]


BEST, WORST = "bland de 25 % bästa", "bland de 25 % sämsta"


@pytest.mark.parametrize(
    ("colours", "expected"),
    [
        (["green"] * 4 + ["yellow"] * 2 + ["red"], f"4 av 7 mått {BEST}, 1 {WORST}."),
        (["yellow", "red", "grey"], f"Inget av 3 mått {BEST}, 1 {WORST} (1 saknar uppgift)."),
        (["green", "yellow"], f"1 av 2 mått {BEST}, inget {WORST}."),
        (["grey", "grey"], "Uppgifter saknas för alla 2 mått."),
    ],
)
def test_verdict_sentence(colours, expected):
    frame = pd.DataFrame(
        {
            "kind": ["quality"] * len(colours) + ["context"],
            "colour": [*colours, "neutral"],
            "label": [f"M{i}" for i in range(len(colours) + 1)],
            "rank": np.nan,
            "n": 0,
        }
    )
    assert verdict(frame) == expected  # nothing ranked: nothing named


def test_verdict_names_the_strongest_and_weakest_by_share_of_those_ahead():
    frame = pd.DataFrame(
        {
            "kind": ["quality"] * 4 + ["context"],
            "colour": ["yellow", "green", "red", "grey", "neutral"],
            "label": ["Bemötande", "Kontakt", "Tid", "Mat", "Kostnad"],
            "rank": [100, 59, 120, np.nan, np.nan],
            "n": [286, 286, 150, 0, 0],  # 120 of 150 is weaker than 100 of 286
        }
    )
    assert verdict(frame) == (
        f"1 av 4 mått {BEST}, 1 {WORST} (1 saknar uppgift). Starkast: Kontakt, plats 59 av "
        "286. Svagast: Tid, plats 120 av 150."
    )
    one = frame.assign(rank=[np.nan, 7, np.nan, np.nan, np.nan])
    assert verdict(one).endswith("Enda rangordnade mått: Kontakt, plats 7 av 286.")


# --- level 2:3 --------------------------------------------------------------------------


def test_unit_table_ranks_units_among_all_units_of_their_type(svc, store):
    table = svc.unit_table("hemtjanst", VASTERVIK, 2024)
    ous = store.ous
    mine = ous[(ous["municipality_id"] == VASTERVIK) & ous["id"].str.startswith("V21")]
    assert set(table["ou_id"]) == set(mine["id"])  # every unit, with or without data
    row = table[(table["kpi"] == "N21496") & (table["ou_id"] == "V21E12394")].iloc[0]
    ov = store.ou_values
    national = ov[
        (ov["kpi"] == "N21496") & (ov["year"] == 2024) & ov["ou_id"].str.startswith("V21")
    ]
    assert row["n"] == national["value"].notna().sum() == 2344
    assert row["rank"] == (national["value"] > row["value"]).sum() + 1
    silent = table[(table["ou_id"] == "V21E11445")]  # Ängalund: no values in the source
    assert (silent["colour"] == "grey").all() and not silent["has_any_value"].any()


def test_unit_trend_and_unit_lookup(svc):
    assert svc.unit("V21E12394")["area"] == "hemtjanst"
    trend = svc.unit_trend("V15E088302801", "N15031")
    assert trend["year"].is_monotonic_increasing and len(trend) >= 3


# --- flags --------------------------------------------------------------------------------


def test_discontinued_and_near_cut_flags_on_real_data(svc):
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi")
    assert flags.DISCONTINUED in rows.loc["U21401", "flags"]  # title "... (- 2024)"
    s = svc.kpi_summary("U21475", VASTERVIK, 2022, area="hemtjanst")
    dist = svc.distribution("U21475", 2022, area="hemtjanst")["value"]
    margin = 0.02 * (dist.max() - dist.min())
    near = min(abs(s.value - s.green_cut), abs(s.value - s.red_cut)) <= margin
    assert (flags.NEAR_CUT in s.flags) == near


@pytest.mark.slow
def test_preliminary_flag_from_kolada_publication_dates_synthetic(store, config):
    # Synthetic metadata: U21468's 2022 is the next period, preliminary figures are out and
    # the final ones are not (as on 2026-11-23 with these dates).
    kpis = store.kpis.copy()
    i = kpis.index[kpis["id"] == "U21468"]
    kpis.loc[i, ["publ_period", "prel_publication_date", "publication_date"]] = [
        "2022",
        "2026-10-01",
        "2027-03-01",
    ]
    changed = make_store({**store.tables(), "kpis": kpis}, store.meta)
    svc = IndicatorService(changed, config, today=date(2026, 11, 23))
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi")
    assert flags.PRELIMINARY in rows.loc["U21468", "flags"]
    assert flags.PRELIMINARY not in rows.loc["U21504", "flags"]
    assert (
        flags.PRELIMINARY
        not in svc.area_kpis("hemtjanst", VASTERVIK, 2020).set_index("kpi").loc["U21468", "flags"]
    )


@pytest.mark.slow
def test_low_response_flag_marks_the_same_survey_synthetic(store, config):
    # Synthetic: Västervik's 2022 hemtjänst respondents (U23592) set to 13, below Kolada's 30.
    values = store.values.copy()
    mine = (values["kpi"] == "U23592") & (values["municipality_id"] == VASTERVIK)
    values.loc[mine & (values["year"] == 2022), "value"] = 13.0
    svc = IndicatorService(make_store({**store.tables(), "values": values}, store.meta), config)
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi")
    assert flags.LOW_RESPONSE in rows.loc["U21468", "flags"]  # Brukarbedömning hemtjänst ...
    assert rows.loc["U21468", "respondents_text"] == "13 svarande"
    assert flags.LOW_RESPONSE not in rows.loc["U21401", "flags"]  # another source
    assert rows.loc["U21401", "respondents_text"] == ""
    other = svc.area_kpis("hemtjanst", "0180", 2022).set_index("kpi")
    assert flags.LOW_RESPONSE not in other.loc["U21468", "flags"]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.area_kpis("hemtjanst", "9999", 2022), "Kommunen '9999' finns inte."),
        (lambda s: s.area_kpis("fritidshem", "0883", 2022), "Området 'fritidshem' finns inte."),
        (
            lambda s: s.kpi_summary("N99999", "0883", 2022, area="hemtjanst"),
            "Nyckeltalet 'N99999' ingår inte",
        ),
        (lambda s: s.unit("V21E0"), "Enheten 'V21E0' finns inte."),
        (lambda s: s.overview("0000", 2022), "Kommunen '0000' finns inte."),  # Riket
    ],
)
def test_unknown_things_raise_a_swedish_error(svc, call, message):
    with pytest.raises(UnknownError, match=message):
        call(svc)


def test_a_year_without_data_gives_grey_rows_not_an_error(svc):
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 1999)
    assert (rows["colour"] == "grey").all() and rows["value"].isna().all()
    summary = svc.area_summary("hemtjanst", VASTERVIK, 1999)
    assert summary.verdict == "Uppgifter saknas för alla 7 mått."


@pytest.mark.parametrize("municipality", ["0180", "2403", VASTERVIK, "9999"])
def test_years_offered_are_the_years_with_a_value_in_the_raw_store(
    store, config, svc, municipality
):
    """Level 1 offers the years in which the municipality has a gender-T value of any
    configured KPI, level 2 those of the area's KPIs; newest first (none for an unknown code)."""
    v = store.values
    mine = v[(v["municipality_id"] == municipality) & (v["gender"] == "T")].dropna(subset=["value"])

    def years(kpis) -> list[int]:
        return sorted(set(mine.loc[mine["kpi"].isin(list(kpis)), "year"].tolist()), reverse=True)

    assert svc.overview_years(municipality) == years(k for a in config.areas for k in a.kpi_ids())
    for area in config.areas:
        assert svc.area_years(area.id, municipality) == years(area.kpi_ids()), area.id
    if municipality != "9999":
        assert svc.overview_years(municipality)  # not vacuous
