"""The dashboard process: starts offline on the bundled snapshot and says which data it shows."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import requests

from kvalitetsvisaren.config import load_config
from kvalitetsvisaren.factory import create_app
from kvalitetsvisaren.paths import ROOT
from kvalitetsvisaren.store import load_store


def text_of(component) -> str:
    return json.dumps(
        component.to_plotly_json(), default=lambda c: c.to_plotly_json(), ensure_ascii=False
    )


def test_status_page_names_the_loaded_data(snapshot_dir, config_path):
    app = create_app(load_store(snapshot_dir), load_config(config_path))
    text = text_of(app.layout)
    assert "Medföljande ögonblicksbild" in text  # source: the bundled snapshot
    assert "2024-08-30" in text  # fetched-at of the national values
    assert '"290"' in text  # kommuner
    assert "61 av 61 konfigurerade" in text
    assert "Källa: Kolada (RKA)" in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_app_py_serves_the_snapshot(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                page = requests.get(url + "/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert page.status_code == 200 and "Kvalitetsvisaren" in page.text
        layout = requests.get(url + "/_dash-layout", timeout=5).json()
        assert "Medföljande ögonblicksbild" in json.dumps(layout, ensure_ascii=False)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_missing_data_dir_is_a_clear_error_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "app.py", "--data", str(tmp_path / "nope")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert str(tmp_path / "nope") in result.stderr
    assert "Traceback" not in result.stderr
