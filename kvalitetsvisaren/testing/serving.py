"""Servers the tests start: a free port for one, and waiting until it answers, on a deadline."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import requests


def free_port() -> int:
    """A loopback port no one listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(
    url: str, proc: subprocess.Popen, seconds: float = 120.0, log: Path | None = None
) -> None:
    """Return once `url` answers (any status). Start-up takes 2 s on a quiet machine and many
    times that on a busy CI runner, so this waits on the answer, up to `seconds`; a process
    that exits first, or the deadline, fails the test with what happened (and `log`, the
    process's output, when it has one)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"the server exited with code {proc.returncode} before answering{_tail(log)}"
            )
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
        except requests.Timeout:
            pass  # listening, but too busy to answer within 2 s: ask again
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s{_tail(log)}")


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text(errors='replace')[-4000:]}" if log else ""
