"""Issue 17: the embeddable views /inbaddning/oversikt and /inbaddning/omrade/<area>, through
the real Dash endpoints (Flask test client on the bundled snapshot). They read their URL as
the full views do (the same Swedish explanation and status), show no header or pickers, link
to the full view, keep inside the frame only links to embeddable views, and only they may be
framed by the configured sites. Expected colours come from the ranking module on the raw
snapshot, names from the store's municipality table."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_requests import answers, queries, segments, target

from kvalitetsvisaren.analysis.ranking import measure_quartiles, quartiles_with_scores
from kvalitetsvisaren.testing.dash_session import texts, walk
from kvalitetsvisaren.web import security

EXPLANATION = "Sidan kunde inte visas"
MORE = "Se mer i Kvalitetsvisaren"
PAIRS = [("/oversikt", "/inbaddning/oversikt"), ("/omrade/{}", "/inbaddning/omrade/{}")]


def components(view) -> list[dict]:
    return [*walk(view.content), *walk(answers(view))]


def message(view) -> str | None:
    found = [
        texts(c["props"].get("children"))
        for c in components(view)
        if c["props"].get("className") == "explanation-message"
    ]
    return found[0] if found else None


def status(view) -> int:
    return next(h.status for h in view.hits if h.kind == "page")


def links(view) -> list[dict]:
    return [c for c in components(view) if c.get("type") in ("A", "Link")]


def name_of(service, code: str) -> str:
    m = service.store.municipalities
    return str(m.loc[m["id"].astype(str) == code, "title"].iloc[0])


@pytest.mark.parametrize("code", ["0180", "1480", "2403", "0883"])
def test_the_embedded_overview_is_the_overview_without_header(session, service, code):
    view = session.view(f"/inbaddning/oversikt?kommun={code}&ar=2022")
    assert status(view) == 200
    shown = texts(view.content) + " " + texts(answers(view))
    assert f"Kvalitet i {name_of(service, code)} 2022" in shown
    ids = {c["props"].get("id") for c in components(view)}
    assert not ids & {"nav-kommun", "nav-ar", "nav-state"}  # no pickers
    assert not [c for c in components(view) if c["props"].get("className") == "site-header"]
    more = [a for a in links(view) if MORE in texts(a["props"]["children"])]
    assert [a["props"]["href"] for a in more] == [f"/oversikt?kommun={code}&ar=2022"]
    assert more[0]["props"]["target"] == "_blank"
    assert "Källa: Kolada" in shown  # the source line and the data's vintage
    assert service.store.vintage("values")[:10] in shown


def test_embedded_tiles_have_the_ranking_modules_colours(session, service):
    store, config = service.store, service.config
    scores = quartiles_with_scores(store.values, store.municipalities, service.directions)
    measures = {
        f"{a.id}/{m.id}": m.kpis for a in config.areas for m in a.measures if m.kind == "quality"
    }
    expected = measure_quartiles(scores, measures, service.directions)
    expected = expected[
        (expected["municipality_id"].astype(str) == "0883") & (expected["year"] == 2022)
    ]
    want = dict(zip(expected["measure"], expected["colour"].astype(str), strict=True))
    view = session.view("/inbaddning/oversikt?kommun=0883&ar=2022")
    tiles = [
        (area["props"]["data-area"], tile)
        for area in components(view)
        if "data-area" in area["props"]
        for tile in walk(area["props"]["children"])
        if "data-quartile" in tile["props"] and "tile" in tile["props"].get("className", "")
    ]
    quality = [(a, t) for a, t in tiles if t["props"]["data-quartile"] != "neutral"]
    assert len(quality) == sum(1 for a in config.areas for m in a.measures if m.kind == "quality")
    for area, tile in quality:
        measure = tile["props"]["data-measure"]
        assert tile["props"]["data-quartile"] == want.get(f"{area}/{measure}", "grey")
        badge = next(c for c in walk(tile["props"]["children"]) if "badge" in str(c["props"]))
        icon, word = texts(badge["props"]["children"]).split(" ", 1)
        assert icon in "▲■▼○" and word  # colour never alone: icon and word


def test_links_stay_in_the_frame_only_to_embeddable_views(session):
    view = session.view("/inbaddning/oversikt?kommun=0883&ar=2022")
    hrefs = []
    for link in links(view):
        href = link["props"].get("href", "")
        hrefs.append(href)
        if link["type"] == "Link":  # a link the app follows inside the frame
            assert href.startswith("/inbaddning/"), href
        elif not href.startswith(("/export/", "#")):
            assert link["props"].get("target") == "_blank", href
    assert not [h for h in hrefs if h.startswith("/ladda-upp")]
    tile = next(h for h in hrefs if h.startswith("/inbaddning/omrade/hemtjanst?"))
    assert parse_qs(urlsplit(tile).query) == {"kommun": ["0883"], "ar": ["2022"]}


@pytest.mark.parametrize("code", ["0180", "1480", "2403", "0883"])
def test_the_embedded_area_is_the_area_without_header(session, service, code):
    view = session.view(f"/inbaddning/omrade/grundskola?kommun={code}&ar=2022")
    assert status(view) == 200
    label = service.config.area("grundskola").label
    assert f"{label} i {name_of(service, code)} 2022" in texts(answers(view))
    more = [a for a in links(view) if MORE in texts(a["props"]["children"])]
    assert [a["props"]["href"] for a in more] == [f"/omrade/grundskola?kommun={code}&ar=2022"]
    rows = [c for c in components(view) if "data-kpi" in c["props"]]
    assert rows and all(r["props"]["data-quartile"] for r in rows)


@pytest.mark.parametrize(
    ("query", "segment", "expected"),
    [
        ("kommun=9999&ar=2022", "hemtjanst", 404),
        ("kommun=0883&ar=1999", "hemtjanst", 404),
        ("kommun=0883&ar=20x2", "hemtjanst", 400),
        ("kommun=0883&kommun=0180", "hemtjanst", 400),
        ("kommun=%D9%A0%D9%A8%D9%A8%D9%A3", "hemtjanst", 400),
        ("kommun=0883&ar=2022", "inget-omrade", 404),
    ],
)
def test_a_bad_embed_url_gets_the_full_views_explanation_and_status(
    session, query, segment, expected
):
    for full, embedded in PAIRS:
        if "{}" not in full and segment != "hemtjanst":
            continue
        got = session.view(embedded.format(segment) + "?" + query)
        wanted = session.view(full.format(segment) + "?" + query)
        assert status(got) == status(wanted) == expected
        assert message(got) == message(wanted) and message(got)
        assert MORE not in texts(got.content)
        # its ways on are embedded views too (they open in the frame)
        inside = [a["props"]["href"] for a in links(got) if a["type"] == "Link"]
        assert inside and all(h.startswith("/inbaddning/") for h in inside)


@pytest.mark.slow
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(page=st.sampled_from(PAIRS), segment=segments, query=queries)
def test_any_embed_url_answers_as_its_full_view(session, errors, page, segment, query):
    full, embedded = page
    got = session.view(target(embedded, segment, query))
    wanted = session.view(target(full, segment, query))
    assert status(got) == status(wanted) and status(got) in (200, 400, 404)
    assert all(h.status in (200, 204) for h in got.hits if h.kind in ("pages", "callback"))
    shown = texts(got.content) + " " + texts(answers(got))
    assert (EXPLANATION in shown) == (status(got) != 200)
    assert message(got) == message(wanted)
    assert (MORE in shown) == (status(got) == 200)
    assert errors() == []


def test_only_embeddable_views_may_be_framed_by_the_configured_sites():
    policies = ["frame-ancestors 'self'", "frame-ancestors 'self' https://www.vastervik.se"]
    for path in ["/inbaddning/oversikt", "/inbaddning/omrade/hemtjanst", "/inbaddning/omrade/x"]:
        assert security.pick(policies, path) == [policies[1]], path
    for path in ["/oversikt", "/omrade/hemtjanst", "/ladda-upp", "/inbaddning", "/inbaddning/x",
                 "/_dash-layout", "/healthz", "/export/en-sida"]:  # fmt: skip
        assert security.pick(policies, path) == [policies[0]], path
    assert security.pick([], "/inbaddning/oversikt") == []  # (before Dash is set up)
    assert security.not_embedded("'self' https://www.vastervik.se") == "'self'"
    assert security.not_embedded("https://www.vastervik.se") == "'self'"
    assert security.not_embedded("'none'") == "'none'"


def test_the_embed_pages_carry_the_security_headers(dash_app):
    response = dash_app.server.test_client().get("/inbaddning/oversikt?kommun=0883&ar=2022")
    assert response.status_code == 200
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
