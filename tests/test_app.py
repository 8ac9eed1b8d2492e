"""The dashboard process: `python app.py` starts offline on the bundled snapshot."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from kvalitetsvisaren.paths import ROOT
from kvalitetsvisaren.testing.serving import free_port, wait_until_answering


@pytest.mark.slow
def test_python_app_py_serves_the_snapshot():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(url + "/healthz", proc)
        home = requests.get(url + "/", timeout=10, allow_redirects=False)
        # / opens the overview of the default municipality for the latest year, as a full URL
        assert home.status_code == 302
        assert home.headers["Location"].endswith("/oversikt?kommun=0883&ar=2022")
        page = requests.get(url + "/oversikt?kommun=0883&ar=2022", timeout=5)
        assert page.status_code == 200 and "Kvalitetsvisaren" in page.text
        assert '<html lang="sv">' in page.text
        assert requests.get(url + "/_dash-layout", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


@pytest.mark.slow
def test_missing_data_dir_is_a_clear_error_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "app.py", "--data", str(tmp_path / "nope")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert str(tmp_path / "nope") in result.stderr
    assert "Traceback" not in result.stderr


def test_waiting_for_a_server_that_exits_fails_at_once_with_its_code_synthetic():
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    try:
        with pytest.raises(AssertionError, match="exited with code 3 before answering"):
            wait_until_answering(f"http://127.0.0.1:{free_port()}/", proc, seconds=60)
    finally:
        proc.wait(timeout=10)
