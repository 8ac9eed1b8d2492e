"""Förskola (V11) and gymnasieskola (V17), added by config/indicators.yaml alone: the real
config, the bundled snapshot, the service and the pages. Expected ranks and colours are
recomputed here from the snapshot's raw tables with plain pandas and Fractions, never taken
from the ranking module (the rule: docs of kvalitetsvisaren/analysis/ranking.py)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.testing.dash_session import ClientSession, texts

VASTERVIK = "0883"
ERRORS = ("Sidan kunde inte visas", "Ett fel uppstod", "finns inte", "Traceback")


@pytest.fixture(scope="module")
def config(config_path):
    return load_config(config_path)


@pytest.fixture(scope="module")
def store(snapshot_store):
    return snapshot_store


@pytest.fixture(scope="module")
def svc(dated_service):
    return dated_service


def kommun_values(store, kpi: str, year: int) -> pd.Series:
    """Gender-T values of the 290 type-K municipalities that have one: municipality -> value."""
    m = store.municipalities
    kommuner = set(m.loc[m["type"] == "K", "id"])
    assert len(kommuner) == 290
    v = store.values
    t = v[(v["kpi"] == kpi) & (v["year"] == year) & (v["gender"] == "T")]
    t = t[t["municipality_id"].isin(kommuner) & t["value"].notna()]
    return t.set_index("municipality_id")["value"]


def place(values: pd.Series, mine: Any, higher_is_better: bool) -> dict[str, Any]:
    """Rank and quartile colour of `mine` among `values`, counted one by one."""
    better = sum(1 for w in values if (w > mine if higher_is_better else w < mine))
    worse = sum(1 for w in values if (w < mine if higher_is_better else w > mine))
    n = len(values)
    green, red = 4 * (better + 1) <= n, 4 * (worse + 1) <= n
    colour = "green" if green and not red else "red" if red and not green else "yellow"
    return {"n": n, "rank": better + 1, "better": better, "worse": worse, "colour": colour}


def scores(values: pd.Series, higher_is_better: bool) -> dict[str, Fraction]:
    """Each municipality's exact score (worse + ties/2) / (n - 1): 1 = best."""
    n = len(values)
    out = {}
    for municipality, mine in values.items():
        p = place(values, mine, higher_is_better)
        ties = n - p["better"] - p["worse"] - 1
        out[municipality] = Fraction(2 * p["worse"] + ties, 2 * (n - 1))
    return out


# --- (a) the configuration ----------------------------------------------------------------


def test_both_areas_load_with_their_ou_prefix_in_school_path_order(config):
    forskola, gymnasieskola = config.area("forskola"), config.area("gymnasieskola")
    assert (forskola.label, forskola.ou_prefix, forskola.unit_noun) == (
        "Förskola",
        "V11",
        "förskola",
    )
    assert (gymnasieskola.label, gymnasieskola.ou_prefix, gymnasieskola.unit_noun) == (
        "Gymnasieskola",
        "V17",
        "gymnasieskola",
    )
    assert (forskola.peer_group_area, gymnasieskola.peer_group_area) == (
        "förskola",
        "gymnasieskola",
    )
    ids = [a.id for a in config.areas]
    assert ids.index("forskola") + 1 == ids.index("grundskola") == ids.index("gymnasieskola") - 1
    hib = config.higher_is_better()
    # fewer children per adult, per group or per licensed teacher is better
    assert [hib[k] for k in ("N11102", "N11010", "N11701", "N11811")] == [False] * 4
    assert hib["N11041"] is True and hib["N17467"] is True and hib["N17691"] is True
    assert hib["N11008"] is None and hib["N17007"] is None  # costs: context
    for area in (forskola, gymnasieskola):
        kinds = {m.id: m.kind for m in area.measures}
        assert {"arbetsmiljo", "kostnad"} <= {m for m, k in kinds.items() if k == "context"}
        assert "N00090" in area.measure("arbetsmiljo").kpis  # shared, defined once
    assert config.kpi_ids().count("N00090") == 1


def test_the_snapshot_holds_the_new_areas_units_and_values(store, config):
    ous, ov = store.ous, store.ou_values
    assert {"V11", "V17"} <= set(store.meta["ou_prefixes"]) == set(ous["id"].str[:3])
    assert set(config.kpi_ids()) == set(store.kpis["id"])
    # jonathanothen ous.json: 28 förskolor and 5 gymnasieskolor in Västervik
    mine = ous[ous["municipality_id"] == VASTERVIK]
    assert (mine["id"].str[:3] == "V11").sum() == 28
    assert (mine["id"].str[:3] == "V17").sum() == 5
    with_values = set(ov.loc[ov["ou_id"].str[:3] == "V11", "kpi"])
    assert with_values == {"N11041", "N11102", "N11010", "N11701", "N11811"}
    assert set(ov.loc[ov["ou_id"].str[:3] == "V17", "kpi"]) == {"N17448", "N17691", "N17692"}
    # unit-only KPIs have no national values in the 2024 dump; meta.json says so
    assert {"N17448", "N17692"} <= set(store.meta["coverage"]["kpis_without_national_values"])


# --- (b) levels 1 and 2 for Västervik 2022 --------------------------------------------------


@pytest.mark.parametrize(
    ("area", "kpi"),
    [
        ("forskola", "N11041"),
        ("forskola", "N11811"),
        ("forskola", "N11701"),
        ("forskola", "N11102"),
        ("forskola", "N11010"),
        ("gymnasieskola", "N17467"),
        ("gymnasieskola", "N17461"),
        ("gymnasieskola", "N17451"),
        ("gymnasieskola", "N17691"),
    ],
)
def test_area_kpis_rank_and_colour_among_all_kommuner(svc, store, config, area, kpi):
    values = kommun_values(store, kpi, 2022)
    mine = values[VASTERVIK]
    want = place(values, mine, config.kpi(kpi).higher_is_better)
    row = svc.area_kpis(area, VASTERVIK, 2022).set_index("kpi").loc[kpi]
    assert row["value"] == mine
    assert (row["n"], row["rank"], row["colour"]) == (want["n"], want["rank"], want["colour"])
    assert row["rank_text"] == f"plats {want['rank']} av {want['n']}"


def test_vastervik_forskola_2022_by_hand(svc, store):
    # N11701 barn per barngrupp (fewer is better): Västervik 13.9; 54 of 290 kommuner have
    # smaller groups -> rank 55, 4·55 = 220 <= 290 green; 234 larger -> 4·235 > 290 not red.
    values = kommun_values(store, "N11701", 2022)
    assert values[VASTERVIK] == 13.9
    assert (len(values), (values < 13.9).sum(), (values > 13.9).sum()) == (290, 54, 234)
    rows = svc.area_kpis("forskola", VASTERVIK, 2022).set_index("kpi")
    assert (rows.loc["N11701", "rank"], rows.loc["N11701", "colour"]) == (55, "green")
    # N11041 förskollärarexamen 42 %: 148 higher, 131 lower of 289 -> yellow
    assert rows.loc["N11041", "value"] == 42.0 and rows.loc["N11041", "colour"] == "yellow"
    assert rows.loc["N11008", "colour"] == "neutral"  # cost: context, never coloured
    assert rows.loc["U11200", "colour"] == "grey"  # Västervik is not in the HME survey
    assert list(rows.index) == list(svc.config.area("forskola").kpi_ids())


def test_area_summary_measure_colours(svc, store, config):
    summary = svc.area_summary("forskola", VASTERVIK, 2022)
    assert summary.label == "Förskola"
    measures = summary.measures.set_index("measure")
    # a one-KPI measure takes its KPI's place
    assert measures.loc["barngrupper", "colour"] == "green"
    assert measures.loc["barngrupper", "rank"] == 55
    # two-KPI measures: the mean of exact scores over the KPIs with a value (at least 1 of 2),
    # ranked again among all kommuner that have a mean
    for measure_id in ("utbildning", "personaltathet"):
        kpis = config.area("forskola").measure(measure_id).kpis
        per_kpi = [
            scores(kommun_values(store, k, 2022), config.kpi(k).higher_is_better) for k in kpis
        ]
        everyone = set().union(*per_kpi)
        means = pd.Series(
            {
                m: sum(s[m] for s in per_kpi if m in s) / sum(m in s for s in per_kpi)
                for m in everyone
            }
        )
        want = place(means, means[VASTERVIK], True)
        got = measures.loc[measure_id]
        assert (got["n"], got["rank"], got["colour"]) == (want["n"], want["rank"], want["colour"])
    assert measures.loc["kostnad", "colour"] == "neutral"
    assert (
        measures.loc["kostnad", "headline_value"] == kommun_values(store, "N11008", 2022)[VASTERVIK]
    )
    greens = int((measures["colour"] == "green").sum())
    reds = int((measures["colour"] == "red").sum())
    assert summary.verdict.startswith(f"{greens} av 3 mått" if greens else "Inget av 3 mått")
    assert ("inget bland de 25 % sämsta" in summary.verdict) == (reds == 0)


def test_gymnasieskola_summary_for_vastervik_2022(svc, store):
    measures = svc.area_summary("gymnasieskola", VASTERVIK, 2022).measures.set_index("measure")
    # betyg: N17692 (lägeskommun) has unit values only, so the measure is N17691 alone:
    # Västervik 15.55 points, 16 of 200 kommuner higher -> rank 17, 4·17 <= 200 green
    values = kommun_values(store, "N17691", 2022)
    assert (len(values), (values > values[VASTERVIK]).sum()) == (200, 16)
    assert (measures.loc["betyg", "rank"], measures.loc["betyg", "colour"]) == (17, "green")
    assert measures.loc["betyg", "headline_kpi"] == "N17691"
    # the elevenkät of 2022 did not include Västervik (94 kommuner did): grey, not an error
    assert VASTERVIK not in kommun_values(store, "N17673", 2022).index
    assert measures.loc["trygghet", "colour"] == "grey"
    assert svc.headline_kpi("gymnasieskola") == "N17467"
    group = svc.comparison("N17467", VASTERVIK, 2022, area="gymnasieskola")
    assert group.label == "Liknande kommuner gymnasieskola, Västervik, 2024"
    assert len(group.members) == 8
    assert svc.comparison("N11701", VASTERVIK, 2022, area="forskola").label == (
        "Liknande kommuner förskola, Västervik, 2024"
    )


# --- (c) level 2:3: the units ---------------------------------------------------------------


def test_forskola_unit_table_lists_vastervik_units_with_values(svc, store, config):
    ous, ov = store.ous, store.ou_values
    units = ous[(ous["municipality_id"] == VASTERVIK) & ous["id"].str.startswith("V11")]
    table = svc.unit_table("forskola", VASTERVIK, 2023)
    assert set(table["ou_id"]) == set(units["id"]) and len(units) == 28
    assert "FÖRSKOLAN EKBACKEN" in set(table["title"])
    assert svc.unit_kpis("forskola") == ["N11041", "N11811", "N11701", "N11102", "N11010"]
    assert svc.unit_years("forskola") == [2024, 2023, 2022, 2021]
    assert len(table) == 28 * 5  # every unit for each KPI, also those without a value
    # values are the snapshot's, unit by unit
    t = ov[(ov["year"] == 2023) & (ov["gender"] == "T") & ov["ou_id"].isin(units["id"])]
    want = t.set_index(["kpi", "ou_id"])["value"]
    got = table.dropna(subset=["value"]).set_index(["kpi", "ou_id"])["value"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    assert (table.dropna(subset=["value"])["colour"] != "grey").all()
    # one unit's colour among all förskolor in the country (fewer children per group is better)
    everywhere = ov[
        (ov["kpi"] == "N11701") & (ov["year"] == 2023) & ov["ou_id"].str.startswith("V11")
    ]
    everywhere = everywhere.set_index("ou_id")["value"]
    row = table[(table["kpi"] == "N11701") & table["value"].notna()].iloc[0]
    want_place = place(everywhere, row["value"], False)
    assert (row["n"], row["rank"], row["colour"]) == (
        want_place["n"],
        want_place["rank"],
        want_place["colour"],
    )
    assert math.isnan(row["municipality_value"])  # no kommun values after 2022 in the dump


def test_gymnasieskola_units_have_the_unit_level_kpis(svc, store):
    table = svc.unit_table("gymnasieskola", VASTERVIK, 2024)
    ous = store.ous
    units = ous[(ous["municipality_id"] == VASTERVIK) & ous["id"].str.startswith("V17")]
    assert set(table["ou_id"]) == set(units["id"])
    assert "Västerviks gymnasium Rektorsområde 1" in set(table["title"])
    # N17467 is flagged has_ou_data in v3, but the 2025-11 OU cache has no values for it
    assert svc.unit_kpis("gymnasieskola") == ["N17448", "N17691", "N17692"]
    assert table["value"].notna().sum() > 0


# --- (d) the pages over HTTP ----------------------------------------------------------------


def shown(dash_app, target: str) -> str:
    view = ClientSession(dash_app.server.test_client()).view(target)
    assert view.ok, [(h.kind, h.status, h.target) for h in view.hits]
    assert view.content is not None and view.callbacks, target
    # a callback answers {component id: {property: value}}: the new children are the values
    answers = [
        value
        for response in view.callbacks.values()
        for props in (response or {}).values()
        for value in props.values()
    ]
    text = texts(view.content) + " " + texts(answers)
    for error in ERRORS:
        assert error not in text, (target, error)
    return text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "/omrade/forskola?kommun=0883&ar=2022",
            ["Förskola i Västervik 2022", "Barngruppernas storlek", "Barn per barngrupp"],
        ),
        (
            "/omrade/gymnasieskola?kommun=0883&ar=2022",
            ["Gymnasieskola i Västervik 2022", "Examen inom 4 år", "Betygspoäng, kommunala skolor"],
        ),
        (
            "/enheter/forskola?kommun=0883&ar=2023",
            ["Enheter inom förskola i Västervik 2023", "FÖRSKOLAN EKBACKEN", "Barn per barngrupp"],
        ),
        (
            "/enheter/gymnasieskola?kommun=0883&ar=2024",
            ["Enheter inom gymnasieskola i Västervik 2024", "Västerviks gymnasium Rektorsområde 1"],
        ),
    ],
)
def test_pages_render(dash_app, target, expected):
    text = shown(dash_app, target)
    for phrase in expected:
        assert phrase in text, (target, phrase)


def test_units_page_without_a_year_opens_on_the_latest_unit_year(dash_app):
    text = shown(dash_app, "/enheter/forskola")
    assert "Enheter inom förskola i Västervik 2024" in text
    assert "FÖRSKOLAN EKBACKEN" in text


def test_overview_shows_five_areas(dash_app):
    text = shown(dash_app, "/oversikt?kommun=0883&ar=2022")
    for label in ("Hemtjänst", "Särskilt boende", "Förskola", "Grundskola", "Gymnasieskola"):
        assert label in text
