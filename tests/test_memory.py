"""What the server gives back to the system (kvalitetsvisaren/memory.py, issue 14): the
heap's free pages after each callback's answer is sent. How much that saves is measured by
benchmarks/bench_memory.py, not here."""

from __future__ import annotations

from kvalitetsvisaren import memory


def test_every_callback_answer_trims_the_heap_once_and_other_requests_do_not(session, monkeypatch):
    trims: list[int] = []
    monkeypatch.setattr(memory, "trim", lambda: trims.append(1))
    monkeypatch.setattr(memory, "give_back", lambda: None)  # a build's own trim, not counted
    posted: list[str] = []
    post = session.http.post
    monkeypatch.setattr(
        session.http, "post", lambda url, **kw: posted.append(url) or post(url, **kw)
    )
    view = session.view("/oversikt?kommun=2403&ar=2022")  # Bjurholm, the smallest
    assert (
        view.ok and len(posted) >= 2 and all(u.endswith("/_dash-update-component") for u in posted)
    )
    assert len(trims) == len(posted)  # the page, its layout and dependencies: none
    before = len(trims)
    assert session.http.client.get("/healthz").status_code == 200
    assert len(trims) == before


def test_trim_and_arena_limit_run_where_glibc_is_missing(monkeypatch):
    """On a system without glibc (musl, macOS) both are no-ops, not errors."""
    monkeypatch.setattr(memory, "_libc_function", lambda name: None)
    memory.trim()
    memory.limit_arenas()
