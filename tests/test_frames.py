"""Response bodies and items -> DataFrames with the column contract (pure)."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.kolada.errors import KoladaResponseError
from kvalitetsvisaren.kolada.frames import (
    OU_VALUE_COLUMNS,
    VALUE_COLUMNS,
    groups_frame,
    ous_frame,
    typed_frame,
)
from kvalitetsvisaren.kolada.pages import json_page, values_page

URL = "http://x/v3/data/kpi/N00945/year/2000"


def body(items, next_url=None, **extra) -> bytes:
    return json.dumps(
        {"values": items, "count": len(items), "next_url": next_url, **extra}
    ).encode()


def values_frame(items):
    return values_page(body(items), URL, where="municipality").content


# Shapes as documented for v3 (../shared/docs/kolada-api.md §3.3); the N00945 value is real.
ITEM = {
    "kpi": "N00945",
    "municipality": "0180",
    "period": 2000,
    "values": [
        {"gender": "T", "count": 1, "status": "", "value": 31.32959689, "isdeleted": False},
        {"gender": "K", "count": 1, "status": "Bortfall", "value": None, "isdeleted": False},
        {"gender": "M", "count": 1, "status": "", "value": 12.0, "isdeleted": True},
    ],
}


def test_values_frame_flattens_keeps_nulls_and_drops_deleted():
    frame = values_frame([ITEM])
    assert list(frame.columns) == list(VALUE_COLUMNS)
    assert frame["gender"].tolist() == ["T", "K"]  # the isdeleted M row is gone
    assert frame.loc[0, "value"] == pytest.approx(31.32959689)
    assert math.isnan(frame.loc[1, "value"])  # null stays missing, never 0
    assert frame.loc[1, "status"] == "Bortfall"
    assert frame["year"].dtype == "int64" and frame.loc[0, "year"] == 2000
    assert frame.loc[0, "municipality_id"] == "0180"


def test_empty_input_gives_empty_frame_with_contract_columns():
    frame = values_frame([])
    assert frame.empty and list(frame.columns) == list(VALUE_COLUMNS)
    assert str(frame["value"].dtype) == "float64"


def test_ou_values_page_uses_ou_id_and_reports_items_and_next_url():
    item = {**ITEM, "ou": "V15E011400101"}
    del item["municipality"]
    page = values_page(body([item, item], URL + "?page=2"), URL, where="ou")
    assert list(page.content.columns) == list(OU_VALUE_COLUMNS)
    assert page.content["ou_id"].unique().tolist() == ["V15E011400101"]
    assert page.n_items == 2 and page.next_url == URL + "?page=2"


def test_groups_frame_members_are_ids():
    group = {
        "id": "G176489",
        "title": "Liknande kommuner äldreomsorg, Arboga, 2024",
        "members": [{"member_id": "0861", "member_title": "Mönsterås"}],
    }
    assert groups_frame([group]).loc[0, "members"] == ["0861"]


def test_ous_frame_renames_municipality():
    frame = ous_frame([{"id": "V21E0180001", "municipality": "0180", "title": "Hemtjänst A"}])
    assert frame.loc[0, "municipality_id"] == "0180"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"kpi": "N1", "period": 2020, "values": []}, "'municipality' missing"),
        ({"kpi": "N1", "municipality": "0180", "period": 2020, "values": "x"}, "Unexpected data"),
        ("not an object", "Unexpected data"),
        ({**ITEM, "values": [{"value": 1.0}]}, "'gender' missing"),
        ({**ITEM, "period": "tjugo"}, "Unexpected data"),
    ],
)
def test_unexpected_item_shape_raises_typed_error_naming_the_url(bad, message):
    with pytest.raises(KoladaResponseError, match=message) as err:
        values_frame([bad])
    assert URL in str(err.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<html>502 Bad Gateway</html>", "Malformed JSON"),
        (b'{"values": [', "Malformed JSON"),
        (b'{"error": "This endpoint is deprecated."}', "reported an error"),
        (b'{"values": {"a": 1}}', "'values' is not a list"),
        (b'{"count": 0}', "'values' is not a list"),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_untrustworthy_envelopes_raise_the_same_errors_for_data_and_metadata(raw, message):
    with pytest.raises(KoladaResponseError, match=message):
        values_page(raw, URL, where="municipality")
    with pytest.raises(KoladaResponseError, match=message):
        json_page(raw, URL)


def test_pretty_printed_and_large_value_pages_parse_alike():
    items = [{**ITEM, "municipality": f"{i:04d}"} for i in range(5000)]
    compact = values_page(body(items), URL, where="municipality").content
    pretty = json.dumps({"values": items, "next_url": None}, indent=2).encode()
    pd_pretty = values_page(pretty, URL, where="municipality").content
    assert len(compact) == 2 * 5000  # T and K of each item (M is deleted)
    assert compact.equals(pd_pretty)


# --- lossless type variants (a synthetic page: every variant is applied to the same values) ---

# Each field's variants: (name, encode), all lossless; the expected frame is built from the
# plain values below, never from the reader's output.
PERIOD_VARIANTS = {"int": lambda y: y, "string": str, "float": float}
COUNT_VARIANTS = {"int": lambda c: c, "float": lambda c: None if c is None else float(c)}
DELETED_VARIANTS = {"bool": lambda d: d, "int": int}
GENDER_VARIANTS = {"named": lambda g: g, "null total": lambda g: None if g == "T" else g}
SYNTHETIC_ROWS = [  # kpi, municipality, year, gender, value, status, count, deleted
    ("N00945", "0180", 2021, "T", 31.5, "", 1, False),
    ("N00945", "0180", 2021, "K", None, "Bortfall", None, False),
    ("N00945", "0180", 2021, "M", 12.0, "", 1, True),
    ("N00945", "1280", 2022, "T", 7.25, None, 3, False),
    ("U21468", "G176489", 2022, "T", 80.0, "", 7, False),
]


def synthetic_items(period, count, deleted, gender) -> list[dict]:
    items: dict[tuple, dict] = {}
    for kpi, place, year, g, value, status, n, d in SYNTHETIC_ROWS:
        item = items.setdefault(
            (kpi, place, year),
            {"kpi": kpi, "municipality": place, "period": period(year), "values": []},
        )
        entry = {"gender": gender(g), "count": count(n), "status": status, "value": value}
        item["values"].append({**entry, "isdeleted": deleted(d)})
    return list(items.values())


def expected_rows(changes: bool, drop_groups: bool) -> list[tuple]:
    rows = [r for r in SYNTHETIC_ROWS if changes or not r[7]]
    rows = [r for r in rows if not (drop_groups and r[1].startswith("G"))]
    return [r if changes else r[:7] for r in rows]


def frame_rows(frame) -> list[tuple]:
    def plain(v):
        return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v

    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize("changes", [False, True], ids=["values", "changes"])
@pytest.mark.parametrize("drop_groups", [False, True], ids=["groups kept", "groups dropped"])
@pytest.mark.parametrize("gender", GENDER_VARIANTS, ids=str)
@pytest.mark.parametrize("deleted", DELETED_VARIANTS, ids=str)
@pytest.mark.parametrize("count", COUNT_VARIANTS, ids=str)
@pytest.mark.parametrize("period", PERIOD_VARIANTS, ids=str)
def test_synthetic_lossless_type_variants_read_exactly(
    period, count, deleted, gender, drop_groups, changes
):
    items = synthetic_items(
        PERIOD_VARIANTS[period],
        COUNT_VARIANTS[count],
        DELETED_VARIANTS[deleted],
        GENDER_VARIANTS[gender],
    )
    page = values_page(
        body(items), URL, where="municipality", changes=changes, drop_groups=drop_groups
    )
    columns = {**VALUE_COLUMNS, "deleted": "bool"} if changes else VALUE_COLUMNS
    assert list(page.content.columns) == list(columns)
    assert [str(t) for t in page.content.dtypes] == [
        str(typed_frame([], columns)[c].dtype) for c in columns
    ]
    assert frame_rows(page.content) == expected_rows(changes, drop_groups)
    assert page.n_items == 3  # groups are items too (they count for paging)


def variant(table: dict):
    return st.sampled_from(sorted(table)).map(table.__getitem__)


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_synthetic_lossless_variants_mixed_within_a_page_read_exactly(data):
    """A variant drawn per item and per entry (a server mid-migration): still exactly the values."""
    items = synthetic_items(*(lambda v: v,) * 4)
    for item in items:
        item["period"] = data.draw(variant(PERIOD_VARIANTS))(item["period"])
        for entry in item["values"]:
            for key, table in (
                ("count", COUNT_VARIANTS),
                ("isdeleted", DELETED_VARIANTS),
                ("gender", GENDER_VARIANTS),
            ):
                entry[key] = data.draw(variant(table))(entry[key])
    page = values_page(body(items), URL, where="municipality", changes=True)
    assert frame_rows(page.content) == expected_rows(changes=True, drop_groups=False)


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("period", "20x2"),
        ("period", 2022.5),
        ("period", True),
        ("period", ""),
        ("count", 1.5),
        ("count", "1"),
        ("count", True),
        ("isdeleted", 2),
        ("isdeleted", "false"),
        ("value", "31.5"),
        ("value", True),
        ("status", 3),
        ("gender", 1),
        ("municipality", 180),  # the leading zero of 0180 may be gone
        ("kpi", 945),
    ],
)
def test_synthetic_unreadable_types_raise_typed_error_naming_the_url(field, bad):
    item = json.loads(json.dumps(ITEM))
    if field in item:
        item[field] = bad
    else:
        item["values"][0][field] = bad
    with pytest.raises(KoladaResponseError, match=f"{field}.*{re.escape(repr(bad))}") as err:
        values_frame([item])
    assert err.value.url == URL and URL in str(err.value)


@pytest.mark.parametrize(
    "genders",
    [[None, "T"], ["T", None, "K"], [None, None]],
    ids=["null beside T", "T beside null", "two nulls"],
)
def test_synthetic_null_gender_never_collides_with_a_total(genders):
    item = {**ITEM, "values": [{**ITEM["values"][0], "gender": g} for g in genders]}
    with pytest.raises(KoladaResponseError, match="null gender beside another total") as err:
        values_frame([item])
    assert URL in str(err.value)


def test_synthetic_string_period_page_reads_like_the_documented_one():
    """The lenient reader gives the fast reader's frame for the same values, dtypes included."""
    items = [{**ITEM, "municipality": f"{i:04d}"} for i in range(300)]
    fast = values_page(body(items), URL, where="municipality").content
    slow_items = [{**i, "period": str(i["period"])} for i in items]
    slow = values_page(body(slow_items), URL, where="municipality").content
    pd.testing.assert_frame_equal(slow, fast)


@given(next_url=st.one_of(st.none(), st.text(max_size=200)))
@settings(max_examples=100, deadline=None)
def test_next_url_text_comes_through_unchanged_for_data_and_metadata(next_url):
    raw = body([ITEM], next_url)
    assert values_page(raw, URL, where="municipality").next_url == next_url
    assert json_page(raw, URL).next_url == next_url


@pytest.mark.parametrize("next_url", [5, True, ["p2"], {"page": 2}])
def test_a_next_url_that_is_not_text_raises_naming_the_url(next_url):
    for read in (lambda b: values_page(b, URL, where="municipality"), lambda b: json_page(b, URL)):
        with pytest.raises(KoladaResponseError, match="Unexpected next_url") as err:
            read(body([ITEM], next_url))
        assert URL in str(err.value)


def test_a_frame_already_in_the_contract_comes_back_equal_and_separate():
    """typed_frame passes a frame already in the contract through without rebuilding it, but
    as a frame of its own: a change to either does not reach the other."""
    given = pd.DataFrame(
        {
            "kpi": pd.Series(["N1", "N2"], dtype="str"),
            "municipality_id": pd.Series(["0180", "2403"], dtype="str"),
            "year": pd.Series([2022, 2023], dtype="int64"),
            "gender": pd.Series(["T", "K"], dtype="str"),
            "value": pd.Series([1.5, float("nan")], dtype="float64"),
            "status": pd.Series([None, "M"], dtype="str"),
            "count": pd.Series([3, None], dtype="Int64"),
        }
    )
    before = given.copy()
    out = typed_frame(given, VALUE_COLUMNS)
    assert out is not given
    pd.testing.assert_frame_equal(out, before)
    out.loc[0, "value"] = -1.0
    given.loc[1, "kpi"] = "X"
    assert given.loc[0, "value"] == 1.5 and out.loc[1, "kpi"] == "N2"
    # out of order, or another index: rebuilt into the contract
    shuffled = typed_frame(before[list(reversed(VALUE_COLUMNS))], VALUE_COLUMNS)
    pd.testing.assert_frame_equal(shuffled, before)
    pd.testing.assert_frame_equal(typed_frame(before.set_axis([5, 6]), VALUE_COLUMNS), before)
