"""The bundled snapshot holds real Kolada data. Expected values below were read by hand from
the source files named in each test (../shared/kolada-real, see data/snapshot/meta.json)."""

from __future__ import annotations

import math

import pytest

from kvalitetsvisaren.config.loader import load_config


@pytest.fixture(scope="module")
def snapshot(snapshot_store):
    return snapshot_store


def value(store, kpi, municipality, year, gender="T"):
    v = store.values
    row = v[
        (v["kpi"] == kpi)
        & (v["municipality_id"] == municipality)
        & (v["year"] == year)
        & (v["gender"] == gender)
    ]
    assert len(row) == 1, (kpi, municipality, year, gender)
    return row["value"].iloc[0]


def test_municipalities_are_the_312_of_kolada(snapshot):
    m = snapshot.municipalities
    assert len(m) == 312
    assert (m["type"] == "K").sum() == 290
    assert m.set_index("id").loc["0000", "title"] == "Riket"
    assert m.set_index("id").loc["0883", "title"] == "Västervik"


def test_u21468_helhetssyn_2022_real_values(snapshot):
    # open-numbers datapoints_total/ddf--datapoints--u21468--by--geo--year.csv and
    # datapoints_by_gender/...u21468...: 0883 2022 = 88 (K 89, M 88), Riket 86, Stockholm 83.
    assert value(snapshot, "U21468", "0883", 2022) == 88.0
    assert value(snapshot, "U21468", "0883", 2022, "K") == 89.0
    assert value(snapshot, "U21468", "0883", 2022, "M") == 88.0
    assert value(snapshot, "U21468", "0000", 2022) == 86.0
    assert value(snapshot, "U21468", "0180", 2022) == 83.0
    v = snapshot.values
    kommuner_2022 = v[
        (v["kpi"] == "U21468")
        & (v["year"] == 2022)
        & (v["gender"] == "T")
        & v["value"].notna()
        & (v["municipality_id"] != "0000")
    ]
    # counted in the csv: 291 rows for 2022; 1381, 2303, 2403 and 2422 have an empty value
    assert len(kommuner_2022) == 286


def test_null_values_are_kept_not_zero(snapshot):
    # The csv has an empty cell for Riket U21468 2012: Kolada sent the row without a value.
    assert math.isnan(value(snapshot, "U21468", "0000", 2012))


def test_liknande_kommuner_groups_for_vastervik(snapshot):
    # rKolada v3 munic_g.json: G176747 "Liknande kommuner äldreomsorg, Västervik, 2024".
    groups = snapshot.municipality_groups.set_index("id")
    assert groups.loc["G176747", "title"] == "Liknande kommuner äldreomsorg, Västervik, 2024"
    assert groups.loc["G176747", "members"] == [
        "0482",
        "1278",
        "1421",
        "2121",
        "2161",
        "2182",
        "2523",
    ]
    liknande = groups["title"].str.startswith("Liknande kommuner")
    assert liknande.sum() >= 290 * 10  # one per municipality and area


def test_vastervik_hemtjanst_units_and_their_values(snapshot):
    # jonathanothen ous.json: 18 V21 units in 0883; oudata-cache.json N21496 2024: 16 of them.
    ous = snapshot.ous
    units = ous[(ous["municipality_id"] == "0883") & ous["id"].str.startswith("V21")]
    assert len(units) == 18
    assert "Gunnebo Hemtjänst" in set(units["title"])
    ov = snapshot.ou_values
    n21496 = ov[(ov["kpi"] == "N21496") & (ov["year"] == 2024) & ov["ou_id"].isin(units["id"])]
    assert len(n21496) == 16
    assert n21496.set_index("ou_id").loc["V21E12394", "value"] == pytest.approx(88.88888889)


def test_units_cover_the_configured_areas_and_all_ou_values_have_a_unit(snapshot, config_path):
    prefixes = {a.ou_prefix for a in load_config(config_path).areas}
    assert set(snapshot.ous["id"].str[:3]) == prefixes
    assert snapshot.ou_values["ou_id"].isin(snapshot.ous["id"]).all()
    keys = ["kpi", "ou_id", "year", "gender"]
    assert not snapshot.ou_values.duplicated(keys).any()
    assert not snapshot.values.duplicated(["kpi", "municipality_id", "year", "gender"]).any()


def test_every_configured_kpi_has_metadata_and_meta_names_what_is_missing(snapshot, config_path):
    configured = set(load_config(config_path).kpi_ids())
    assert set(snapshot.kpis["id"]) == configured
    coverage = snapshot.meta["coverage"]
    with_values = set(snapshot.values["kpi"])
    # meta.json tells exactly which configured KPIs have no national values in the snapshot
    assert set(coverage["kpis_without_national_values"]) == configured - with_values
    assert snapshot.meta["parts"]["values"]["vintage"] == "2024-08-30"
    assert snapshot.meta["source"] == "snapshot"
