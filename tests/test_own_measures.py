"""Own measures (lokala mått): reading, validating, storing an administrator's file.

The config, the municipalities and the units are the real ones (bundled snapshot). The
own-measure values themselves cannot be real data (Kolada does not have them), so every test
that reads such values is marked "_synthetic"; so are those that change the real unit list.
"""

from __future__ import annotations

import base64
import csv as pycsv
import datetime
import io
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import load_store
from kvalitetsvisaren.local.own_measures import (
    load_folder,
    read_own_measures,
    safe_filename,
    save_upload,
    template_csv,
)
from kvalitetsvisaren.local.own_rules import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_FIELDS,
    MAX_LINES,
    MAX_PROBLEMS,
    MAX_REQUEST_BYTES,
    MAX_RESPONDENTS,
    MAX_XLSX_ELEMENTS,
    MAX_XLSX_UNPACKED,
    OWN_COLUMNS,
    REQUIRED_COLUMNS,
    RESULT_COLUMNS,
    YEARS,
    OwnMeasuresError,
    too_large_message,
)

HEADER = "matt_id;namn;omrade;kommun;enhet;ar;varde;hogre_ar_battre;svarande;matt_enhet"
# Real units of the bundled snapshot.
GUNNEBO = "V21E12398"  # Gunnebo Hemtjänst, Västervik (0883)
JOHANNESDAL = "V21E12399"  # Johannesdal hemtjänst, Västervik
STOCKHOLM_UNIT = "V21E0109"  # Rinkeby-Kista Hemtjänst, Stockholm (0180)
VASTERVIK_SCHOOL = "V15E088300107"  # Himalajaskolan, Västervik


@pytest.fixture(scope="module")
def lookups(config_path, snapshot_dir):
    store = load_store(snapshot_dir)
    return {
        "config": load_config(config_path),
        "ous": store.ous,
        "municipalities": store.municipalities,
    }


def read(content: bytes | str, lookups, filename: str = "matt.csv") -> pd.DataFrame:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return read_own_measures(data, filename, **lookups)


def problems(content: bytes | str, lookups, filename: str = "matt.csv") -> list:
    with pytest.raises(OwnMeasuresError) as caught:
        read(content, lookups, filename)
    assert caught.value.filename == filename
    return caught.value.problems


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def lines(found: list) -> list:
    return [line for line, _ in found]


def assert_problem(found: list, line: int | None, *fragments: str) -> None:
    """Some problem on `line` mentions every fragment."""
    on_line = [message for at, message in found if at == line]
    assert any(all(f in message for f in fragments) for message in on_line), (line, found)


# A good row of the own measure "familj-nojd" for Västervik's home care, year by year.
def row(year: int = 2024, **cells: str) -> str:
    values = {
        "matt_id": "familj-nojd",
        "namn": "Nöjd med familjeenhetens stöd",
        "omrade": "hemtjanst",
        "kommun": "0883",
        "enhet": "",
        "ar": str(year),
        "varde": "85,5",
        "hogre_ar_battre": "ja",
        "svarande": "120",
        "matt_enhet": "%",
    }
    values.update(cells)
    return ";".join(values[c] for c in OWN_COLUMNS)


# --- good files ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_module_is_pure():
    """No Dash and nothing read at import: the upload page and the CLI can both use it."""
    code = "import sys, kvalitetsvisaren.local.own_measures; assert 'dash' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_columns_in_documented_order():
    assert OWN_COLUMNS[:2] == ("matt_id", "namn")
    assert set(OWN_COLUMNS) - REQUIRED_COLUMNS == {"enhet", "svarande", "matt_enhet"}
    assert ";".join(OWN_COLUMNS) == HEADER


def test_good_csv_with_semicolons_and_decimal_comma_synthetic(lookups):
    frame = read(
        csv(
            row(2023, varde="85,5"),
            row(2024, varde="1\u00a0234,5", svarande=""),  # non-breaking thousands space
            row(2024, enhet=GUNNEBO, varde="-2,25", svarande="35"),
            row(2024, enhet="  johannesdal   HEMTJÄNST ", varde="1 000"),  # by title
            row(2024, matt_id="vantetid_dagar", namn="Väntetid", hogre_ar_battre="nej")
            .replace(";%", ";dagar")
            .replace("85,5", "12"),
        ),
        lookups,
    )
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == RESULT_COLUMNS
    assert frame["value"].tolist() == [85.5, 1234.5, -2.25, 1000.0, 12.0]
    assert frame["line"].tolist() == [2, 3, 4, 5, 6]
    assert frame["ou_id"].isna().tolist() == [True, True, False, False, True]
    assert frame["ou_id"].iloc[2:4].tolist() == [GUNNEBO, JOHANNESDAL]
    assert frame["respondents"].iloc[:3].tolist() == [120, pd.NA, 35]
    assert frame["higher_is_better"].tolist() == [True] * 4 + [False]
    assert frame["unit"].tolist() == ["%"] * 4 + ["dagar"]
    assert set(frame["municipality_id"]) == {"0883"}
    assert set(frame["source"]) == {"matt.csv"}
    assert frame["year"].tolist() == [2023, 2024, 2024, 2024, 2024]


def test_good_csv_with_commas_synthetic(lookups):
    header = HEADER.replace(";", ",")
    frame = read(
        csv(
            "familj-nojd,Nöjd med stödet,hemtjanst,0883,,2023,85.5,true,120,%",
            'familj-nojd,Nöjd med stödet,hemtjanst,0883,,2024,"86,5",TRUE,,%',
            header=header,
        ),
        lookups,
    )
    assert frame["value"].tolist() == [85.5, 86.5]
    assert frame["higher_is_better"].all()
    assert frame["respondents"].isna().tolist() == [False, True]


def test_bom_crlf_header_case_spaces_and_any_column_order_synthetic(lookups):
    content = (
        "\ufeff VARDE ;Matt_ID;AR;kommun;Omrade;namn;Hogre_ar_battre\r\n"
        "3,5;index-x;2024;0883;hemtjanst;Index X;1\r\n"
    ).encode()
    frame = read(content, lookups)
    assert frame.loc[0, "measure_id"] == "index-x"
    assert frame.loc[0, "value"] == 3.5
    assert frame.loc[0, "unit"] == ""
    assert pd.isna(frame.loc[0, "respondents"])
    assert pd.isna(frame.loc[0, "ou_id"])


def test_good_xlsx_synthetic(lookups):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(OWN_COLUMNS))
    sheet.append(["familj-nojd", "Nöjd", "hemtjanst", "0883", None, 2023, 85.5, "ja", 120, "%"])
    sheet.append(["familj-nojd", "Nöjd", "hemtjanst", "0883", GUNNEBO, 2024, 90, True, None, "%"])
    sheet.append([])  # an empty row is skipped, the line numbers stay the sheet's
    sheet.append(["familj-nojd", "Nöjd", "hemtjanst", "0883", "", 2024, "77,5", "JA", 30, "%"])
    book.create_sheet("Anteckningar").append(["bara första bladet läses"])
    frame = read(xlsx_bytes(book), lookups, "matt.xlsx")
    assert frame["value"].tolist() == [85.5, 90.0, 77.5]
    assert frame["year"].tolist() == [2023, 2024, 2024]
    assert frame["line"].tolist() == [2, 3, 5]
    assert frame["ou_id"].iloc[1] == GUNNEBO
    assert frame["respondents"].tolist() == [120, pd.NA, 30]


def xlsx_bytes(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_blank_lines_are_skipped_and_keep_the_line_numbers_synthetic(lookups):
    content = "\n" + csv(row(2022), "", ";;;;;;;;;", row(2023, varde="x"), "")
    found = problems(content, lookups)
    assert lines(found) == [6]
    assert_problem(found, 6, 'varde "x"', "inte ett tal")


def test_trailing_empty_fields_are_ignored_synthetic(lookups):
    frame = read(csv(row(2024) + ";;", header=HEADER + ";;"), lookups)
    assert len(frame) == 1


def test_template_is_a_valid_file(lookups):
    content = template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    frame = read(content, lookups, "mall.csv")
    assert len(frame) == 2
    assert set(frame["municipality_id"]) == {"0883"}
    assert set(frame["area"]) == {"hemtjanst"}
    assert frame["ou_id"].isna().tolist() == [True, False]
    ous = lookups["ous"].set_index("id")
    unit = frame["ou_id"].iloc[1]
    assert unit.startswith("V21") and ous.loc[unit, "municipality_id"] == "0883"
    assert frame["label"].str.startswith("Exempel").all()


# --- one bad cell, reported on its line ----------------------------------------------------

BAD_CELLS = [
    ("varde", "hög", ['varde "hög"', "inte ett tal"]),
    ("varde", "", ["varde saknas"]),
    ("varde", "nan", ['varde "nan"', "inte ett tal"]),
    ("varde", "inf", ['varde "inf"', "inte ett tal"]),
    ("varde", "1e999", ['varde "1e999"']),
    ("varde", "85 %", ['varde "85 %"', "matt_enhet"]),
    ("varde", "1,234.5", ['varde "1,234.5"']),
    ("enhet", "Ingen sådan enhet", ['enhet "Ingen sådan enhet"', "Hemtjänst", "Västervik (0883)"]),
    ("enhet", STOCKHOLM_UNIT, [f'enhet "{STOCKHOLM_UNIT}"', "Stockholm (0180)", "Västervik"]),
    ("enhet", VASTERVIK_SCHOOL, [f'enhet "{VASTERVIK_SCHOOL}"', "Hemtjänst"]),
    ("omrade", "hemtjänst", ['omrade "hemtjänst"', "hemtjanst, sarskilt-boende"]),
    ("omrade", "", ["omrade saknas"]),
    ("kommun", "9999", ['kommun "9999"', "finns inte"]),
    ("kommun", "883", ['kommun "883"', "4 siffror", '"0883"']),
    ("kommun", "Västervik", ['kommun "Västervik"', '"0883"']),
    ("kommun", "0001", ['kommun "0001"', "ingen kommun", "Region Stockholm"]),
    ("ar", "24", ['ar "24"', "1990–2100"]),
    ("ar", "1989", ['ar "1989"']),
    ("ar", "2101", ['ar "2101"']),
    ("ar", "2024,5", ['ar "2024,5"']),
    ("hogre_ar_battre", "kanske", ['hogre_ar_battre "kanske"', "ja eller nej"]),
    ("hogre_ar_battre", "", ["hogre_ar_battre saknas"]),
    ("svarande", "-3", ['svarande "-3"', "heltal"]),
    ("svarande", "12,5", ['svarande "12,5"', "heltal"]),
    ("svarande", "9" * 20, ['svarande "99999', "orimligt"]),
    ("matt_id", "N21468", ['matt_id "N21468"', "Kolada"]),
    ("matt_id", "u21468", ['matt_id "u21468"', "Kolada"]),
    ("matt_id", "nöjd", ['matt_id "nöjd"', "a–z"]),
    ("matt_id", "Nojd", ['matt_id "Nojd"', "a–z"]),
    ("matt_id", "1-nojd", ['matt_id "1-nojd"', "bokstav"]),
    ("matt_id", "a" * 41, ["matt_id", "40 tecken"]),
    ("matt_id", "trygghet", ['matt_id "trygghet"', "konfigurationen"]),
    ("namn", "", ["namn saknas"]),
]


@pytest.mark.parametrize(("column", "value", "fragments"), BAD_CELLS)
def test_a_bad_cell_is_reported_on_its_line_synthetic(lookups, column, value, fragments):
    found = problems(csv(row(2022), row(2023), row(2024, **{column: value})), lookups)
    assert len(found) == 1, found
    assert_problem(found, 4, *fragments)


def test_bad_cells_in_xlsx_are_reported_on_their_sheet_row_synthetic(lookups):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(OWN_COLUMNS))
    sheet.append(["familj-nojd", "Nöjd", "hemtjanst", 883, None, 2024, 85.5, "ja", None, "%"])
    sheet.append(["familj-nojd", "Nöjd", "hemtjanst", "0883", None, 2023, "hög", "ja", None, "%"])
    found = problems(xlsx_bytes(book), lookups, "matt.xlsx")
    assert_problem(found, 2, 'kommun "883"', "4 siffror")
    assert_problem(found, 3, 'varde "hög"')
    assert len(found) == 2


def test_a_title_of_several_units_asks_for_the_ou_id_synthetic(lookups):
    """The real unit list has no such pair in Västervik: a second "Gunnebo Hemtjänst" is added."""
    twin = {"id": "V21E99999", "municipality_id": "0883", "title": "Gunnebo  hemtjänst"}
    ous = pd.concat([lookups["ous"], pd.DataFrame([twin])], ignore_index=True)
    found = problems(csv(row(2024, enhet="Gunnebo Hemtjänst")), {**lookups, "ous": ous})
    assert_problem(found, 2, 'enhet "Gunnebo Hemtjänst"', GUNNEBO, "V21E99999", "Kolada-id")
    frame = read(csv(row(2024, enhet="V21E99999")), {**lookups, "ous": ous})
    assert frame["ou_id"].tolist() == ["V21E99999"]


def test_a_measure_keeps_its_name_area_direction_and_unit_synthetic(lookups):
    found = problems(
        csv(
            row(2020),
            row(2021, namn="Nöjd med stödet"),
            row(2022, omrade="sarskilt-boende"),
            row(2023, hogre_ar_battre="nej"),
            row(2024, matt_enhet="andel"),
            row(2019, namn="Nöjd med familjeenhetens stöd"),
        ),
        lookups,
    )
    assert_problem(found, 3, 'namn "Nöjd med stödet"', '"Nöjd med familjeenhetens stöd"', "rad 2")
    assert_problem(found, 4, 'omrade "sarskilt-boende"', '"hemtjanst"', "rad 2")
    assert_problem(found, 5, 'hogre_ar_battre "nej"', '"ja"', "rad 2")
    assert_problem(found, 6, 'matt_enhet "andel"', '"%"', "rad 2")
    assert lines(found) == [3, 4, 5, 6]


def test_duplicate_rows_name_the_earlier_line_synthetic(lookups):
    found = problems(
        csv(
            row(2024),
            row(2024, enhet=GUNNEBO),
            row(2024, varde="90"),  # the whole municipality again
            row(2024, enhet="Gunnebo Hemtjänst"),  # the same unit, by its title
            row(2023),
        ),
        lookups,
    )
    assert lines(found) == [4, 5]
    assert_problem(found, 4, "samma matt_id, kommun, enhet och ar", "rad 2")
    assert_problem(found, 5, "samma matt_id, kommun, enhet och ar", "rad 3")


def test_every_problem_of_the_file_is_reported_synthetic(lookups):
    found = problems(
        csv(
            row(2020, varde="hög", kommun="883"),
            row(2021),
            row(2022, ar="tjugo"),
            row(2023, enhet="Okänd", hogre_ar_battre="kanske"),
        ),
        lookups,
    )
    assert_problem(found, 2, 'varde "hög"')
    assert_problem(found, 2, 'kommun "883"')
    assert_problem(found, 4, 'ar "tjugo"')
    assert_problem(found, 5, 'enhet "Okänd"')
    assert_problem(found, 5, 'hogre_ar_battre "kanske"')
    assert len(found) == 5


def test_the_list_of_problems_is_capped_synthetic(lookups):
    rows = [row(2024, matt_id=f"m{i}", varde=f"fel{i}") for i in range(MAX_PROBLEMS + 50)]
    with pytest.raises(OwnMeasuresError) as caught:
        read(csv(*rows), lookups)
    found = caught.value.problems
    assert len(found) == MAX_PROBLEMS + 1
    assert_problem(found[-1:], None, "och 50 fel till")
    assert_problem(found[:1], 2, 'varde "fel0"')
    assert lines(found[:-1]) == list(range(2, MAX_PROBLEMS + 2))


def test_message_text_names_file_and_line_synthetic(lookups):
    with pytest.raises(OwnMeasuresError) as caught:
        read(csv(row(2024, varde="hög")), lookups, "familj.csv")
    assert str(caught.value).startswith('familj.csv: rad 2: varde "hög" ')
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(OwnMeasuresError) as caught:
        read(b"", lookups, "familj.csv")
    assert str(caught.value).startswith("familj.csv: filen ")
    assert caught.value.problems[0][0] is None


# --- the header ----------------------------------------------------------------------------


def test_missing_columns_are_named_in_one_problem(lookups):
    header = "matt_id;namn;omrade;kommun;enhet;hogre_ar_battre"
    found = problems(csv("a;b;hemtjanst;0883;;ja", header=header), lookups)
    assert lines(found) == [1]
    assert_problem(found, 1, "saknas", '"ar", "varde"')


def test_wrong_columns_synthetic(lookups):
    found = problems(csv("N21468;0883;85", header="kpi;kommun;värde"), lookups)
    assert_problem(found, 1, 'okänd kolumn "kpi"', "kolumn A", "tillåtna kolumner: matt_id")
    assert_problem(found, 1, 'okänd kolumn "värde"', "kolumn C")
    assert_problem(found, 1, "saknas", '"matt_id"', '"namn"', '"varde"', '"hogre_ar_battre"')


def test_unknown_extra_column_suggests_the_optional_one_synthetic(lookups):
    header = HEADER.replace("svarande", "svarnde")
    found = problems(csv(row(2024), header=header), lookups)
    assert lines(found) == [1]
    assert_problem(found, 1, '"svarnde"', "kolumn I", '"svarande"?', ", ".join(OWN_COLUMNS))


def test_repeated_column_and_values_without_a_header_synthetic(lookups):
    found = problems(csv(row(2024), header=HEADER.replace("matt_enhet", "varde")), lookups)
    assert_problem(found, 1, 'kolumnen "varde"', "G", "J")
    found = problems(csv(row(2024) + ";;extra"), lookups)
    assert lines(found) == [2]
    assert_problem(found, 2, '"extra"', "kolumn L", "rubrik")


def test_unquoted_decimal_comma_in_a_comma_separated_file_synthetic(lookups):
    header = HEADER.replace(";", ",")
    found = problems(
        csv(
            "familj-nojd,Nöjd,hemtjanst,0883,,2023,85.5,ja,120,%",
            "familj-nojd,Nöjd,hemtjanst,0883,,2024,85,5,ja,120,%",
            "familj-nojd,Nöjd,hemtjanst,0883,,2025,hög,ja,120,%",
            header=header,
        ),
        lookups,
    )
    assert_problem(found, 3, 'värdet "%" i kolumn K', "decimaltal", "citattecken")
    assert_problem(found, 4, 'varde "hög"')
    assert len(found) == 2


def test_header_only_and_empty_files(lookups):
    for header_only in (HEADER + "\n", csv(";;;;", "")):
        found = problems(header_only, lookups)
        assert lines(found) == [None]
        assert_problem(found, None, "bara en rubrikrad")
    for empty in (b"", b"\xef\xbb\xbf", b" \r\n\n", b";;;\n;;\n"):
        found = problems(empty, lookups)
        assert lines(found) == [None]
        assert_problem(found, None, "tom")


# --- what is not a usable file -------------------------------------------------------------


def test_not_utf8_with_old_mac_line_ends_names_the_line_synthetic(lookups):
    content = csv(row(2023, namn="Nojd", matt_enhet="procent"), row(2024)).replace("\n", "\r")
    found = problems(content.encode("cp1252"), lookups)
    assert lines(found) == [3]


def test_not_utf8_names_the_line_of_the_first_bad_byte_synthetic(lookups):
    ascii_only = row(2023, namn="Nojd", matt_enhet="procent")
    content = csv(ascii_only, row(2024, namn="Nöjd med stödet på Åby")).encode("cp1252")
    found = problems(content, lookups)
    assert len(found) == 1
    assert_problem(found, 3, "UTF-8", '"CSV UTF-8 (kommaavgränsad)"')


def test_utf16_text_is_refused(lookups):
    found = problems(csv(row(2024)).encode("utf-16"), lookups)
    assert_problem(found, None, "UTF-16", "CSV UTF-8")


def test_xlsx_renamed_to_csv_is_refused(lookups):
    book = openpyxl.Workbook()
    book.active.append(list(OWN_COLUMNS))
    found = problems(xlsx_bytes(book), lookups, "matt.csv")
    assert_problem(found, None, "Excel-fil (.xlsx)", "heter .csv", "byt filändelsen till .xlsx")


def test_garbage_is_refused(lookups):
    garbage = random.Random(1).randbytes(3000)
    assert_problem(problems(garbage, lookups, "matt.csv"), None, "varken")
    assert_problem(problems(garbage, lookups, "matt.xlsx"), None, "ingen Excel-fil")
    broken_zip = b"PK\x03\x04" + garbage
    assert_problem(problems(broken_zip, lookups, "matt.xlsx"), None, "Excel")


def test_other_file_types_are_refused(lookups):
    assert_problem(problems(b"%PDF-1.4", lookups, "matt.pdf"), None, '".pdf"', ".csv", ".xlsx")
    assert_problem(problems(b"x", lookups, "matt"), None, "(ingen)")
    old_excel = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100)
    assert_problem(problems(old_excel, lookups, "matt.xls"), None, ".xls", ".xlsx")
    assert_problem(problems(old_excel, lookups, "matt.csv"), None, ".xls")


def test_too_large_file_is_refused(lookups):
    found = problems(csv(row(2024)) + " " * MAX_BYTES, lookups)
    assert_problem(found, None, "för stor", "5 MB")


# --- limits, checked before anything is parsed ---------------------------------------------


def digits_of(message: str) -> str:
    """A message's numbers without Swedish thousands spaces: "120 000" -> "120000"."""
    return re.sub(r"(?<=\d) (?=\d)", "", message)


def test_a_file_of_exactly_max_bytes_is_read_synthetic(lookups):
    content = csv(row(2024)).encode()
    content += b" " * (MAX_BYTES - len(content))  # a blank last line
    assert len(read(content, lookups)) == 1
    found = problems(content + b" ", lookups)
    assert_problem(found, None, "för stor", "5,0 MB", "högst 5 MB")


def test_too_large_message_names_the_size_and_the_limit():
    assert "12,0 MB" in too_large_message(12 * 1024 * 1024)
    assert "högst 5 MB" in too_large_message(MAX_BYTES + 1)


def test_a_too_large_file_in_the_folder_is_not_read_and_says_its_size(lookups, tmp_path):
    write(tmp_path, "stor.csv", csv(row(2024)) + " " * (2 * MAX_BYTES))
    frame, errors = load_folder(tmp_path, **lookups)
    assert frame.empty
    assert_problem(errors["stor.csv"].problems, None, "för stor", "10,0 MB", "högst 5 MB")


def test_the_request_limit_holds_a_largest_file_as_a_dash_upload():
    """dcc.Upload sends "data:<type>;base64,<data>" inside a JSON callback body."""
    encoded = base64.b64encode(bytes(MAX_BYTES))
    prefix = b"data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
    assert len(prefix + encoded) + 64 * 1024 < MAX_REQUEST_BYTES < 2 * MAX_BYTES


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_max_lines_are_read_one_more_is_refused_synthetic(lookups, end):
    at_cap = (csv(row(2024)) + "\n" * (MAX_LINES - 2)).replace("\n", end)
    assert len(read(at_cap, lookups)) == 1
    found = problems(at_cap + end, lookups)
    assert lines(found) == [None]
    assert_problem(found, None, "för många rader")
    assert f"({MAX_LINES + 1})" in digits_of(found[0][1])
    assert f"högst {MAX_LINES}" in digits_of(found[0][1])


def test_a_last_line_without_a_line_break_counts_synthetic(lookups):
    at_cap = csv(row(2024)) + "\n" * (MAX_LINES - 3) + ";;;"
    assert len(read(at_cap, lookups)) == 1
    assert_problem(problems(at_cap + "\n;;", lookups), None, "för många rader")


def test_max_fields_on_a_line_are_read_one_more_is_refused_with_its_line_synthetic(lookups):
    padding = ";" * (MAX_FIELDS - len(OWN_COLUMNS))  # empty fields right of the values
    assert len(read(csv(row(2023), row(2024) + padding), lookups)) == 2
    found = problems(csv(row(2023), row(2024) + padding + ";"), lookups)
    assert lines(found) == [3]
    assert_problem(found, 3, f"fler än {MAX_FIELDS} fält", f"({MAX_FIELDS + 1})")


def test_max_cells_are_read_one_more_line_is_refused_synthetic(lookups):
    """Cells are lines x the widest line: a header of MAX_FIELDS fields, then blank lines."""
    header = HEADER + ";" * (MAX_FIELDS - len(OWN_COLUMNS))
    n_lines = MAX_CELLS // MAX_FIELDS
    at_cap = csv(row(2024), header=header) + "\n" * (n_lines - 2)
    assert len(read(at_cap, lookups)) == 1
    found = problems(at_cap + "\n", lookups)
    assert lines(found) == [None]
    assert_problem(found, None, "för många celler", f"× {MAX_FIELDS} fält", "tomma kolumner")
    assert f"({n_lines + 1} rader" in digits_of(found[0][1])


def test_a_long_number_that_is_no_number_is_reported_synthetic(lookups):
    """A run of digits then a letter: a backtracking number pattern took quadratic time."""
    found = problems(csv(row(2024, varde="1" * 200_000 + "x")), lookups)
    assert_problem(found, 2, 'varde "111', "inte ett tal")


def test_thousands_of_digits_in_a_year_or_a_count_are_reported_synthetic(lookups):
    """int() refuses more than 4300 digits: such cells are still answered in Swedish."""
    found = problems(csv(row(2024, ar="2" * 5000, svarande="9" * 5000)), lookups)
    assert_problem(found, 2, 'ar "222', "årtal")
    assert_problem(found, 2, 'svarande "999', "orimligt")


def test_a_long_unknown_column_name_is_quoted_in_short_synthetic(lookups):
    found = problems(csv(row(2024) + ";x", header=HEADER + ";" + "kolumn" * 1000), lookups)
    assert lines(found) == [1]
    assert_problem(found, 1, 'okänd kolumn "kolumnkolumn', '…" (kolumn K)', "tillåtna kolumner")
    assert len(found[0][1]) < 300


def with_entry(content: bytes, name: str, data: bytes) -> bytes:
    """The .xlsx with one more zip entry (openpyxl ignores a part nothing refers to)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        target.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def one_row_book() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.active.append(list(OWN_COLUMNS))
    book.active.append(["familj-nojd", "Nöjd", "hemtjanst", "0883", None, 2024, 85.5, "ja"])
    return book


def xml_elements(content: bytes) -> int:
    """Start tags in every part: each begins with "<" that "/" does not follow."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [archive.read(info) for info in archive.infolist()]
    return sum(len(re.findall(rb"<(?!/)", part)) for part in parts)


def test_xlsx_of_max_elements_is_read_one_more_is_refused_synthetic(lookups):
    content = xlsx_bytes(one_row_book())
    at_cap = with_entry(
        content, "customXml/pad.xml", b"<a/>" * (MAX_XLSX_ELEMENTS - xml_elements(content))
    )
    assert xml_elements(at_cap) == MAX_XLSX_ELEMENTS
    assert len(read(at_cap, lookups, "matt.xlsx")) == 1
    over = with_entry(
        content, "customXml/pad.xml", b"<a/>" * (MAX_XLSX_ELEMENTS + 1 - xml_elements(content))
    )
    found = problems(over, lookups, "matt.xlsx")
    assert lines(found) == [None]
    assert_problem(found, None, "för mycket innehåll", "CSV")


def test_xlsx_unpacked_to_the_limit_is_read_one_byte_more_is_refused_synthetic(lookups):
    content = xlsx_bytes(one_row_book())
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    at_cap = with_entry(content, "customXml/pad.bin", bytes(MAX_XLSX_UNPACKED - unpacked))
    assert len(read(at_cap, lookups, "matt.xlsx")) == 1
    over = with_entry(content, "customXml/pad.bin", bytes(MAX_XLSX_UNPACKED - unpacked + 1))
    assert_problem(problems(over, lookups, "matt.xlsx"), None, "för stor uppackad")


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_xlsx_with_a_dtd_is_refused_synthetic(lookups, codec):
    """Entities declared in a DTD expand into elements no count of bytes sees."""
    content = xlsx_bytes(one_row_book())
    dtd = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode(codec)
    found = problems(with_entry(content, "customXml/item1.xml", dtd), lookups, "matt.xlsx")
    assert_problem(found, None, "DTD")


def sparse_book(last_row: int, last_column: int) -> bytes:
    """A header, a good row, an empty but formatted cell in `last_column` of row 2 and a good
    row at `last_row` (the rows between are missing from the sheet)."""
    book = one_row_book()
    sheet = book.active
    sheet.cell(row=2, column=last_column).font = openpyxl.styles.Font(bold=True)
    values = ["familj-nojd", "Nöjd", "hemtjanst", "0883", None, 2023, 1, "ja"]
    for column, value in enumerate(values, 1):
        sheet.cell(row=last_row, column=column, value=value)
    return xlsx_bytes(book)


def test_xlsx_of_max_lines_is_read_one_more_is_refused_synthetic(lookups):
    frame = read(sparse_book(MAX_LINES, 1), lookups, "matt.xlsx")
    assert frame["line"].tolist() == [2, MAX_LINES]
    found = problems(sparse_book(MAX_LINES + 1, 1), lookups, "matt.xlsx")
    assert_problem(found, None, "för många rader", "fler än")
    assert f"högst {MAX_LINES}" in digits_of(found[0][1])


def test_xlsx_of_max_fields_is_read_one_more_is_refused_with_its_line_synthetic(lookups):
    assert len(read(sparse_book(3, MAX_FIELDS), lookups, "matt.xlsx")) == 2
    found = problems(sparse_book(3, MAX_FIELDS + 1), lookups, "matt.xlsx")
    assert lines(found) == [2]
    assert_problem(found, 2, f"fler än {MAX_FIELDS} fält")


def test_xlsx_of_max_cells_is_read_one_more_line_is_refused_synthetic(lookups):
    n_lines = MAX_CELLS // MAX_FIELDS
    assert len(read(sparse_book(n_lines, MAX_FIELDS), lookups, "matt.xlsx")) == 2
    found = problems(sparse_book(n_lines + 1, MAX_FIELDS), lookups, "matt.xlsx")
    assert_problem(found, None, "för många celler", f"× {MAX_FIELDS} fält")


def test_unclosed_quote_is_reported_with_its_line_synthetic(lookups):
    found = problems(csv(row(2023), row(2024, namn='"Nöjd')), lookups)
    assert lines(found) == [3]
    assert_problem(found, 3, "CSV", "citattecken")


PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,  # never write a .hypothesis directory into the checkout
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
CELL = st.sampled_from(["", "0883", "883", "2024", "85,5", "1 234", "ja", "hemtjanst", GUNNEBO])
CELL = CELL | st.text(alphabet='a;,"\n å\r\t0-', max_size=6)


@pytest.mark.slow
@PROPERTY
@given(st.lists(st.lists(CELL, max_size=12), max_size=6), st.sampled_from([";", ","]))
def test_any_text_is_read_or_refused_with_lines_in_the_file_synthetic(lookups, rows, sep):
    text = "\n".join([sep.join(OWN_COLUMNS), *(sep.join(r) for r in rows)])
    try:
        frame = read(text, lookups)
    except OwnMeasuresError as exc:
        assert exc.problems
        n_lines = len(re.split(r"\r\n|\r|\n", text))
        assert all(line is None or 1 <= line <= n_lines for line, _ in exc.problems)
    else:
        assert list(frame.columns) == list(RESULT_COLUMNS)


@PROPERTY
@given(st.binary(max_size=300), st.sampled_from(["m.csv", "m.xlsx", "m.txt", "m"]))
def test_any_bytes_are_read_or_refused(lookups, content, filename):
    try:
        read(content, lookups, filename)
    except OwnMeasuresError as exc:
        assert exc.problems


# A small, obviously correct reference: each cell value below is tagged with what it reads as
# (BAD: refused, MISSING: empty), so checking a row is looking its cells up, and the rules
# between rows (a measure's first row, keys seen once) are a per-row loop.
BAD, MISSING = "bad", "missing"
ALPHABET: dict[str, dict[str, object]] = {
    "matt_id": {"familj-nojd": "familj-nojd", "egen_2": "egen_2", "N21468": BAD}
    | {"vantetid": BAD, "": MISSING},  # vantetid: a measure of the config
    "namn": {"Nöjd": "Nöjd", " Väntetid ": "Väntetid", "": MISSING},
    "omrade": {"hemtjanst": "hemtjanst", "HEMTJANST": "hemtjanst", "grundskola": "grundskola"}
    | {"hemtjänst": BAD, "": MISSING},
    "kommun": {"0883": "0883", "0180": "0180", "883": BAD, "0001": BAD, "9999": BAD, "": MISSING},
    "ar": {"2024": 2024, "02023": 2023, "1989": BAD, "tjugo": BAD, "": MISSING},
    "varde": {"85,5": 85.5, "1 234": 1234.0, "-2.25": -2.25, "hög": BAD, "85 %": BAD}
    | {"": MISSING},
    "hogre_ar_battre": {"ja": True, "NEJ": False, "1": True, "kanske": BAD, "": MISSING},
    "svarande": {"": None, "120": 120, "1 200": 1200, "-3": BAD, "12,5": BAD},
    "matt_enhet": {"%": "%", "": "", "antal": "antal"},
}
# enhet: the OU it names where it is one in that municipality and area (else it is refused).
UNITS = {("0883", "hemtjanst"): {GUNNEBO: GUNNEBO, "gunnebo  HEMTJÄNST": GUNNEBO}}
UNIT_CELLS = ["", "", GUNNEBO, "gunnebo  HEMTJÄNST", "Okänd"]
CHECKED = ["matt_id", "namn", "omrade", "kommun", "ar", "varde", "hogre_ar_battre", "svarande"]
CHECKED += ["matt_enhet", "enhet"]  # the order of a line's messages


def reference_row(cells: dict[str, str]) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """What one row reads as (the columns that could be read) and its (column, kind)
    problems."""
    values, found = {}, []
    for column, tags in ALPHABET.items():
        tag = tags[cells[column]]
        if tag in (BAD, MISSING):
            found.append((column, tag))
        else:
            values[column] = tag
    unit = cells["enhet"]
    if not unit:
        values["enhet"] = None
    elif "kommun" in values and "omrade" in values:
        named = UNITS.get((values["kommun"], values["omrade"]), {})
        if unit in named:
            values["enhet"] = named[unit]
        else:
            found.append(("enhet", BAD))
    return values, found


def reference(rows: list[dict[str, str] | None]) -> tuple[list[tuple], list[dict]]:
    """The problems ((line, column or rule, kind), by line) and the accepted rows of a file of
    the header and `rows` (None: a blank line; "stray": a value right of the header)."""
    found, accepted, first, keys = [], [], {}, {}
    filled = [(line, cells) for line, cells in enumerate(rows, 2) if cells and any(cells.values())]
    for line, cells in filled:
        if cells["stray"]:
            found.append((line, "stray", BAD))
            continue
        values, problems_of_row = reference_row(cells)
        problems_of_row += between_rows(values, line, first, keys)
        found += [(line, *problem) for problem in problems_of_row]
        if not problems_of_row:
            accepted.append({**values, "line": line})
    if not filled:
        found.append((None, "file", "header only"))
    return found, accepted


def between_rows(values: dict, line: int, first: dict, keys: dict) -> list[tuple[str, str]]:
    """A measure's first row sets its name, area, direction and unit; a key is used once."""
    found = []
    for column in ("namn", "omrade", "hogre_ar_battre", "matt_enhet"):
        if "matt_id" in values and column in values:
            seen = first.setdefault((values["matt_id"], column), values[column])
            if seen != values[column]:
                found.append((column, "differs"))
    if {"matt_id", "kommun", "enhet", "ar"} <= values.keys():
        key = (values["matt_id"], values["kommun"], values["enhet"], values["ar"])
        if keys.setdefault(key, line) != line:
            found.append(("key", "repeated"))
    return found


def kind_of(message: str) -> tuple[str, str]:
    """(column or rule, kind) of one of the checker's messages."""
    if message.startswith("raden har värdet"):
        return "stray", BAD
    if message.startswith("samma matt_id"):
        return "key", "repeated"
    if message.startswith("filen har bara en rubrikrad"):
        return "file", "header only"
    column = message.split(" ", 1)[0]
    if message == f"{column} saknas":
        return column, MISSING
    return column, "differs" if "skiljer sig från" in message else BAD


REFERENCE_ROW = st.fixed_dictionaries(
    {
        **{c: st.sampled_from(list(tags)) for c, tags in ALPHABET.items()},
        "enhet": st.sampled_from(UNIT_CELLS),
        "stray": st.sampled_from(["", "", "", "", "extra"]),
    }
)
# Mostly good rows, so that the rules between rows (and accepted files) come up.
GOOD_ROW = st.fixed_dictionaries(
    {
        **{
            c: st.sampled_from([v for v, t in tags.items() if t not in (BAD, MISSING)][:1])
            for c, tags in ALPHABET.items()
        },
        "ar": st.sampled_from(["2024", "02023"]),
        "enhet": st.sampled_from(["", GUNNEBO]),
        "stray": st.just(""),
    }
)


def write_csv(rows: list[dict[str, str] | None], columns: list[str], sep: str, end: str) -> str:
    out = io.StringIO()
    writer = pycsv.writer(out, delimiter=sep, lineterminator=end)
    writer.writerow([*columns, ""])  # a last column without a name: where strays go
    for cells in rows:
        writer.writerow([] if cells is None else [*(cells[c] for c in columns), cells["stray"]])
    return out.getvalue()


@pytest.mark.slow
@PROPERTY
@given(
    st.lists(st.none() | REFERENCE_ROW | GOOD_ROW, max_size=14),
    st.permutations(OWN_COLUMNS),
    st.sampled_from([";", ","]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_synthetic_files_are_checked_as_the_per_row_reference_checks_them(
    lookups, rows, columns, sep, end
):
    text = write_csv(rows, list(columns), sep, end)
    expected, accepted = reference(rows)
    try:
        frame = read(text, lookups)
    except OwnMeasuresError as exc:
        assert [(line, *kind_of(message)) for line, message in exc.problems] == expected
        assert_values_are_on_their_lines(exc.problems, text)
    else:
        assert expected == []
        assert frame["line"].tolist() == [r["line"] for r in accepted]
        assert frame["value"].tolist() == [r["varde"] for r in accepted]
        assert frame["ou_id"].fillna("").tolist() == [r["enhet"] or "" for r in accepted]
        assert frame["label"].tolist() == [r["namn"] for r in accepted]
        assert frame["year"].tolist() == [r["ar"] for r in accepted]


def assert_values_are_on_their_lines(found: list, text: str) -> None:
    """A message quoting a value (whole) names a line of the file that holds it."""
    file_lines = re.split(r"\r\n|\r|\n", text)
    for line, message in found:
        quoted = re.match(r'\w+ "([^"…]*)"', message)
        if quoted and line is not None:
            assert quoted[1] in file_lines[line - 1], (line, message)


def unique_keys(row: dict) -> tuple:
    return (row["matt_id"], row["kommun"], row["enhet"], row["ar"])


# Rows any file may hold; a measure's name, area, direction and unit follow from its id.
MEASURES = {
    "familj-nojd": ("Nöjd med stödet", "hemtjanst", "ja", "%"),
    "vantetid_dagar": ("Väntetid, dagar", "sarskilt-boende", "nej", ""),
}
VALID_ROW = st.fixed_dictionaries(
    {
        "matt_id": st.sampled_from(list(MEASURES)),
        "kommun": st.sampled_from(["0883", "0180", "1480"]),
        "enhet": st.just(""),
        "ar": st.integers(*YEARS),
        "varde": st.floats(-1e9, 1e9, allow_nan=False).map(lambda v: round(v, 3)),
        "svarande": st.none() | st.integers(0, MAX_RESPONDENTS),
    }
)


def cells_of(row: dict) -> list:
    label, area, higher, unit = MEASURES[row["matt_id"]]
    first = [row["matt_id"], label, area, row["kommun"], row["enhet"], row["ar"], row["varde"]]
    return [*first, higher, row["svarande"], unit]


@pytest.mark.slow
@PROPERTY
@given(st.lists(VALID_ROW, min_size=1, max_size=20, unique_by=unique_keys), st.booleans())
def test_synthetic_good_rows_round_trip_through_csv_and_xlsx(lookups, rows, as_xlsx):
    if as_xlsx:
        book = openpyxl.Workbook()
        book.active.append(list(OWN_COLUMNS))
        for r in rows:
            book.active.append(cells_of(r))
        frame = read(xlsx_bytes(book), lookups, "matt.xlsx")
    else:
        shown = [
            [str(v).replace(".", ",") if v is not None else "" for v in cells_of(r)] for r in rows
        ]
        frame = read(csv(*(";".join(cells) for cells in shown)), lookups)
    assert frame["line"].tolist() == list(range(2, len(rows) + 2))
    assert frame["measure_id"].tolist() == [r["matt_id"] for r in rows]
    assert frame["municipality_id"].tolist() == [r["kommun"] for r in rows]
    assert frame["year"].tolist() == [r["ar"] for r in rows]
    assert frame["value"].tolist() == [r["varde"] for r in rows]
    assert frame["respondents"].tolist() == [
        pd.NA if r["svarande"] is None else r["svarande"] for r in rows
    ]
    assert frame["label"].tolist() == [MEASURES[r["matt_id"]][0] for r in rows]
    assert frame["higher_is_better"].tolist() == [MEASURES[r["matt_id"]][2] == "ja" for r in rows]
    assert frame["unit"].tolist() == [MEASURES[r["matt_id"]][3] for r in rows]


SHEET_VALUE = st.sampled_from(
    [None, "", 883, "0883", 2024, 2024.0, 85.5, 0.855, 1e20, -0.0, True, False, "ja", "NEJ"]
) | st.sampled_from(
    ["hemtjanst", "familj-nojd", "Nöjd", " Nöjd ", "1 234,5", datetime.datetime(2024, 1, 2)]
)


@pytest.mark.slow
@PROPERTY
@given(st.lists(st.lists(SHEET_VALUE, min_size=10, max_size=12), max_size=8))
def test_synthetic_xlsx_cells_read_as_pandas_reads_them(lookups, rows):
    """The same file as a CSV of the text pandas.read_excel(dtype=str) makes of the sheet is
    read to the same rows, or refused with the same problems."""
    book = openpyxl.Workbook()
    book.active.append(list(OWN_COLUMNS))
    for values in rows:
        book.active.append(values)
    content = xlsx_bytes(book)
    text = pd.read_excel(io.BytesIO(content), header=None, dtype=str, keep_default_na=False)
    out = io.StringIO()
    pycsv.writer(out, delimiter=";", lineterminator="\n").writerows(text.to_numpy().tolist())
    assert outcome(content, "matt.xlsx", lookups) == outcome(
        out.getvalue().encode(), "matt.xlsx", lookups, as_csv=True
    )


def outcome(content: bytes, name: str, lookups, as_csv: bool = False):
    try:
        frame = read(content, lookups, name.replace(".xlsx", ".csv") if as_csv else name)
    except OwnMeasuresError as exc:
        return [(line, message) for line, message in exc.problems]
    return frame.drop(columns="source").to_dict("records")


# --- the folder ----------------------------------------------------------------------------


def write(folder: Path, name: str, content: str | bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)


def test_a_missing_folder_has_nothing(lookups, tmp_path):
    frame, errors = load_folder(tmp_path / "saknas", **lookups)
    assert frame.empty and list(frame.columns) == list(RESULT_COLUMNS)
    assert errors == {}


def test_load_folder_rejects_a_bad_file_whole_and_keeps_a_good_one_synthetic(lookups, tmp_path):
    write(tmp_path, "a.csv", csv(row(2023), row(2024)))
    write(tmp_path, "b.csv", csv(row(2020, matt_id="annat"), row(2021, matt_id="annat", ar="x")))
    book = openpyxl.Workbook()
    book.active.append(list(OWN_COLUMNS))
    book.active.append(["fran-excel", "Från Excel", "hemtjanst", "0883", "", 2024, 1, "ja"])
    write(tmp_path, "c.xlsx", xlsx_bytes(book))
    write(tmp_path, "anteckningar.txt", "inte en måttfil")
    write(tmp_path, ".c.csv.tmp-abc", "halvskriven")
    write(tmp_path, ".dold.csv", "dold")
    frame, errors = load_folder(tmp_path, **lookups)
    assert set(errors) == {"b.csv"}
    assert_problem(errors["b.csv"].problems, 3, 'ar "x"')
    assert frame["source"].tolist() == ["a.csv", "a.csv", "c.xlsx"]
    assert frame["measure_id"].tolist() == ["familj-nojd", "familj-nojd", "fran-excel"]
    assert {c: str(t) for c, t in frame.dtypes.items()} == RESULT_COLUMNS


def test_load_folder_rejects_a_later_file_repeating_a_value_synthetic(lookups, tmp_path):
    write(tmp_path, "2023.csv", csv(row(2023), row(2024, enhet=GUNNEBO)))
    write(tmp_path, "2024.csv", csv(row(2022), row(2024, enhet="Gunnebo Hemtjänst")))
    frame, errors = load_folder(tmp_path, **lookups)
    assert set(errors) == {"2024.csv"}
    assert lines(errors["2024.csv"].problems) == [3]
    assert_problem(errors["2024.csv"].problems, 3, "finns redan", "2023.csv", "rad 3")
    assert set(frame["source"]) == {"2023.csv"}


def test_load_folder_rejects_a_later_file_renaming_a_measure_synthetic(lookups, tmp_path):
    write(tmp_path, "a.csv", csv(row(2023)))
    write(tmp_path, "b.csv", csv(row(2024, namn="Annat namn", hogre_ar_battre="nej")))
    frame, errors = load_folder(tmp_path, **lookups)
    assert set(errors) == {"b.csv"}
    assert_problem(errors["b.csv"].problems, 2, '"Annat namn"', "a.csv", "namn")
    assert_problem(errors["b.csv"].problems, 2, "hogre_ar_battre nej men ja", "a.csv")
    assert len(frame) == 1


# --- uploads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "stored"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("Familjeenheten 2024 (slutlig).CSV", "Familjeenheten_2024_slutlig.csv"),
        ("C:\\Users\\åsa\\Mått för Äldreomsorg.xlsx", "Matt_for_Aldreomsorg.xlsx"),
        ("enkät.txt", "enkat.csv"),
        (".dold.csv", "dold.csv"),
        ("..", "egna-matt.csv"),
        ("???.csv", "egna-matt.csv"),
    ],
)
def test_safe_filename(uploaded, stored):
    assert safe_filename(uploaded) == stored


def test_save_upload_writes_under_a_safe_name_inside_the_folder_synthetic(lookups, tmp_path):
    folder = tmp_path / "egna" / "matt"  # created when needed
    path = save_upload(folder, "../../etc/passwd.csv", csv(row(2024)).encode(), **lookups)
    assert path == folder / "passwd.csv"
    path = save_upload(
        folder, "Familjeenheten 2024 (slutlig).CSV", csv(row(2023)).encode(), **lookups
    )
    assert path == folder / "Familjeenheten_2024_slutlig.csv"
    assert sorted(p.name for p in folder.iterdir()) == [
        "Familjeenheten_2024_slutlig.csv",
        "passwd.csv",
    ]
    assert not (tmp_path / "etc").exists()
    frame, errors = load_folder(folder, **lookups)
    assert errors == {} and sorted(frame["year"]) == [2023, 2024]


def test_save_upload_writes_nothing_for_a_bad_file_synthetic(lookups, tmp_path):
    folder = tmp_path / "matt"
    with pytest.raises(OwnMeasuresError) as caught:
        save_upload(folder, "familj.csv", csv(row(2024, varde="hög")).encode(), **lookups)
    assert lines(caught.value.problems) == [2]
    assert_problem(caught.value.problems, 2, 'varde "hög"')
    assert not folder.exists()
    write(folder, "a.csv", csv(row(2023)))
    with pytest.raises(OwnMeasuresError):
        save_upload(folder, "a.csv", b"garbage\0", **lookups)
    assert [p.name for p in folder.iterdir()] == ["a.csv"]
    assert (folder / "a.csv").read_text() == csv(row(2023))


def test_save_upload_refuses_a_clash_with_another_file_synthetic(lookups, tmp_path):
    write(tmp_path, "a.csv", csv(row(2023), row(2024)))
    with pytest.raises(OwnMeasuresError) as caught:
        save_upload(tmp_path, "b.csv", csv(row(2022), row(2024)).encode(), **lookups)
    assert caught.value.filename == "b.csv"
    assert lines(caught.value.problems) == [3]
    assert_problem(caught.value.problems, 3, "finns redan", "a.csv", "rad 3")
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_save_upload_replaces_a_file_of_the_same_name_synthetic(lookups, tmp_path):
    write(tmp_path, "a.csv", csv(row(2023), row(2024)))
    write(tmp_path, "b.csv", csv(row(2020, namn="Gammalt namn")))  # rejected beside a.csv
    new = csv(row(2023, namn="Gammalt namn", varde="90"), row(2024, namn="Gammalt namn"))
    path = save_upload(tmp_path, "a.csv", new.encode(), **lookups)
    assert path.read_text() == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # no temp files
    frame, errors = load_folder(tmp_path, **lookups)
    assert errors == {}
    assert frame.set_index("year")["value"].to_dict() == {2023: 90.0, 2024: 85.5, 2020: 85.5}


def test_save_upload_keeps_the_xlsx_extension_synthetic(lookups, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(list(OWN_COLUMNS))
    book.active.append(["familj-nojd", "Nöjd", "hemtjanst", "0883", "", 2024, 1, "ja"])
    path = save_upload(tmp_path, "Enkät 2024.XLSX", xlsx_bytes(book), **lookups)
    assert path.name == "Enkat_2024.xlsx"
    frame, errors = load_folder(tmp_path, **lookups)
    assert errors == {} and frame["source"].tolist() == ["Enkat_2024.xlsx"]


def test_the_unit_index_follows_the_unit_table_it_was_made_of(lookups):
    """The unit index is made once per OU table (it takes ~0.3 s), never reused for another:
    a file naming Gunnebo reads against the real units, and is refused against a table
    without Gunnebo, read straight after (and again with the real table)."""
    text = csv(row(2024, enhet=GUNNEBO))
    assert read(text, lookups)["ou_id"].tolist() == [GUNNEBO]
    without = lookups["ous"][lookups["ous"]["id"] != GUNNEBO].reset_index(drop=True)
    assert_problem(problems(text, {**lookups, "ous": without}), 2, GUNNEBO, "finns inte")
    assert read(text, lookups)["ou_id"].tolist() == [GUNNEBO]
