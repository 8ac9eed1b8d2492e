"""Shared by the benchmarks that print today's figures beside a baseline's in one run (this
machine is noisy: two runs an hour apart are not comparable, two servers side by side are).

`checkout(ref)` puts the code of a git commit in a temporary worktree; `serve(tree, ...)` starts
that tree's `python app.py` (or `serve --prod`) on a free port, importing the tree's own code;
`rss_mb(pid)` reads a process's resident memory (with its children: gunicorn workers).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from kvalitetsvisaren.paths import ROOT

# main when issues 11-17 were filed: what "today" means in their goals.
DEFAULT_BASELINE = "df8b758"


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The repository at `ref` in a temporary worktree (the data snapshot included)."""
    tree = Path(tempfile.mkdtemp(prefix="kv-baseline-"))
    tree.rmdir()
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(tree), ref], cwd=ROOT, check=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_env(tree: Path) -> dict[str, str]:
    """An environment in which `import kvalitetsvisaren` finds the tree's own code."""
    return {**os.environ, "PYTHONPATH": str(tree)}


@contextlib.contextmanager
def serve(tree: Path, *args: str, wait: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """The tree's dashboard on a free loopback port: (origin, process)."""
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"kv-bench-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), *args],
            cwd=tree,
            env=tree_env(tree),
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                if requests.get(origin + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{tree}: the app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield origin, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def idle_settle(seconds: float = 1.0) -> None:
    """Before reading a server's memory after the last view: our servers give the heap back
    once idle for 0.2 s (memory.IdleTrimmer); what a reader's server holds is read after."""
    time.sleep(seconds)


def rss_mb(pid: int, *, children: bool = True) -> float:
    """Resident memory of a process and (unless children=False) all its descendants, in MB
    (from /proc)."""
    pids = [pid, *_descendants(pid)] if children else [pid]
    return sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids) / 1024


def worker_rss_mb(pid: int) -> list[float]:
    """Resident memory of each child (gunicorn worker) of `pid`, in MB."""
    return [rss_mb(child) for child in _children(pid)]


def private_mb(pid: int) -> list[float]:
    """Memory of each child of `pid` that it shares with nobody (copied on write after the
    fork, or its own), in MB."""
    return [
        sum(_kb(f"/proc/{c}/smaps_rollup", f) for f in ("Private_Clean:", "Private_Dirty:")) / 1024
        for c in _children(pid)
    ]


def _kb(file: str, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(file).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out
