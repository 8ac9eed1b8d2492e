"""JSON items -> DataFrames with the column contract (pure)."""

from __future__ import annotations

import math

import pytest

from kvalitetsvisaren.kolada.errors import KoladaResponseError
from kvalitetsvisaren.kolada.frames import (
    VALUE_COLUMNS,
    groups_frame,
    ou_values_frame,
    ous_frame,
    values_frame,
)

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


def test_ou_values_frame_uses_ou_id():
    item = {**ITEM, "ou": "V15E011400101"}
    del item["municipality"]
    frame = ou_values_frame([item])
    assert frame["ou_id"].unique().tolist() == ["V15E011400101"]


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
    "bad",
    [
        {"kpi": "N1", "period": 2020, "values": []},  # no municipality
        {"kpi": "N1", "municipality": "0180", "period": 2020, "values": "x"},
        "not an object",
        {**ITEM, "values": [{"gender": "T"}]},  # no value key
    ],
)
def test_unexpected_item_shape_raises_typed_error(bad):
    with pytest.raises(KoladaResponseError, match="http://x/v3/data"):
        values_frame([bad], url="http://x/v3/data")
