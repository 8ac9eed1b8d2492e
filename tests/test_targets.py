"""The municipality's targets and comments (kvalitetsvisaren/local/targets.py).

Targets are local data written by the municipality, so every target value and comment here is
synthetic ("_synthetic" tests); the KPI, municipality and unit ids are real (config/indicators.yaml
and the bundled snapshot). Each file variant is written to tmp_path and read back."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import load_store
from kvalitetsvisaren.local.targets import (
    STATUS_TEXT,
    TARGET_COLUMNS,
    TARGETS_FILE,
    TargetsError,
    for_municipality,
    lookup,
    target_status,
    target_statuses,
)
from kvalitetsvisaren.local.targets_file import load_targets
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG

OWN_MEASURE = "nojd-familjeenhet"  # an own (local) measure id


@pytest.fixture(scope="module")
def known() -> dict:
    """What load_targets validates against: real KPI ids, municipalities (type K) and units."""
    cfg = load_config(DEFAULT_CONFIG)
    store = load_store(BUNDLED_SNAPSHOT)
    municipalities = store.municipalities
    kommuner = municipalities.loc[municipalities["type"] == "K", "id"]
    return {
        "known_ids": {*cfg.kpi_ids(), OWN_MEASURE},
        "municipalities": set(kommuner),
        "ous": dict(zip(store.ous["id"], store.ous["municipality_id"], strict=True)),
    }


@pytest.fixture(scope="module")
def unit_0883() -> str:
    ous = load_store(BUNDLED_SNAPSHOT).ous
    return str(ous.loc[ous["municipality_id"] == "0883", "id"].iloc[0])


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / TARGETS_FILE
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str | bytes, known: dict) -> pd.DataFrame:
    return load_targets(write(tmp_path, text), **known)


def problems(tmp_path: Path, text: str | bytes, known: dict) -> list[tuple[int | None, str]]:
    with pytest.raises(TargetsError) as info:
        load(tmp_path, text, known)
    return info.value.problems


ENTRY = '- kommun: "0883"\n  nyckeltal: U21468\n  ar: 2022\n  mal: 90\n'  # 4 lines


# --- good files ----------------------------------------------------------------------------


def test_good_file_with_comments_decimal_comma_and_unit_synthetic(tmp_path, known, unit_0883):
    text = f"""\
# Mål och analys för Kvalitetsvisaren.
- kommun: "0883"   # Västervik
  nyckeltal: U21468
  ar: 2022
  mal: 90
  analys: >-
    Nöjdheten sjönk efter
    omorganisationen.

- kommun: "0883"
  nyckeltal: U21468
  ar: 2023
  mal: "90,5"
- kommun: "0883"
  nyckeltal: U21468
  ar: 2022
  enhet: {unit_0883}
  mal: 92,5
- {{kommun: "1280", nyckeltal: {OWN_MEASURE}, ar: 2024, analys: Ny enkät i höst.}}
- kommun: "0883"
  nyckeltal: N00090
  ar: 2021
  mal: "1 250,75"
"""
    frame = load(tmp_path, text, known)
    assert list(frame.columns) == list(TARGET_COLUMNS)
    assert frame["municipality_id"].tolist() == ["0883", "0883", "0883", "1280", "0883"]
    assert frame["kpi"].tolist() == ["U21468", "U21468", "U21468", OWN_MEASURE, "N00090"]
    assert frame["year"].tolist() == [2022, 2023, 2022, 2024, 2021]
    assert frame["target"].tolist()[:3] == [90.0, 90.5, 92.5]
    assert math.isnan(frame["target"].iloc[3])
    assert frame["target"].iloc[4] == 1250.75
    assert frame["comment"].tolist() == [
        "Nöjdheten sjönk efter omorganisationen.",
        "",
        "",
        "Ny enkät i höst.",
        "",
    ]
    assert frame["ou_id"].isna().tolist() == [True, True, False, True, True]
    assert frame["ou_id"].iloc[2] == unit_0883
    assert frame["line"].tolist() == [2, 10, 14, 19, 20]
    assert frame["year"].dtype == "int64"
    assert frame["target"].dtype == "float64"
    assert frame["line"].dtype == "int64"


def test_missing_file_is_no_targets_synthetic(tmp_path, known):
    frame = load_targets(tmp_path / "finns-inte" / TARGETS_FILE, **known)
    assert frame.empty
    assert list(frame.columns) == list(TARGET_COLUMNS)


@pytest.mark.parametrize("text", ["", "\n\n", "# Bara kommentarer\n# här\n", "[]\n", "\ufeff"])
def test_empty_or_comment_only_file_is_no_targets_synthetic(tmp_path, known, text):
    frame = load(tmp_path, text, known)
    assert frame.empty
    assert list(frame.columns) == list(TARGET_COLUMNS)
    assert frame.dtypes.to_dict() == load(tmp_path, ENTRY, known).dtypes.to_dict()


def test_utf8_with_bom_is_read_synthetic(tmp_path, known):
    frame = load(tmp_path, "\ufeff" + ENTRY.replace("mal: 90", "analys: Åtgärder"), known)
    assert frame["comment"].tolist() == ["Åtgärder"]
    assert frame["line"].tolist() == [1]


@pytest.mark.parametrize("year", [1990, 2100, '"2022"'])
def test_year_range_boundaries_are_accepted_synthetic(tmp_path, known, year):
    frame = load(tmp_path, ENTRY.replace("ar: 2022", f"ar: {year}"), known)
    assert len(frame) == 1


def test_analys_of_exactly_1000_characters_is_accepted_synthetic(tmp_path, known):
    frame = load(tmp_path, ENTRY + f"  analys: {'å' * 1000}\n", known)
    assert len(frame["comment"].iloc[0]) == 1000


def test_same_kpi_and_year_for_municipality_and_unit_is_not_a_duplicate_synthetic(
    tmp_path, known, unit_0883
):
    frame = load(tmp_path, ENTRY + ENTRY + f"  enhet: {unit_0883}\n", known)
    assert len(frame) == 2


def test_merge_keys_repeat_an_entry_with_own_keys_winning_synthetic(tmp_path, known):
    text = ENTRY.replace("- kommun", "- &bas\n  kommun") + "- <<: *bas\n  ar: 2023\n"
    frame = load(tmp_path, text, known)
    assert frame["year"].tolist() == [2022, 2023]
    assert frame["target"].tolist() == [90.0, 90.0]
    assert frame["line"].tolist() == [1, 6]


# --- bad files: each problem on its line ---------------------------------------------------

BAD_FIELD = [
    # (replace in ENTRY, by, line, fragments of the message)
    ("mal: 90", 'mal: "nittio"', 4, ["mal", "nittio"]),
    ("mal: 90", "mal: nittio", 4, ["mal", "nittio"]),
    ("mal: 90", "mal: .nan", 4, ["mal", ".nan"]),
    ("mal: 90", "mal: true", 4, ["mal", "true"]),
    ("mal: 90", "mal: [90]", 4, ["mal"]),
    ("U21468", "U99999", 2, ["nyckeltal", "U99999"]),
    ("U21468", "u21468", 2, ["nyckeltal", "u21468", "U21468"]),
    ('"0883"', '"9999"', 1, ["kommun", "9999"]),
    ('"0883"', '"0000"', 1, ["kommun", "0000"]),  # Riket: type L, not a kommun
    ('"0883"', '"883"', 1, ["kommun", "883"]),
    ('"0883"', "883", 1, ["kommun", "883", '"0883"', "citattecken"]),
    ('"0883"', "0127", 1, ["kommun", "0127", '"0127"', "citattecken"]),  # YAML: octal 87
    ('"0883"', "1280", 1, ["kommun", "1280", '"1280"', "citattecken"]),
    ("ar: 2022", "ar: 1989", 3, ["ar", "1989", "1990"]),
    ("ar: 2022", "ar: 2101", 3, ["ar", "2101", "2100"]),
    ("ar: 2022", "ar: 2022-01-01", 3, ["ar", "2022-01-01"]),
    ("ar: 2022", "ar: tjugotjugotvå", 3, ["ar", "tjugotjugotvå"]),
    ("  mal: 90\n", "", 1, ["varken mal eller analys"]),
    ("  mal: 90\n", "  mal:\n  analys: ''\n", 1, ["varken mal eller analys"]),
    ("  ar: 2022\n", "", 1, ["ar saknas"]),
    ('- kommun: "0883"\n  nyckeltal', "- nyckeltal", 1, ["kommun saknas"]),
    ("  mal: 90\n", "  mal: 90\n  kommentar: x\n", 5, ["kommentar", "kommun, nyckeltal, ar"]),
    ("ar: 2022", "år: 2022", 3, ["år", '"ar"']),
    ("  mal: 90\n", "  mal: 90\n  mal: 95\n", 5, ['"mal"', "två gånger"]),
]


@pytest.mark.parametrize(("old", "new", "line", "fragments"), BAD_FIELD)
def test_bad_field_is_reported_on_its_line_synthetic(tmp_path, known, old, new, line, fragments):
    assert old in ENTRY
    text = "# Mål och analys\n\n" + ENTRY.replace(old, new)  # two lines before the entry
    found = [(n, what) for n, what in problems(tmp_path, text, known) if n == line + 2]
    assert found, problems(tmp_path, text, known)
    assert any(all(f in what for f in fragments) for _, what in found), found


def test_int_municipality_is_not_also_reported_missing_synthetic(tmp_path, known):
    found = problems(tmp_path, ENTRY.replace('"0883"', "883"), known)
    assert len(found) == 1


def test_unit_not_in_the_data_synthetic(tmp_path, known):
    found = problems(tmp_path, ENTRY + "  enhet: V21E0883XXXXX\n", known)
    assert found[0][0] == 5
    assert "V21E0883XXXXX" in found[0][1]


def test_unit_of_another_municipality_synthetic(tmp_path, known, unit_0883):
    text = ENTRY.replace('"0883"', '"1280"') + f"  enhet: {unit_0883}\n"
    ((line, what),) = problems(tmp_path, text, known)
    assert line == 1
    assert unit_0883 in what and '"0883"' in what and '"1280"' in what


def test_units_are_not_checked_without_a_unit_list_synthetic(tmp_path, known):
    partial = {k: v for k, v in known.items() if k != "ous"}
    frame = load(tmp_path, ENTRY + "  enhet: V21E0883XXXXX\n", partial)
    assert frame["ou_id"].tolist() == ["V21E0883XXXXX"]


def test_unit_list_may_be_a_plain_collection_synthetic(tmp_path, known, unit_0883):
    plain = {**known, "ous": set(known["ous"])}
    assert len(load(tmp_path, ENTRY + f"  enhet: {unit_0883}\n", plain)) == 1
    assert problems(tmp_path, ENTRY + "  enhet: V21E0883XXXXX\n", plain)[0][0] == 5


def test_analys_too_long_synthetic(tmp_path, known):
    ((line, what),) = problems(tmp_path, ENTRY + f"  analys: {'x' * 1001}\n", known)
    assert line == 5
    assert "1001" in what and "1000" in what


def test_duplicate_entry_names_both_lines_synthetic(tmp_path, known):
    text = ENTRY + "\n" + ENTRY.replace("mal: 90", "analys: Samma igen")  # 2nd entry: line 6
    ((line, what),) = problems(tmp_path, text, known)
    assert line == 6
    assert "rad 1" in what
    assert "0883" in what and "U21468" in what and "2022" in what


def test_duplicate_unit_entry_names_both_lines_synthetic(tmp_path, known, unit_0883):
    unit_entry = ENTRY + f"  enhet: {unit_0883}\n"  # 5 lines
    ((line, what),) = problems(tmp_path, unit_entry + ENTRY + unit_entry, known)
    assert line == 10
    assert "rad 1" in what and unit_0883 in what


def test_duplicate_key_in_a_mapping_names_both_lines_synthetic(tmp_path, known):
    text = ENTRY + '  kommun: "1280"\n'
    found = problems(tmp_path, text, known)
    assert found[0][0] == 5
    assert "kommun" in found[0][1] and "rad 1" in found[0][1]


def test_duplicate_key_in_a_flow_mapping_synthetic(tmp_path, known):
    text = ENTRY + "- {kommun: '0883', nyckeltal: U21468, ar: 2021, ar: 2023, mal: 1}\n"
    found = problems(tmp_path, text, known)
    assert [n for n, _ in found] == [5]
    assert '"ar"' in found[0][1]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (ENTRY + "- kommun: [\n", 6),  # unclosed flow sequence: found at the end
        (ENTRY + '  analys: "öppen\n', 6),  # unclosed quote
        (ENTRY + "  mal: 90: 95\n", 5),  # mapping value inside a value
        (ENTRY + "\tmal: 1\n", 5),  # a tab as indentation
        (ENTRY.replace("  ar: 2022", "   ar: 2022"), 3),  # wrong indentation
        (ENTRY + "- *saknas\n", 5),  # undefined alias
    ],
)
def test_invalid_yaml_names_its_line_synthetic(tmp_path, known, text, line):
    ((found_line, what),) = problems(tmp_path, text, known)
    assert found_line == line
    assert "YAML" in what and "kolumn" in what


def test_not_utf8_names_the_line_synthetic(tmp_path, known):
    text = (ENTRY + "  analys: Nöjdheten sjönk\n").encode("cp1252")
    ((line, what),) = problems(tmp_path, text, known)
    assert line == 5
    assert "UTF-8" in what


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('kommun: "0883"\nnyckeltal: U21468\n', 1, "mappning"),
        ("# rubrik\n\nbara text\n", 3, '"bara text"'),
        ("\n90\n", 2, "90"),
    ],
)
def test_top_level_must_be_a_list_synthetic(tmp_path, known, text, line, fragment):
    ((found_line, what),) = problems(tmp_path, text, known)
    assert found_line == line
    assert "lista" in what and fragment in what


@pytest.mark.parametrize(("item", "fragment"), [("- [1, 2]\n", "lista"), ("-\n", "tomt")])
def test_an_entry_must_be_a_mapping_synthetic(tmp_path, known, item, fragment):
    ((line, what),) = problems(tmp_path, ENTRY + item, known)
    assert line == 5
    assert fragment in what


def test_a_directory_is_an_error_not_missing_synthetic(tmp_path, known):
    (tmp_path / TARGETS_FILE).mkdir()
    with pytest.raises(TargetsError) as info:
        load_targets(tmp_path / TARGETS_FILE, **known)
    assert info.value.problems[0][0] is None


def test_several_problems_are_reported_together_in_line_order_synthetic(tmp_path, known):
    text = """\
# Mål och analys
- kommun: 883
  nyckeltal: U99999
  ar: 2022
  mal: nittio

- kommun: "0883"
  nyckeltal: U21468
  ar: 1800
  kommentar: x
- kommun: "0883"
  nyckeltal: U21468
  ar: 2022
- kommun: "0883"
  nyckeltal: U21468
  ar: 2022
  mal: 1
- kommun: "0883"
  nyckeltal: U21468
  ar: 2022
  analys: x
"""
    path = write(tmp_path, text)
    with pytest.raises(TargetsError) as info:
        load_targets(path, **known)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == str(path)
    lines = [line for line, _ in err.problems]
    assert lines == [2, 3, 5, 7, 9, 10, 11, 18]
    expected = ["883", "U99999", "nittio", "varken", "1800", "kommentar", "varken", "rad 14"]
    for (_, what), fragment in zip(err.problems, expected, strict=True):
        assert fragment in what
    message_lines = str(err).splitlines()
    assert len(message_lines) == len(err.problems)
    for (line, _), message in zip(err.problems, message_lines, strict=True):
        assert message.startswith(f"{path}: rad {line}: ")


@pytest.mark.slow
def test_import_has_no_side_effects() -> None:
    code = "import sys, kvalitetsvisaren.local.targets; assert 'dash' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- target status -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "higher_is_better", "status"),
    [
        (91.0, 90.0, True, "met"),
        (90.0, 90.0, True, "met"),
        (89.9, 90.0, True, "not_met"),
        (4.0, 5.0, False, "met"),
        (5.0, 5.0, False, "met"),
        (5.1, 5.0, False, "not_met"),
        (91.0, 90.0, None, ""),
        (math.nan, 90.0, True, ""),
        (91.0, math.nan, True, ""),
        (None, 90.0, False, ""),
        (pd.NA, 90.0, True, ""),
        (-3.0, -2.0, False, "met"),
        (0.0, 0.0, True, "met"),
    ],
)
def test_target_status_synthetic(value, target, higher_is_better, status):
    assert target_status(value, target, higher_is_better) == status
    assert status in STATUS_TEXT


def test_status_text_has_icon_and_words():
    assert STATUS_TEXT["met"].startswith("✓ ") and "nått" in STATUS_TEXT["met"]
    assert STATUS_TEXT["not_met"].startswith("✗ ") and "inte" in STATUS_TEXT["not_met"]
    assert STATUS_TEXT[""] == ""


def test_target_statuses_on_a_joined_table_synthetic():
    table = pd.DataFrame(
        {
            "value": [91.0, 89.0, 4.0, 6.0, 50.0, np.nan, 70.0],
            "target": [90.0, 90.0, 5.0, 5.0, 40.0, 90.0, np.nan],
            "higher_is_better": [True, True, False, False, None, True, False],
        },
        index=list("abcdefg"),
    )
    status = target_statuses(table["value"], table["target"], table["higher_is_better"])
    assert status.tolist() == ["met", "not_met", "met", "not_met", "", "", ""]
    assert status.index.equals(table.index)
    assert status.dtype == "str"
    assert status.map(STATUS_TEXT).tolist()[:2] == ["✓ Målet nått", "✗ Målet inte nått"]


def test_target_statuses_with_nullable_dtypes_and_one_direction_synthetic():
    values = pd.Series([1.0, None, 3.0], dtype="Float64")
    targets = pd.Series([2, 2, None], dtype="Int64")
    directions = pd.Series([False, True, pd.NA], dtype="boolean")
    assert target_statuses(values, targets, directions).tolist() == ["met", "", ""]
    assert target_statuses(values, targets, True).tolist() == ["not_met", "", ""]
    assert target_statuses(values, targets, None).tolist() == ["", "", ""]


def test_target_statuses_refuses_misaligned_series_synthetic():
    with pytest.raises(ValueError, match="index"):
        target_statuses(pd.Series([1.0]), pd.Series([1.0], index=[5]), True)


def test_target_statuses_of_empty_series_synthetic():
    empty = pd.Series([], dtype="float64")
    assert target_statuses(empty, empty, pd.Series([], dtype=object)).empty


values_strategy = st.one_of(st.none(), st.floats(allow_infinity=True), st.integers(-1000, 1000))
directions_strategy = st.sampled_from([True, False, None, np.True_, np.False_, math.nan])


@given(st.lists(st.tuples(values_strategy, values_strategy, directions_strategy), max_size=30))
def test_vectorised_status_agrees_with_the_scalar_one_synthetic(rows):
    values = pd.Series([r[0] for r in rows], dtype="float64")
    targets = pd.Series([r[1] for r in rows], dtype="float64")
    directions = pd.Series([r[2] for r in rows], dtype=object)
    vectorised = target_statuses(values, targets, directions).tolist()
    assert vectorised == [target_status(v, t, h) for v, t, h in rows]


@given(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9))
def test_met_flips_with_the_direction_except_at_equality_synthetic(value, target):
    higher, lower = target_status(value, target, True), target_status(value, target, False)
    if value == target:
        assert higher == lower == "met"
    else:
        assert {higher, lower} == {"met", "not_met"}


# --- lookups -------------------------------------------------------------------------------


def test_lookup_and_for_municipality_synthetic(tmp_path, known, unit_0883):
    text = (
        ENTRY
        + ENTRY.replace("mal: 90", "analys: Vår analys").replace("2022", "2023")
        + ENTRY.replace("mal: 90", "mal: 95")
        + f"  enhet: {unit_0883}\n"
        + ENTRY.replace('"0883"', '"1280"').replace("mal: 90", "mal: 80")
    )
    targets = load(tmp_path, text, known)
    assert lookup(targets, "0883", "U21468", 2022) == (90.0, "")
    target, comment = lookup(targets, "0883", "U21468", 2023)
    assert math.isnan(target) and comment == "Vår analys"
    assert lookup(targets, "0883", "U21468", 2022, unit_0883) == (95.0, "")
    assert lookup(targets, "1280", "U21468", 2022) == (80.0, "")
    missing = lookup(targets, "0883", "U21468", 2021)
    assert math.isnan(missing[0]) and missing[1] == ""

    own = for_municipality(targets, "0883")
    assert list(own.columns) == ["kpi", "year", "target", "comment"]
    assert own["year"].tolist() == [2022, 2023]
    assert own["target"].tolist()[0] == 90.0
    joined = pd.DataFrame({"kpi": ["U21468", "U21468"], "year": [2021, 2022]}).merge(
        own, on=["kpi", "year"], how="left", validate="one_to_one"
    )
    assert math.isnan(joined["target"].iloc[0]) and joined["target"].iloc[1] == 90.0
    assert for_municipality(targets, "0180").empty


def test_lookup_on_no_targets_synthetic(tmp_path, known):
    targets = load_targets(tmp_path / TARGETS_FILE, **known)
    target, comment = lookup(targets, "0883", "U21468", 2022)
    assert math.isnan(target) and comment == ""
    assert for_municipality(targets, "0883").empty
