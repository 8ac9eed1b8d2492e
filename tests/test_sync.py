"""`kvalitetsvisaren sync`: a stand-in serving the real snapshot is synced into a new store,
which must equal the snapshot; a failing or killed sync must leave the old store untouched."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from kvalitetsvisaren.cli import main
from kvalitetsvisaren.config import load_config
from kvalitetsvisaren.kolada import KoladaClient, KoladaHTTPError
from kvalitetsvisaren.store import load_store, make_store, write_store
from kvalitetsvisaren.sync import parse_years, sync

SORT = {
    "kpis": ["id"],
    "municipalities": ["id"],
    "municipality_groups": ["id"],
    "ous": ["id"],
    "values": ["kpi", "municipality_id", "year", "gender"],
    "ou_values": ["kpi", "ou_id", "year", "gender"],
}


def sorted_tables(store):
    return {n: f.sort_values(SORT[n], ignore_index=True) for n, f in store.tables().items()}


@pytest.fixture
def config(config_path):
    return load_config(config_path)


def files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_sync_from_kolada_reproduces_the_snapshot_exactly(tmp_path, standin, config):
    with KoladaClient(standin.base_url) as client:
        synced = sync(client, config, tmp_path / "store", range(2010, 2025), progress=False)
    snapshot = standin.store
    for name, frame in sorted_tables(snapshot).items():
        pd.testing.assert_frame_equal(sorted_tables(synced)[name], frame, obj=name)
    assert synced.meta["source"] == "kolada"
    assert synced.meta["api_base"] == standin.base_url
    assert synced.meta["coverage"]["kpis_without_metadata"] == []
    assert load_store(tmp_path / "store").summary()["kpis"] == len(config.kpi_ids())


@pytest.fixture
def old_store(tmp_path, standin):
    """An existing store the failing syncs must not touch (a real subset of the snapshot)."""
    s = standin.store
    small = make_store(
        {**s.tables(), "values": s.values.head(100), "ou_values": s.ou_values.head(100)},
        {"source": "kolada", "fetched_at": "2026-01-01T00:00:00+00:00"},
    )
    return write_store(small, tmp_path / "store")


def test_failed_sync_leaves_the_old_store_untouched(tmp_path, standin, config, old_store):
    before = files(old_store)
    standin.faults = [{"kind": "status", "status": 500, "match": "/oudata/"}]  # the last step
    client = KoladaClient(standin.base_url, max_retries=1, backoff_factor=0)
    with client, pytest.raises(KoladaHTTPError, match="oudata"):
        sync(client, config, old_store, range(2021, 2023), progress=False)
    assert files(old_store) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # no temporary left


def test_sync_under_transient_faults_completes_with_exact_data(tmp_path, standin, config):
    standin.faults = [
        {"kind": "status", "status": 503, "retry_after": 0, "times": 3},
        {"kind": "drop", "variant": "partial", "match": "/data/", "times": 1},
        {"kind": "status", "status": 429, "retry_after": 1, "match": "/oudata/", "times": 1},
    ]
    with KoladaClient(standin.base_url, backoff_factor=0.01) as client:
        synced = sync(client, config, tmp_path / "s", range(2021, 2025), progress=False)
    assert sum(1 for r in standin.requests if r.fault) == 5
    snap = standin.store
    expected = snap.values[snap.values["year"].between(2021, 2024)]
    pd.testing.assert_frame_equal(
        sorted_tables(synced)["values"], expected.sort_values(SORT["values"], ignore_index=True)
    )


def test_parse_years():
    assert parse_years("2010-2012") == [2010, 2011, 2012]
    assert parse_years("2022, 2020") == [2020, 2022]
    for bad in ["2010-", "tjugo", "2022-2010", "1800-1801"]:
        with pytest.raises(ValueError):
            parse_years(bad)


# --- the command line -------------------------------------------------------------------


def test_cli_sync_writes_a_store(tmp_path, standin, capsys):
    out = tmp_path / "data"
    code = main(
        ["sync", "--base-url", standin.base_url, "--out", str(out), "--years", "2022", "--quiet"]
    )
    assert code == 0
    assert '"source": "kolada"' in capsys.readouterr().out
    assert set(load_store(out).values["year"]) == {2022}


def test_cli_sync_failure_exits_1_and_says_nothing_changed(tmp_path, standin, capsys, old_store):
    before = files(old_store)
    standin.faults = [{"kind": "malformed"}]
    code = main(["sync", "--base-url", standin.base_url, "--out", str(old_store), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "inget ändrades" in err and "Malformed JSON" in err and standin.base_url in err
    assert files(old_store) == before


def test_cli_bad_input_exits_2_with_a_message(tmp_path, capsys, snapshot_dir):
    assert main(["sync", "--out", str(tmp_path), "--years", "tjugo"]) == 2
    assert "Ogiltiga år" in capsys.readouterr().err
    assert main(["sync", "--out", str(snapshot_dir), "--years", "2022"]) == 2
    assert "bundled snapshot" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nareas: []\n")
    assert main(["sync", "--config", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_cli_info(capsys, snapshot_dir):
    assert main(["info", "--data", str(snapshot_dir)]) == 0
    assert '"municipalities": 290' in capsys.readouterr().out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_killed_sync_leaves_the_old_store_untouched(tmp_path, snapshot_dir, old_store):
    """A sync killed mid-way (SIGKILL, no clean-up possible) changes nothing."""
    port = free_port()
    standin = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kvalitetsvisaren.testing.standin",
            "--data",
            str(snapshot_dir),
            "--port",
            str(port),
            "--latency",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        standin.stdout.readline()
        before = files(old_store)
        env = {**os.environ, "KVALITETSVISAREN_DATA": str(old_store)}
        sync_proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kvalitetsvisaren.cli",
                "sync",
                "--quiet",
                "--base-url",
                f"http://127.0.0.1:{port}/v3",
            ],
            env=env,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        time.sleep(2.0)  # metadata fetched, values under way
        assert sync_proc.poll() is None, "the sync ended before it could be killed"
        sync_proc.send_signal(signal.SIGKILL)
        sync_proc.wait(timeout=10)
        assert files(old_store) == before
        assert load_store(old_store).meta["fetched_at"] == "2026-01-01T00:00:00+00:00"
    finally:
        standin.terminate()
        standin.wait(timeout=10)
        standin.stdout.close()
