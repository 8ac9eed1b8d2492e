"""Start-up checks the content of the data and config, not only their shape: each broken case
is one message naming the file and the field, exit code 2, no traceback (dev and --prod).
The broken stores are synthetic: copies of the real snapshot with one thing broken."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kvalitetsvisaren.config.models import ConfigError
from kvalitetsvisaren.data.store import StoreError
from kvalitetsvisaren.paths import ROOT
from kvalitetsvisaren.startup import load_checked


@pytest.fixture
def copy(tmp_path, snapshot_dir):
    def make() -> Path:
        data = tmp_path / "data"
        shutil.copytree(snapshot_dir, data)
        return data

    return make


def edit_meta(data: Path, **changes) -> None:
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    (data / "meta.json").write_text(json.dumps({**meta, **changes}), encoding="utf-8")


def edit_table(data: Path, name: str, change) -> None:
    file = data / f"{name}.parquet"
    change(pd.read_parquet(file)).to_parquet(file, index=False)


def text_values(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(value=frame["value"].astype(str).where(frame.index > 0, "hög"))


def float_years(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(year=frame["year"].astype(float).where(frame.index > 0))


def numeric_ids(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(id=pd.to_numeric(frame["id"], errors="coerce"))


BROKEN = [
    ("meta is a list", lambda d: (d / "meta.json").write_text("[1, 2]"), "meta.json", "lista"),
    ("meta is null", lambda d: (d / "meta.json").write_text("null"), "meta.json", "null"),
    ("fetched_at a number", lambda d: edit_meta(d, fetched_at=20240830), "fetched_at", "text"),
    ("fetched_at no date", lambda d: edit_meta(d, fetched_at="igår"), "fetched_at", "datum"),
    ("version a list", lambda d: edit_meta(d, version=[1]), "version", "text"),
    ("no values", lambda d: edit_table(d, "values", lambda f: f.iloc[0:0]), "values", "0 rader"),
    ("no kommuner", lambda d: edit_table(d, "municipalities", lambda f: f.iloc[0:0]),
     "municipalities", "0 rader"),
    ("text values", lambda d: edit_table(d, "values", text_values), "kolumnen value", "tal"),
    ("missing years", lambda d: edit_table(d, "values", float_years), "kolumnen year", "heltal"),
    ("numeric ids", lambda d: edit_table(d, "municipalities", numeric_ids), "kolumnen id", "text"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "breaks", "names", "says"), BROKEN, ids=[b[0] for b in BROKEN])
def test_synthetic_broken_store_is_one_message_naming_file_and_field(
    copy, config_path, case, breaks, names, says
):
    data = copy()
    breaks(data)
    with pytest.raises(StoreError) as caught:
        load_checked(data, config_path, None)
    message = str(caught.value)
    assert names in message and says in message and str(data) in message


def test_a_default_municipality_missing_from_the_data_names_the_config_field(
    tmp_path, snapshot_dir, config_path
):
    config = tmp_path / "indicators.yaml"
    text = config_path.read_text(encoding="utf-8")
    config.write_text(text.replace('default_municipality: "0883"', 'default_municipality: "9999"'))
    with pytest.raises(ConfigError) as caught:
        load_checked(snapshot_dir, config, None)
    assert f"{config}: default_municipality: '9999'" in str(caught.value)


def test_a_config_with_a_nul_byte_is_a_config_error(tmp_path, snapshot_dir, config_path):
    config = tmp_path / "indicators.yaml"
    config.write_bytes(config_path.read_bytes().replace(b"version: 1", b"version: 1\x00", 1))
    with pytest.raises(ConfigError) as caught:
        load_checked(snapshot_dir, config, None)
    assert str(config) in str(caught.value) and "#x0000" in str(caught.value)


def test_a_local_folder_that_is_a_file_is_refused(tmp_path, snapshot_dir, config_path):
    local = tmp_path / "local"
    local.write_text("not a folder")
    with pytest.raises(ValueError, match="är en fil, inte en mapp"):
        load_checked(snapshot_dir, config_path, local)
    load_checked(snapshot_dir, config_path, tmp_path / "missing")  # none yet is fine


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.parametrize("prod", [False, True], ids=["dev", "prod"])
def test_the_command_exits_2_with_the_message_and_no_traceback(copy, prod):
    data = copy()
    edit_meta(data, fetched_at=20240830)
    result = run("--data", str(data), *(["--prod"] if prod else []))
    assert result.returncode == 2
    assert "fetched_at" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_command_refuses_a_local_file_and_a_bad_config(tmp_path, config_path):
    local = tmp_path / "local.txt"
    local.write_text("x")
    result = run("--local", str(local))
    assert result.returncode == 2 and "inte en mapp" in result.stderr
    config = tmp_path / "bad.yaml"
    config.write_bytes(b"version: 1\x00\n")
    from kvalitetsvisaren.cli import main

    assert main(["export", "--kommun", "0883", "--out", str(tmp_path / "x"), "--config",
                 str(config)]) == 2  # fmt: skip
