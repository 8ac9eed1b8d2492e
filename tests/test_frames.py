"""Response bodies and items -> DataFrames with the column contract (pure)."""

from __future__ import annotations

import json
import math

import pytest

from kvalitetsvisaren.kolada.errors import KoladaResponseError
from kvalitetsvisaren.kolada.frames import OU_VALUE_COLUMNS, VALUE_COLUMNS, groups_frame, ous_frame
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
