"""What the server gives back to the system (kvalitetsvisaren/memory.py, issue 14): the
heap's free pages once no callback is in flight, never inside a request's own time. How much
that saves is measured by benchmarks/bench_memory.py, and what a trim under load cost by
benchmarks/bench_load.py, not here."""

from __future__ import annotations

import threading
import time

from kvalitetsvisaren import memory
from kvalitetsvisaren.web import factory


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def trimmer(delay: float = 0.05) -> tuple[memory.IdleTrimmer, list[float]]:
    trims: list[float] = []
    return memory.IdleTrimmer(delay, trim=lambda: trims.append(time.monotonic())), trims


def test_no_trim_while_a_request_is_in_flight_and_one_once_idle():
    idle, trims = trimmer()
    idle.enter()
    idle.enter()
    idle.leave()  # one of two done: still busy
    time.sleep(0.3)  # six delays
    assert trims == []
    idle.leave()
    done = time.monotonic()
    assert wait_until(lambda: len(trims) == 1)
    assert trims[0] - done >= idle.delay  # only after a whole quiet delay
    time.sleep(0.3)
    assert len(trims) == 1  # idle stays idle: nothing more to give back


def test_steady_requests_put_the_trim_off_until_they_stop():
    idle, trims = trimmer(delay=0.2)
    stop = time.monotonic() + 1.0
    while time.monotonic() < stop:  # a request every 20 ms for a second: never 0.2 s quiet
        idle.enter()
        time.sleep(0.01)
        idle.leave()
        time.sleep(0.01)
    assert trims == []
    assert wait_until(lambda: len(trims) == 1)


def test_concurrent_requests_trim_only_after_the_last_has_left():
    idle, trims = trimmer()
    release = threading.Event()
    left: list[float] = []

    def request(hold: float) -> None:
        idle.enter()
        release.wait()
        time.sleep(hold)
        left.append(time.monotonic())
        idle.leave()

    threads = [threading.Thread(target=request, args=(0.05 * i,)) for i in range(4)]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join()
    assert wait_until(lambda: len(trims) == 1)
    assert trims[0] - max(left) >= idle.delay


def test_callbacks_of_the_app_trim_when_done_and_other_requests_do_not(session, monkeypatch):
    idle, trims = trimmer()
    monkeypatch.setattr(factory, "TRIMMER", idle)
    factory.CACHE.clear()  # answers kept from other tests would not run their callbacks
    monkeypatch.setattr(memory, "give_back", lambda: None)  # a build's own trim, not counted
    assert session.http.client.get("/healthz").status_code == 200
    time.sleep(0.2)
    assert trims == []  # not a callback: nothing to trim for
    view = session.view("/oversikt?kommun=2403&ar=2022")  # Bjurholm, the smallest
    assert view.ok and sum(h.kind in ("callback", "pages") for h in view.hits) >= 2
    assert wait_until(lambda: len(trims) >= 1)


def test_trim_and_arena_limit_run_where_glibc_is_missing(monkeypatch):
    """On a system without glibc (musl, macOS) both are no-ops, not errors."""
    monkeypatch.setattr(memory, "_libc_function", lambda name: None)
    memory.trim()
    memory.limit_arenas()
