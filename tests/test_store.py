"""Store directory: round trip, clear errors naming the file, and atomic replacement."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from kvalitetsvisaren.store import StoreError, load_store, make_store, write_store


@pytest.fixture(scope="module")
def small_store(snapshot_dir):
    """A real subset of the snapshot: two KPIs, Västervik's units."""
    s = load_store(snapshot_dir)
    values = s.values[s.values["kpi"].isin(["U21468", "U23471"])]
    ous = s.ous[s.ous["municipality_id"] == "0883"]
    ou_values = s.ou_values[s.ou_values["ou_id"].isin(ous["id"])]
    tables = {**s.tables(), "values": values, "ous": ous, "ou_values": ou_values}
    return make_store(tables, {"source": "test", "fetched_at": "2024-08-30"})


def assert_same_tables(a, b):
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name], check_like=False, obj=name)


def test_round_trip_keeps_every_table_exactly(tmp_path, small_store):
    write_store(small_store, tmp_path / "s")
    loaded = load_store(tmp_path / "s")
    assert_same_tables(small_store, loaded)
    assert loaded.meta["row_counts"]["values"] == len(small_store.values)
    assert loaded.municipality_groups["members"].map(type).eq(list).all()


def test_missing_meta_json_is_named(tmp_path, small_store):
    write_store(small_store, tmp_path / "s")
    (tmp_path / "s" / "meta.json").unlink()
    with pytest.raises(StoreError, match=r"s/meta\.json: saknas"):
        load_store(tmp_path / "s")


def test_corrupt_table_is_named(tmp_path, small_store):
    write_store(small_store, tmp_path / "s")
    (tmp_path / "s" / "values.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(StoreError, match=r"values\.parquet: kan inte läsas"):
        load_store(tmp_path / "s")


def test_missing_column_is_named(tmp_path, small_store):
    write_store(small_store, tmp_path / "s")
    small_store.ous.drop(columns="title").to_parquet(tmp_path / "s" / "ous.parquet")
    with pytest.raises(StoreError, match=r"ous\.parquet: saknar kolumnerna \['title'\]"):
        load_store(tmp_path / "s")


def test_missing_directory_and_wrong_format_version(tmp_path, small_store):
    with pytest.raises(StoreError, match="finns inte"):
        load_store(tmp_path / "nope")
    write_store(small_store, tmp_path / "s")
    meta = json.loads((tmp_path / "s" / "meta.json").read_text())
    (tmp_path / "s" / "meta.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(StoreError, match="format_version"):
        load_store(tmp_path / "s")


def test_replacing_a_store_swaps_in_the_new_one_and_leaves_no_temporaries(tmp_path, small_store):
    write_store(small_store, tmp_path / "s")
    newer = make_store(
        {**small_store.tables(), "values": small_store.values.head(10)}, {"source": "newer"}
    )
    write_store(newer, tmp_path / "s")
    loaded = load_store(tmp_path / "s")
    assert loaded.meta["source"] == "newer" and len(loaded.values) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_failed_write_leaves_the_old_store_untouched(tmp_path, small_store, monkeypatch):
    write_store(small_store, tmp_path / "s")
    before = {p.name: p.read_bytes() for p in (tmp_path / "s").iterdir()}
    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def fail_on_fourth_table(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full (simulated)")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_fourth_table)
    with pytest.raises(OSError, match="disk full"):
        write_store(small_store, tmp_path / "s")
    after = {p.name: p.read_bytes() for p in (tmp_path / "s").iterdir()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]  # temporary directory removed


def test_store_copy_is_loadable_anywhere(tmp_path, snapshot_dir):
    shutil.copytree(snapshot_dir, tmp_path / "copy")
    assert load_store(tmp_path / "copy").summary()["municipalities"] == 290
