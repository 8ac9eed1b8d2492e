"""Store directory: round trip, clear errors naming the file, and atomic replacement."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from kvalitetsvisaren.data import atomic
from kvalitetsvisaren.data.store import StoreError, load_store, make_store, write_store


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
    with pytest.raises(StoreError, match=r"/meta\.json: saknas"):
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


def names(directory):
    return sorted(p.name for p in directory.iterdir())


def test_each_write_publishes_a_new_version_behind_a_link(tmp_path, small_store, monkeypatch):
    monkeypatch.setattr(atomic, "GRACE_SECONDS", 0)
    first = write_store(small_store, tmp_path / "s")
    assert (tmp_path / "s").is_symlink() and (tmp_path / "s").resolve() == first
    newer = make_store(
        {**small_store.tables(), "values": small_store.values.head(10)}, {"source": "newer"}
    )
    second = write_store(newer, tmp_path / "s")
    loaded = load_store(tmp_path / "s")
    assert loaded.meta["source"] == "newer" and len(loaded.values) == 10
    assert loaded.path == second and loaded.meta["version"] != load_store(first).meta["version"]
    third = write_store(small_store, tmp_path / "s")
    # the current and the previous version are kept (a reader may still be in the previous)
    assert names(tmp_path) == sorted(["s", second.name, third.name])
    assert not any(".tmp-" in n or ".link-" in n for n in names(tmp_path))


def test_a_reader_keeps_reading_the_version_it_started_with(tmp_path, small_store):
    write_store(small_store, tmp_path / "s")
    resolved = (tmp_path / "s").resolve()
    newer = make_store({**small_store.tables(), "values": small_store.values.head(5)}, {})
    for _ in range(3):  # even several quick syncs in a row keep a version just replaced
        write_store(newer, tmp_path / "s")
    # the old version is still whole for a reader that resolved the link before the switch
    assert len(load_store(resolved).values) == len(small_store.values)


def test_a_plain_directory_is_replaced_in_place_when_asked(tmp_path, small_store):
    write_store(small_store, tmp_path / "s", versioned=False)
    write_store(small_store, tmp_path / "s", versioned=False)
    assert names(tmp_path) == ["s"] and not (tmp_path / "s").is_symlink()


def test_a_plain_directory_becomes_versioned_on_the_first_versioned_write(tmp_path, small_store):
    write_store(small_store, tmp_path / "s", versioned=False)
    write_store(small_store, tmp_path / "s")
    assert (tmp_path / "s").is_symlink() and load_store(tmp_path / "s").meta["source"] == "test"


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
    assert not any(".tmp-" in n for n in names(tmp_path))  # the temporary directory is removed


def test_store_copy_is_loadable_anywhere(tmp_path, snapshot_dir):
    shutil.copytree(snapshot_dir, tmp_path / "copy")
    assert load_store(tmp_path / "copy").summary()["municipalities"] == 290
