"""Saving an upload: who may (upload_auth), that no answer about it ever comes from the
response cache, and that an oversized request is refused before anything reads it. Through
the real callback endpoint of the session app, with a synthetic own-measures file."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.local.own_rules import MAX_REQUEST_BYTES
from kvalitetsvisaren.web import ids, runtime
from kvalitetsvisaren.web.factory import CACHE
from kvalitetsvisaren.web.upload_auth import SaveRequest, not_from_this_computer, refusal

GOOD_FILE = (
    "matt_id;namn;omrade;kommun;enhet;ar;varde;hogre_ar_battre;svarande;matt_enhet\n"
    "vakt-nojd;Nöjd (vakttest);hemtjanst;0883;;2022;80;ja;100;%\n"
)
LOCAL = {"peer": "127.0.0.1", "port": "8050"}
OWN_HEADERS = {"Host": "127.0.0.1:8050", "Origin": "http://127.0.0.1:8050"}


def request(peer: str = "127.0.0.1", port: str = "8050", **headers: str) -> SaveRequest:
    return SaveRequest(peer, port, {**OWN_HEADERS, **headers})


def test_the_app_itself_from_this_computer_may_save_without_a_key():
    assert not_from_this_computer(request()) is None
    localhost = {"Host": "localhost:8050", "Origin": "http://localhost:8050"}
    assert not_from_this_computer(SaveRequest("::1", "8050", localhost)) is None


@pytest.mark.parametrize(
    ("saving", "why"),
    [
        (request(peer="10.0.0.7"), "annan dator"),
        (request(**{"X-Forwarded-For": "203.0.113.9"}), "proxy (X-Forwarded-For)"),
        (request(Forwarded="for=203.0.113.9"), "proxy (Forwarded)"),
        (request(Host="evil.example:8050", Origin="http://evil.example:8050"), "adressen"),
        (request(Host="127.0.0.1:9999", Origin="http://127.0.0.1:9999"), "adressen"),
        (request(Origin="http://evil.example"), "sidan som skickade"),
        (SaveRequest("127.0.0.1", "8050", {"Host": "127.0.0.1:8050"}), "sidan som skickade"),
    ],
)
def test_a_request_that_may_not_come_from_this_computer_is_refused(saving, why):
    assert why in (not_from_this_computer(saving) or "")
    message = refusal(saving, has_folder=True, upload_key=None, open_upload=True, key=None)
    assert message and "KVALITETSVISAREN_UPLOAD_KEY" in message


headers = st.dictionaries(
    st.sampled_from(["Host", "Origin", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip"]),
    st.one_of(st.sampled_from(["127.0.0.1:8050", "http://127.0.0.1:8050", "evil:8050"]), st.text()),
)


@settings(max_examples=300)
@given(peer=st.one_of(st.sampled_from(["127.0.0.1", "::1", "10.1.1.1"]), st.text()), h=headers)
def test_keyless_saving_needs_every_sign_of_this_computer(peer, h):
    allowed = not_from_this_computer(SaveRequest(peer, "8050", h)) is None
    expected = (
        peer in ("127.0.0.1", "::1", "::ffff:127.0.0.1")
        and not {"X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip"} & h.keys()
        and h.get("Host") in ("127.0.0.1:8050", "localhost:8050", "[::1]:8050")
        and h.get("Origin") == f"http://{h.get('Host')}"
    )
    assert allowed == expected


def test_a_key_decides_when_one_is_set():
    saving = request(peer="10.0.0.7")  # from anywhere: the key is what counts
    ask = {"has_folder": True, "upload_key": "hemlig", "open_upload": False}
    assert refusal(saving, **ask, key="hemlig") is None
    assert "Fel uppladdningsnyckel" in refusal(saving, **ask, key="fel")
    assert "Fel uppladdningsnyckel" in refusal(saving, **ask, key=["hemlig"])  # not text
    closed = refusal(request(), has_folder=True, upload_key=None, open_upload=False, key=None)
    assert "avstängt" in closed


# --- through the endpoint ----------------------------------------------------------------------


@pytest.fixture
def keyless(dash_app, service, tmp_path):
    """The session app saving into a fresh folder without a key (as `python app.py`)."""
    original = runtime.get_runtime()
    folder = tmp_path / "local"
    runtime.install(runtime.Runtime(service, service.config, local_path=folder, open_upload=True))
    yield folder
    runtime.install(original)


def save_body(content: str, name: str = "vakt.csv") -> dict:
    data = "data:text/csv;base64," + base64.b64encode(content.encode()).decode()
    return {
        "output": f"{ids.UPLOAD_RESULT}.children",
        "outputs": {"id": ids.UPLOAD_RESULT, "property": "children"},
        "inputs": [
            {
                "id": ids.UPLOAD_FILE,
                "property": "data",
                "value": {"contents": data, "filename": name},
            },
            {"id": ids.UPLOAD_SAVE, "property": "n_clicks", "value": 1},
        ],
        "state": [{"id": ids.UPLOAD_KEY, "property": "value", "value": ""}],
        "changedPropIds": [f"{ids.UPLOAD_SAVE}.n_clicks"],
    }


def said(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def post(dash_app, body: dict, **headers: str):
    client = dash_app.server.test_client()
    return client.post(
        "/_dash-update-component",
        base_url="http://127.0.0.1:8050",  # the app listening on this computer, port 8050
        json=body,
        headers={**OWN_HEADERS, **headers},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )


def test_keyless_saving_through_the_endpoint_checks_host_and_origin(dash_app, keyless):
    rebinding = post(dash_app, save_body(GOOD_FILE), Host="evil.example:8050",
                     Origin="http://evil.example:8050")  # fmt: skip
    assert "Filen sparades inte" in said(rebinding)
    proxied = post(dash_app, save_body(GOOD_FILE), **{"X-Forwarded-For": "203.0.113.9"})
    assert "Filen sparades inte" in said(proxied)
    assert not (keyless / "vakt.csv").exists()
    saved = post(dash_app, save_body(GOOD_FILE))
    assert "Filen är sparad" in said(saved) and (keyless / "vakt.csv").exists()


def test_a_save_is_never_answered_from_the_cache(dash_app, keyless):
    body = save_body(GOOD_FILE)
    assert "Filen är sparad" in said(post(dash_app, body))
    (keyless / "vakt.csv").unlink()
    runtime.get_runtime().reload_local()  # the folder is as it was before the save
    hits = CACHE.hits
    again = said(post(dash_app, body))
    assert "Filen är sparad" in again and (keyless / "vakt.csv").exists()  # written again
    assert CACHE.hits == hits


def test_a_request_over_the_limit_is_refused_before_it_is_read(dash_app, keyless):
    huge = b'{"output": "' + b"x" * MAX_REQUEST_BYTES + b'"}'
    response = dash_app.server.test_client().post(
        "/_dash-update-component", data=huge, content_type="application/json"
    )
    assert response.status_code == 413


def test_the_upload_page_tells_in_the_browser_why_a_big_file_is_refused(dash_app):
    """The size check runs in the browser (a clientside callback) before anything is sent."""
    from kvalitetsvisaren.local.own_rules import MAX_BYTES

    page = dash_app.server.test_client().get("/_dash-dependencies").get_json()
    upload = [d for d in page if ids.UPLOAD_FILE in d["output"]]
    assert upload and upload[0]["clientside_function"]
    index = dash_app.server.test_client().get("/ladda-upp").get_data(as_text=True)
    assert str(MAX_BYTES) in index  # the limit, in the inline function the browser runs
