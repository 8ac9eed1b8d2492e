"""Every request answered: hostile URLs, downloads and callback bodies through the real Dash
endpoints of the app (Flask test client on the bundled snapshot). The answer is never a 500,
never empty, and is the view or the Swedish explanation; the boundary handles it, so the
last-resort handler (which logs an ERROR) is never what saved the answer."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.testing.dash_session import ClientSession, texts

EXPLANATION = "Sidan kunde inte visas"
CODES = ["0883", "0180", "1480", "0380", "2403", "0000", "0001", "9999", "²", "٠٨٨٣", "０８８３"]
values = st.one_of(
    st.sampled_from([*CODES, "2022", "2024", "1800", "202²", "liknande", "lan", "0180,0180",
                     "0180,0001", "V21E12398", "v21e12398", "hemtjanst", "grundskola", "U21468",
                     "", "<b>x</b>", "%00", "a&b=c"]),
    st.text(max_size=20),
    st.text(alphabet="0123456789", min_size=5, max_size=3000),
)  # fmt: skip
one_or_many = st.one_of(values.map(lambda v: [v]), st.lists(values, min_size=2, max_size=3))
queries = st.dictionaries(
    st.sampled_from(["kommun", "ar", "grupp", "enhet", "omrade", "utm_source", "area", "kpi"]),
    one_or_many,
    max_size=5,
)
segments = st.one_of(
    st.sampled_from(["hemtjanst", "grundskola", "U21468", "N15419", "egen", "x", ""]),
    st.text(max_size=30),
)
PAGES = ["/oversikt", "/omrade/{}", "/nyckeltal/{}", "/enheter/{}", "/lokalt/{}", "/ladda-upp"]


def target(page: str, segment: str, query: dict[str, list[str]]) -> str:
    path = page.format(quote(segment, safe="")) if "{}" in page else page
    pairs = [(k, v) for k, vs in query.items() for v in vs]
    return f"{path}?{urlencode(pairs)}"


def answers(view: Any) -> list[Any]:
    """The new children every content callback answered with."""
    return [
        value
        for response in view.callbacks.values()
        for props in (response or {}).values()
        for value in props.values()
    ]


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(page=st.sampled_from(PAGES), segment=segments, query=queries)
def test_any_page_url_answers_with_the_view_or_the_explanation(
    session, errors, page, segment, query
):
    view = session.view(target(page, segment, query))
    statuses = {h.kind: h.status for h in view.hits}
    assert statuses["page"] in (200, 400, 404)
    # 204: a hidden part of an explanation page has nothing to show (PreventUpdate)
    assert all(h.status in (200, 204) for h in view.hits if h.kind in ("pages", "callback"))
    shown = texts(view.content) + " " + texts(answers(view))
    assert "Kvalitetsvisaren" in shown  # the header: never a blank page
    explained = EXPLANATION in shown
    assert explained == (statuses["page"] != 200)  # the HTTP status says what the page says
    if not explained and page != "/ladda-upp":
        headings = [a for a in answers(view) if "H1" in json.dumps(a)]
        assert headings, "a view without a heading"
    assert errors() == []


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.one_of(
        st.sampled_from(["spridning", "grupp", "utveckling", "kon", "matt", "enheter", "enhet",
                         "lokal-utveckling", "en-sida"]),
        st.text(max_size=10),
    ),
    query=queries,
    fmt=st.one_of(st.none(), st.sampled_from(["csv", "txt", "xlsx", "gif", "", "csv,txt"])),
)  # fmt: skip
def test_any_download_request_answers_with_the_file_or_a_swedish_text(
    dash_app, errors, kind, query, fmt
):
    if fmt is not None:
        query = {**query, "format": [fmt]}
    pairs = [(k, v) for k, vs in query.items() for v in vs]
    response = dash_app.server.test_client().get(  # "//" is redirected to "/" (308)
        f"/export/{quote(kind, safe='')}?{urlencode(pairs)}", follow_redirects=True
    )
    assert response.status_code in (200, 400, 404)
    assert response.data
    text = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
    if response.mimetype == "text/html":  # not an export path at all (e.g. "/export/a/b")
        assert response.status_code == 404 and 'lang="sv"' in text
    elif response.status_code != 200:
        assert text.startswith("Kvalitetsvisaren: ") and "Du kan gå vidare härifrån" in text
    assert errors() == []


@pytest.mark.parametrize(
    "url",
    [
        "/export/en-sida?area=hemtjanst&kommun=0883&ar=1800",
        "/export/spridning?kpi=U21468&kommun=0883&ar=2100&format=csv",
        "/export/enheter?area=hemtjanst&kpi=N21496&kommun=0883&ar=2022&format=csv",
        "/export/spridning?kpi=U21468&kommun=0883&kommun=0180&format=csv",
    ],
)
def test_a_download_for_a_year_the_page_does_not_offer_is_refused(dash_app, url):
    response = dash_app.server.test_client().get(url)
    assert response.status_code in (400, 404)
    assert "Kvalitetsvisaren: " in response.get_data(as_text=True)


def test_a_download_of_a_unit_chart_is_checked_against_unit_years(dash_app):
    client = dash_app.server.test_client()
    good = client.get("/export/enheter?area=hemtjanst&kpi=N21496&kommun=0883&ar=2024&format=csv")
    assert good.status_code == 200 and good.mimetype == "text/csv"


def _nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    # a named function: hypothesis' check that a multi-line lambda uses its argument reads
    # the source and misjudged it in some runs (a deprecation warning, an error here)
    return st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    )


bodies = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    _nested,
    max_leaves=10,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=bodies)
def test_a_malformed_callback_body_is_refused_without_a_traceback(dash_app, errors, body):
    response = dash_app.server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert errors() == []


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_real_callback_with_hostile_values_answers_200(dash_app, errors, data):
    """The shape of one of the app's callbacks, with anything as its input and state values:
    answered (or refused as a bad request), never a 500, and never by the last resort."""
    callbacks = {k: v for k, v in dash_app.callback_map.items() if "callback" in v}
    output = data.draw(st.sampled_from(sorted(callbacks)))
    spec = callbacks[output]
    # a pattern-matching id as a browser sends it: one concrete value for MATCH ({"chart":
    # MATCH, ...}); for ALL ({"ou": ALL, ...}) a list of the components it matches, each with
    # a concrete value
    match = data.draw(st.one_of(st.text(max_size=10), st.integers()))
    matched = data.draw(st.lists(st.one_of(st.text(max_size=14), st.integers()), max_size=3))

    def concrete(component_id: str, value: Any = None) -> Any:
        if not component_id.startswith("{"):
            return component_id
        pattern = json.loads(component_id)
        return {k: (value if v == ["ALL"] else match) if isinstance(v, list) else v
                for k, v in pattern.items()}  # fmt: skip

    def is_all(component_id: str) -> bool:
        return component_id.startswith("{") and ["ALL"] in json.loads(component_id).values()

    def filled(items: list[dict]) -> list:
        return [
            [{**item, "id": concrete(item["id"], m), "value": data.draw(bodies)} for m in matched]
            if is_all(item["id"])
            else {**item, "id": concrete(item["id"]), "value": data.draw(bodies)}
            for item in items
        ]

    def output_of(component_id: str, prop: str) -> Any:
        if is_all(component_id):
            return [{"id": concrete(component_id, m), "property": prop} for m in matched]
        return {"id": concrete(component_id), "property": prop}

    body = {
        "output": output,
        "outputs": [
            output_of(component_id, prop)
            for component_id, prop in (
                o.rsplit(".", 1) for o in output.removeprefix("..").removesuffix("..").split("...")
            )
        ],
        "inputs": filled(spec["inputs"]),
        "state": filled(spec.get("state", [])),
        "changedPropIds": [],
    }
    if not output.startswith(".."):
        body["outputs"] = body["outputs"][0]
    response = dash_app.server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204, 400), response.get_data(as_text=True)[:300]
    if response.status_code == 400:  # refused before Dash (e.g. the router's location as text)
        assert response.get_json()["error"].startswith("Ogiltig begäran")
    assert errors() == []


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/oversikt?kommun=0883&ar=2022", 200),
        ("/finns-inte", 404),
        ("/favicon.ico", 404),
        ("/omrade/fritidshem?kommun=0883", 404),
        ("/oversikt?kommun=9999", 404),
        ("/oversikt?kommun=%C2%B2", 400),
        ("/oversikt?kommun=0883&kommun=0180", 400),
        ("/enheter/hemtjanst?kommun=0883&enhet=v21e12398", 200),
        ("/ladda-upp?kommun=9999", 200),
    ],
)
def test_a_page_answers_with_the_status_its_url_earns(dash_app, url, status):
    response = dash_app.server.test_client().get(url)
    assert response.status_code == status
    assert 'lang="sv"' in response.get_data(as_text=True)  # still the app, which explains


@pytest.mark.slow
def test_synthetic_store_without_unit_values_still_serves_every_level(dash_app, service):
    """A sync may bring no unit data at all: the unit pages say so, nothing breaks."""
    from kvalitetsvisaren.data.store import make_store
    from kvalitetsvisaren.service.facade import IndicatorService
    from kvalitetsvisaren.web import runtime

    store = service.store
    # A sync publishes a new version: the answers kept for the full store must not be served.
    meta = {**store.meta, "version": "synthetic-without-unit-values"}
    bare = make_store({**store.tables(), "ou_values": store.ou_values.iloc[0:0]}, meta)
    original = runtime.get_runtime()
    assert ClientSession(dash_app.server.test_client()).view("/enheter/hemtjanst?kommun=0883").ok
    svc = IndicatorService(bare, service.config)
    runtime.install(runtime.Runtime(svc, service.config))
    try:
        session = ClientSession(dash_app.server.test_client())
        for target in ("/enheter/hemtjanst?kommun=0883", "/enheter/grundskola?kommun=0180&ar=2022",
                       "/oversikt?kommun=2403"):  # fmt: skip
            view = session.view(target)
            assert view.ok, view.hits
            shown = texts(answers(view))
            assert EXPLANATION not in shown
        assert "Kolada har inga uppgifter per enhet" in shown or "Kvalitet i Bjurholm" in shown
        units = session.view("/enheter/hemtjanst?kommun=0883")
        assert "Kolada har inga uppgifter per enhet" in texts(answers(units))
    finally:
        runtime.install(original)


@pytest.mark.parametrize("path", ["/export/%0A/", "/oversikt%0A", "/nyckeltal/U21468%0A", "/%0A"])
def test_a_path_no_route_takes_gets_the_swedish_page_not_werkzeugs_404(dash_app, path):
    # found by hypothesis: Dash's catch-all route cannot take a newline in the path
    response = dash_app.server.test_client().get(path, follow_redirects=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert '<html lang="sv">' in response.get_data(as_text=True)


def test_a_missing_asset_keeps_its_plain_404(dash_app):
    response = dash_app.server.test_client().get("/assets/finns-inte.js")
    assert response.status_code == 404 and 'lang="sv"' not in response.get_data(as_text=True)
