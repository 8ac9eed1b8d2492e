"""KoladaClient over real loopback HTTP against the stand-in serving the bundled real snapshot.

Expected frames are the snapshot's own tables filtered with pandas, never the client's output.
Faults are injected by the stand-in (the data stays real); the "_synthetic" tests use the
stand-in's synthetic store for edge cases the real data does not have.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.kolada import (
    KoladaClient,
    KoladaConnectionError,
    KoladaHTTPError,
    KoladaLimitError,
    KoladaNotFoundError,
    KoladaResponseError,
    KoladaTimeoutError,
)
from kvalitetsvisaren.kolada.queries import request_floor
from kvalitetsvisaren.testing.quirks import Quirks
from kvalitetsvisaren.testing.standin import StandinServer
from kvalitetsvisaren.testing.synthetic import synthetic_store

YEARS = list(range(2013, 2023))
KEYS = ["kpi", "municipality_id", "year", "gender"]
OU_KEYS = ["kpi", "ou_id", "year", "gender"]


@pytest.fixture(scope="module")
def store(standin_server):
    return standin_server.store


@pytest.fixture
def client(standin):
    with KoladaClient(
        standin.base_url, backoff_factor=0.01, max_retry_after=2, timeout=5, rate_limit=0
    ) as c:
        yield c


def truth(frame, keys, kpis, where=None, places=None, years=None):
    f = frame[frame["kpi"].isin(kpis)]
    if places is not None:
        f = f[f[where].isin(places)]
    if years is not None:
        f = f[f["year"].isin(years)]
    return f.sort_values(keys, ignore_index=True)


def data_requests(server):
    return [r for r in server.requests if "/data" in r.path]


def national_kpis(store, n=30):
    """n KPIs of the snapshot with national values (config order is irrelevant here)."""
    return sorted(store.values["kpi"].unique())[:n]


def pages_asked(server):
    """{query path: sorted page numbers asked for}, from the stand-in's request log."""
    asked: dict[str, list[int]] = {}
    for r in data_requests(server):
        parts = urlsplit(unquote(r.path))
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        asked.setdefault(parts.path, []).append(page)
    return {path: sorted(pages) for path, pages in asked.items()}


def store_items(store, path):
    """Items (kpi, place, year) the store has for a data path like /v3/data/kpi/A,B/year/Y."""
    dims = path.split("/v3/", 1)[1].split("/")
    frame, where = (
        (store.ou_values, "ou_id") if dims[0] == "oudata" else (store.values, "municipality_id")
    )
    wanted = dict(zip(dims[1::2], (seg.split(",") for seg in dims[2::2]), strict=True))
    f = frame[frame["kpi"].isin(wanted["kpi"])]
    for dim, col in (("municipality", where), ("ou", where)):
        if dim in wanted:
            f = f[f[col].isin(wanted[dim])]
    if "year" in wanted:
        f = f[f["year"].isin([int(y) for y in wanted["year"]])]
    return len(f.drop_duplicates(["kpi", where, "year"]))


def assert_only_pages_that_exist(server, store, per_page):
    """Every query's pages 1..n asked exactly once, n = the pages its items fill (at least
    one): no page past the end, none twice, none left out."""
    asked = pages_asked(server)
    assert asked
    for path, pages in asked.items():
        n = max(1, math.ceil(store_items(store, path) / per_page))
        assert pages == list(range(1, n + 1)), path


@pytest.mark.slow
def test_all_municipalities_30_kpis_10_years_exact_and_near_the_request_floor(
    client, standin, store
):
    kpis = national_kpis(store)
    got = client.get_values(kpis, None, YEARS)
    expected = truth(store.values, KEYS, kpis, years=YEARS)
    pd.testing.assert_frame_equal(got, expected)
    items = expected.drop_duplicates(["kpi", "municipality_id", "year"])
    floor = request_floor(len(items), 2)  # 30 KPIs need two segments at least
    made = len(data_requests(standin))
    assert made <= 1.25 * floor, (made, floor)
    assert_only_pages_that_exist(standin, store, 5000)
    assert all(r.status == 200 for r in standin.requests)


def test_explicit_municipalities_are_chunked_25_per_segment(client, standin, store):
    kommuner = sorted(store.municipalities.query("type == 'K'")["id"])[:30]
    kpis = ["U21468", "U23471", "N15419"]
    got = client.get_values(kpis, kommuner, [2020, 2022])
    pd.testing.assert_frame_equal(
        got, truth(store.values, KEYS, kpis, "municipality_id", kommuner, [2020, 2022])
    )
    paths = {unquote(r.path).split("?")[0] for r in data_requests(standin)}
    segments = [p.split("/municipality/")[1].split("/")[0].split(",") for p in paths]
    assert sorted(len(s) for s in segments) == [15, 15]  # balanced, never more than 25


def test_one_municipality_every_year(client, store):
    got = client.get_values("U21468", "0883")
    pd.testing.assert_frame_equal(
        got, truth(store.values, KEYS, ["U21468"], "municipality_id", ["0883"])
    )
    assert got["year"].min() == 2012 and (got["gender"] == "K").any()


def test_no_municipalities_and_no_years_means_everything(client, store):
    got = client.get_values(["U21401"])
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, ["U21401"]))


def test_small_pages_are_fetched_each_once_complete_and_without_waste(standin, store):
    kpis = national_kpis(store, 4)
    years = [2019, 2020, 2022]
    with KoladaClient(standin.base_url, per_page=500, rate_limit=0) as c:
        got = c.get_values(kpis, None, years)
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, kpis, years=years))
    assert_only_pages_that_exist(standin, store, 500)
    assert len(data_requests(standin)) > 5


@pytest.mark.slow
def test_concurrency_is_bounded_and_used(standin, store):
    standin.latency = 0.1
    active, peak, lock = [0], [0], threading.Lock()

    class CountingSession(requests.Session):
        def get(self, *args, **kwargs):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            try:
                return super().get(*args, **kwargs)
            finally:
                with lock:
                    active[0] -= 1

    with KoladaClient(
        standin.base_url, concurrency=3, per_page=3000, rate_limit=0, session=CountingSession()
    ) as c:
        c.get_values(national_kpis(store, 30), None, YEARS)  # five chunks of 6 KPIs
    assert peak[0] == 3


def test_rate_limit_spaces_request_starts(standin):
    starts = []

    class StampingSession(requests.Session):
        def get(self, *args, **kwargs):
            starts.append(time.monotonic())
            return super().get(*args, **kwargs)

    with KoladaClient(
        standin.base_url, per_page=100, rate_limit=10, session=StampingSession()
    ) as c:
        before = time.monotonic()
        c.get_values(["U21468"], None, [2020, 2022])
    # The k-th start is no earlier than k/10 s after the call began. (Gaps between two stamps
    # can be shorter on a busy machine: a thread may stamp late after its permitted start.)
    assert len(starts) >= 5
    for k, start in enumerate(sorted(starts)):
        assert start - before >= k * 0.1 - 0.005, (k, start - before)


def test_unit_values_nationally_and_for_given_units(client, store):
    got = client.get_ou_values(["N21496", "N23391"], None, [2024])
    pd.testing.assert_frame_equal(got, truth(store.ou_values, OU_KEYS, ["N21496", "N23391"]))
    units = sorted(store.ous.query("municipality_id == '0883'")["id"])
    got = client.get_ou_values(["N15419", "N21496"], units, [2023, 2024])
    expected = truth(store.ou_values, OU_KEYS, ["N15419", "N21496"], "ou_id", units, [2023, 2024])
    assert len(expected) > 20
    pd.testing.assert_frame_equal(got, expected)


def test_metadata(client, standin, store):
    municipalities = client.get_municipalities()
    assert len(municipalities) == 312 and (municipalities["type"] == "K").sum() == 290
    ids = sorted(store.kpis["id"])[:30]
    kpis = client.get_kpis(ids)
    pd.testing.assert_frame_equal(
        kpis, store.kpis[store.kpis["id"].isin(ids)].sort_values("id", ignore_index=True)
    )
    assert len([r for r in standin.requests if "/kpi/" in r.path]) == 2  # 30 ids: 2 segments
    groups = client.get_municipality_groups("Liknande kommuner äldreomsorg, Västervik")
    assert groups["members"].tolist() == [["0482", "1278", "1421", "2121", "2161", "2182", "2523"]]
    ous = client.get_ous("0883")
    expected = store.ous.query("municipality_id == '0883'").sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(ous, expected)


# Text a title filter must carry to Kolada unchanged: query syntax, percent signs, Swedish
# letters, spaces and plus signs (a "+" read as a space would widen or narrow the match).
TITLE_TEXT = st.text(alphabet="aäåöÖ -+&=?#%/,()\"'.Åx1\u00a0", min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, database=None)
@given(text=st.one_of(TITLE_TEXT, st.sampled_from(["andel (%)", "Brukarbedömning", " - "])))
def test_kpi_title_filter_reaches_kolada_unchanged(standin_server, text):
    """get_kpis(title=...) returns exactly the catalogue's KPIs whose title contains the text,
    ignoring case (the v3 title filter), whatever characters the text holds."""
    kpis = standin_server.store.kpis
    wanted = kpis[[text.strip() != "" and text.casefold() in t.casefold() for t in kpis["title"]]]
    if not text.strip():
        with KoladaClient(standin_server.base_url, rate_limit=0) as c, pytest.raises(ValueError):
            c.get_kpis(title=text)
        return
    with KoladaClient(standin_server.base_url, rate_limit=0) as c:
        got = c.get_kpis(title=text)
    pd.testing.assert_frame_equal(got, wanted.sort_values("id", ignore_index=True))


def test_kpi_title_filter_is_not_combined_with_ids(client):
    with pytest.raises(ValueError, match="not both"):
        client.get_kpis(["U23463"], title="Brukarbedömning")


def test_empty_requests_need_no_network(client, standin):
    assert client.get_values([], None, [2022]).empty
    assert client.get_values(["U21468"], [], [2022]).empty
    assert standin.requests == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "status", "status": 503, "times": 2},
        {"kind": "status", "status": 500, "times": 2},
        {"kind": "status", "status": 502, "times": 1},
        {"kind": "status", "status": 504, "times": 1},
        {"kind": "status", "status": 429, "times": 1, "retry_after": 1},
        {"kind": "drop", "variant": "close", "times": 2},
        {"kind": "drop", "variant": "partial", "times": 2},
        {"kind": "timeout", "seconds": 3, "times": 1},
    ],
    ids=lambda r: f"{r['kind']}-{r.get('status', r.get('variant', ''))}",
)
def test_transient_faults_are_retried_and_the_data_is_exact(standin, store, rule):
    standin.faults = [{**rule, "match": "/v3/data/"}]
    kpis = national_kpis(store, 3)
    with KoladaClient(standin.base_url, backoff_factor=0.01, timeout=1, data_timeout=1) as c:
        got = c.get_values(kpis, None, [2021, 2022])
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, kpis, years=[2021, 2022]))
    faulted = [r for r in standin.requests if r.fault]
    assert len(faulted) == rule["times"]
    assert len(standin.requests) == len(faulted) + len({r.path for r in standin.requests})


@pytest.mark.slow
def test_retry_after_is_honoured(standin):
    standin.faults = [{"kind": "status", "status": 429, "retry_after": 1, "times": 1}]
    with KoladaClient(standin.base_url, backoff_factor=0.01) as c:
        start = time.monotonic()
        c.get_values(["U21468"], ["0883"], [2022])
        assert time.monotonic() - start >= 0.9  # waited as the server asked


def test_retry_after_is_capped(standin):
    standin.faults = [{"kind": "status", "status": 503, "retry_after": 3600, "times": 1}]
    with KoladaClient(standin.base_url, max_retry_after=0.2) as c:
        start = time.monotonic()
        c.get_values(["U21468"], ["0883"], [2022])
        assert time.monotonic() - start < 60  # not the hour the server asked for


@pytest.mark.parametrize("status", [500, 503])
def test_persistent_5xx_raises_typed_error_naming_url_and_status(standin, status):
    standin.faults = [{"kind": "status", "status": status, "retry_after": 0}]
    with (
        KoladaClient(standin.base_url, max_retries=2, backoff_factor=0.01) as c,
        pytest.raises(KoladaHTTPError) as err,
    ):
        c.get_values(["U21468"], ["0883"], [2022])
    assert err.value.status == status
    assert f"HTTP {status}" in str(err.value) and "/data/kpi/U21468/municipality/0883" in str(
        err.value
    )
    assert len(standin.requests) == 3  # the first try and max_retries=2 retries


def test_persistent_timeout_raises_timeout_error(standin):
    standin.faults = [{"kind": "timeout", "seconds": 3}]
    with (
        KoladaClient(
            standin.base_url, max_retries=1, timeout=5, data_timeout=0.3, backoff_factor=0
        ) as c,
        pytest.raises(KoladaTimeoutError, match=r"within 0\.3 s .*/data/kpi/U21468"),
    ):
        c.get_values(["U21468"], ["0883"], [2022])


@pytest.mark.parametrize("variant", ["close", "partial"])
def test_persistent_connection_drop_raises_connection_error(standin, variant):
    standin.faults = [{"kind": "drop", "variant": variant}]
    with (
        KoladaClient(standin.base_url, max_retries=1, backoff_factor=0) as c,
        pytest.raises(KoladaConnectionError, match="/data/kpi/U21468"),
    ):
        c.get_values(["U21468"], ["0883"], [2022])


def test_refused_connection_raises_connection_error():
    with (
        KoladaClient("http://127.0.0.1:9/v3", max_retries=1, backoff_factor=0) as c,
        pytest.raises(KoladaConnectionError, match=r"127\.0\.0\.1:9"),
    ):
        c.get_municipalities()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "malformed", "variant": "html"}, "Malformed JSON"),
        ({"kind": "malformed", "variant": "garbage"}, "Malformed JSON"),
        ({"kind": "truncated"}, "Malformed JSON"),
        ({"kind": "error_body"}, "reported an error"),
        ({"kind": "wrong_shape", "variant": "values_not_list"}, "not a list"),
        ({"kind": "wrong_shape", "variant": "missing_values"}, "not a list"),
        ({"kind": "wrong_shape", "variant": "items_missing_keys"}, "Unexpected data item"),
    ],
    ids=lambda x: x["kind"] + "-" + x.get("variant", "") if isinstance(x, dict) else "",
)
def test_untrustworthy_200_answers_raise_response_error(standin, rule, message):
    standin.faults = [{**rule, "times": 1}]
    with (
        KoladaClient(standin.base_url) as c,
        pytest.raises(KoladaResponseError, match=message) as err,
    ):
        c.get_values(["U21468"], None, [2022])
    assert "/data/kpi/U21468/year/2022" in str(err.value)


def test_422_and_404_are_explained(standin):
    standin.faults = [{"kind": "status", "status": 422, "times": 1}]
    with (
        KoladaClient(standin.base_url) as c,
        pytest.raises(KoladaLimitError, match="25 ids per path segment"),
    ):
        c.get_municipalities()
        standin.faults = [{"kind": "status", "status": 404, "times": 1}]
        with pytest.raises(KoladaNotFoundError, match="HTTP 404"):
            c.get_municipalities()


def test_fault_next_url_pointing_back_is_only_read_as_more_pages(standin, store):
    """next_url's text is never followed: one that points back to page 1 still means "more",
    and the pages are counted by the client."""
    standin.faults = [{"kind": "cycle", "match": "page=2&", "to_page": 1}]
    with KoladaClient(standin.base_url, per_page=100, rate_limit=0) as c:
        got = c.get_values(["U21468"], None, [2022])
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, ["U21468"], years=[2022]))
    assert any(r.fault for r in standin.requests)
    assert_only_pages_that_exist(standin, store, 100)


def test_fault_a_server_that_ignores_page_is_a_cycle_and_raises(standin):
    standin.faults = [{"kind": "repeat", "match": "page=[2-9]", "to_page": 1}]
    with (
        KoladaClient(standin.base_url, per_page=100, rate_limit=0) as c,
        pytest.raises(KoladaResponseError, match="repeats an earlier page") as err,
    ):
        c.get_values(["U21468"], None, [2022])
    assert "/data/kpi/U21468/year/2022?page=2" in str(err.value)


def test_one_failing_chunk_fails_the_whole_call(standin, store):
    kpis = national_kpis(store, 30)  # two KPI chunks
    standin.faults = [{"kind": "status", "status": 500, "match": kpis[-1]}]
    with (
        KoladaClient(standin.base_url, max_retries=1, backoff_factor=0) as c,
        pytest.raises(KoladaHTTPError),
    ):
        c.get_values(kpis, None, [2022])
    ok = [r for r in standin.requests if r.status == 200]
    assert ok  # the other chunk was fetched, and still nothing was returned


def test_empty_page_with_next_url_after_the_data_is_the_end_synthetic(standin_factory):
    server = standin_factory(synthetic_store(n_kpis=1, n_municipalities=10))
    expected = server.store.values.sort_values(KEYS, ignore_index=True)
    # 1 KPI x 12 places x years: every item fits on page 1; page 2 is empty but announces a 3rd
    server.faults = [{"kind": "empty_next", "match": "page=2"}]
    with KoladaClient(server.base_url, per_page=5000) as c:
        assert c.get_values(["N90000"], None, sorted(expected["year"].unique())).equals(
            expected[expected["kpi"] == "N90000"].reset_index(drop=True)
        )


def test_empty_page_in_the_middle_is_an_error_synthetic(standin_factory):
    server = standin_factory(synthetic_store(n_kpis=2, n_municipalities=20))
    years = sorted(server.store.values["year"].unique())
    server.faults = [{"kind": "empty_next", "match": "page=1&"}]
    with (
        KoladaClient(server.base_url, per_page=10) as c,
        pytest.raises(KoladaResponseError, match="data after the last page"),
    ):
        c.get_values(["N90000", "N90001"], None, years)


# --- cache ------------------------------------------------------------------------------


def test_cache_serves_repeats_without_requests(tmp_path, standin, store):
    kpis = national_kpis(store, 3)
    with KoladaClient(standin.base_url, cache_dir=tmp_path) as c:
        first = c.get_values(kpis, None, [2022])
        n = len(standin.requests)
        second = c.get_values(kpis, None, [2022])
    assert len(standin.requests) == n and c.stats.cache_hits == 1
    pd.testing.assert_frame_equal(first, second)
    with KoladaClient(standin.base_url, cache_dir=tmp_path) as c:  # survives a restart
        pd.testing.assert_frame_equal(c.get_values(kpis, None, [2022]), first)
    assert len(standin.requests) == n


def test_a_bad_answer_is_never_cached(tmp_path, standin, store):
    standin.faults = [{"kind": "truncated", "times": 1}]
    with KoladaClient(standin.base_url, cache_dir=tmp_path) as c:
        with pytest.raises(KoladaResponseError):
            c.get_values(["U21468"], None, [2022])
        good = c.get_values(["U21468"], None, [2022])  # asks again, not the cache
    assert c.stats.cache_hits == 0 and len(standin.requests) == 2
    pd.testing.assert_frame_equal(good, truth(store.values, KEYS, ["U21468"], years=[2022]))


def test_a_partly_failed_query_caches_nothing_of_it(tmp_path, standin, store):
    kpis = national_kpis(store, 30)  # two chunks; the second fails on the first call
    standin.faults = [{"kind": "status", "status": 500, "match": kpis[-1], "times": 2}]
    with KoladaClient(standin.base_url, cache_dir=tmp_path, max_retries=1, backoff_factor=0) as c:
        with pytest.raises(KoladaHTTPError):
            c.get_values(kpis, None, [2022])
        standin.clear_requests()
        got = c.get_values(kpis, None, [2022])
    assert c.stats.cache_hits == 0  # not even the chunk that had succeeded
    assert len({r.path for r in data_requests(standin)}) == 2
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, kpis, years=[2022]))


@pytest.mark.slow
def test_expired_and_corrupt_cache_entries_are_refetched(tmp_path, standin, store):
    with KoladaClient(standin.base_url, cache_dir=tmp_path, data_ttl=0.5) as c:
        c.get_values(["U21468"], ["0883"], [2022])
        time.sleep(0.6)
        c.get_values(["U21468"], ["0883"], [2022])
        assert c.stats.cache_hits == 0 and len(standin.requests) == 2
        for key in list(c._cache):
            c._cache.set(key, [b"{broken"])
        got = c.get_values(["U21468"], ["0883"], [2022])
    assert len(standin.requests) == 3
    assert (
        got["value"].tolist()
        == truth(store.values, KEYS, ["U21468"], "municipality_id", ["0883"], [2022])[
            "value"
        ].tolist()
    )


@pytest.mark.slow
def test_from_date_gives_changes_and_deletions_to_merge(client, standin, store):
    """Synthetic change: a real revised value and a real deleted one, published by the
    stand-in as Kolada's change feed."""
    v = store.values
    mine = v[(v["kpi"] == "U21468") & (v["municipality_id"] == "0883")]
    revised = mine[mine["year"] == 2022].assign(value=42.0)
    deleted = mine[mine["year"] == 2020][KEYS]
    standin.apply_changes("data", revised, deleted, on="2026-11-01")
    got = client.get_values(["U21468", "U21504"], None, range(2012, 2023), from_date="2026-10-15")
    assert list(got.columns) == [*KEYS, "value", "status", "count", "deleted"]
    assert sorted(map(tuple, got.loc[got["deleted"], KEYS].values.tolist())) == sorted(
        map(tuple, deleted.values.tolist())
    )
    kept = got[~got["deleted"]]
    assert kept[KEYS].values.tolist() == revised.sort_values(KEYS)[KEYS].values.tolist()
    assert (kept["value"] == 42.0).all()
    assert all("from_date=2026-10-15" in r.path for r in data_requests(standin))
    # without from_date the contract columns are unchanged and the deleted values are gone
    now = client.get_values(["U21468"], ["0883"], [2020, 2022])
    assert "deleted" not in now and set(now["year"]) == {2022}


def test_invalid_arguments_fail_before_any_request(standin):
    with pytest.raises(ValueError, match="per_page"):
        KoladaClient(standin.base_url, per_page=5001)
    with KoladaClient(standin.base_url) as c, pytest.raises(ValueError, match="Invalid Kolada id"):
        c.get_values(["U21468/../x"], None, [2022])
    with KoladaClient(standin.base_url) as c, pytest.raises(ValueError, match="from_date"):
        c.get_values(["U21468"], None, [2022], from_date="förra veckan")
    assert standin.requests == []


# --- every plausible server: the stand-in's quirks (synthetic store) -------------------------
#
# 30 KPIs x 10 places x 3 years: two chunks of 15 KPIs (the 25-id limit), 450 items each. With
# per_page 150 every chunk ends exactly on a page boundary, with 200 on a short page. Expected
# frames are the store's tables; expected requests follow from the item counts and the quirk.

Q_KPIS = [f"N9{i:04d}" for i in range(30)]
Q_YEARS = [2019, 2020, 2021]
NEXT_FORMS = [
    {"next_style": s, "encoded_commas": e, "reordered": r, "page_twice": t}
    for s, e, r, t in itertools.product(("absolute", "relative"), *[(False, True)] * 3)
]
ENDINGS = [
    {"last_next": last, "past_end": past}
    for last, past in itertools.product(("null", "", "full", "always"), ("empty", "404", "422"))
]
TYPE_SWITCHES = ["string_periods", "float_counts", "int_isdeleted", "null_gender", "group_rows"]


def form_id(form):
    return "-".join(f"{k}={v}" for k, v in form.items() if v not in (False, "null", "empty"))


@pytest.fixture(scope="module")
def quirky_server():
    with StandinServer(synthetic_store(n_kpis=30, n_municipalities=7)) as server:
        yield server


@pytest.fixture
def quirky(quirky_server):
    quirky_server.reset()
    yield quirky_server
    quirky_server.reset()


@pytest.fixture(scope="module")
def quirky_truth(quirky_server):
    """The quirky store's answers to Q_KPIS x Q_YEARS and its item count per query path, each
    computed once: the store's tables never change (published changes are a separate log)."""
    store = quirky_server.store
    return SimpleNamespace(
        values=truth(store.values, KEYS, Q_KPIS, years=Q_YEARS),
        ou_values=truth(store.ou_values, OU_KEYS, Q_KPIS, years=Q_YEARS),
        items=functools.cache(functools.partial(store_items, store)),
    )


def expected_pages(n_items: int, per_page: int, quirks: Quirks) -> list[int]:
    """The pages a client that asks only for announced pages requests for one query."""
    n = max(1, math.ceil(n_items / per_page))
    full_last = n_items > 0 and n_items % per_page == 0
    if quirks.last_next == "always":
        # the page after the last is announced; if it is an empty 200 it announces one more,
        # which proves the end
        return list(range(1, n + (3 if quirks.past_end == "empty" else 2)))
    if quirks.last_next == "full" and full_last:
        return list(range(1, n + 2))
    return list(range(1, n + 1))


def assert_requests_follow_the_quirks(server, items, per_page, quirks):
    """`items(path)`: the number of items the store has for a query path."""
    for path, pages in pages_asked(server).items():
        assert pages == expected_pages(items(path), per_page, quirks), path
    for r in data_requests(server):
        assert r.status in ((200, 404) if quirks.past_end == "404" else (200, 422)), r


@pytest.mark.slow  # 192 combinations, some 35 s in all
@pytest.mark.parametrize("ending", ENDINGS, ids=form_id)
@pytest.mark.parametrize("form", NEXT_FORMS, ids=form_id)
def test_synthetic_paging_under_every_next_url_form_and_ending_is_exact(
    quirky, quirky_truth, form, ending
):
    quirky.quirks = quirks = Quirks(**form, **ending)
    store = quirky.store
    for per_page in (150, 200):
        quirky.clear_requests()
        with KoladaClient(quirky.base_url, per_page=per_page, rate_limit=0) as c:
            got = c.get_values(Q_KPIS, None, Q_YEARS)
        pd.testing.assert_frame_equal(got, quirky_truth.values)
        assert_requests_follow_the_quirks(quirky, quirky_truth.items, per_page, quirks)
    for per_page in (4, 5):  # metadata pages the same way: 10 places in 3 or 2 pages
        with KoladaClient(quirky.base_url, per_page=per_page, rate_limit=0) as c:
            municipalities = c.get_municipalities()
        expected = store.municipalities.sort_values("id", ignore_index=True)
        pd.testing.assert_frame_equal(municipalities, expected)


@pytest.mark.slow  # 32 combinations, some 13 s in all
@pytest.mark.parametrize(
    "switches",
    [
        dict(zip(TYPE_SWITCHES, on, strict=True))
        for on in itertools.product((False, True), repeat=len(TYPE_SWITCHES))
    ],
    ids=lambda s: "+".join(k for k, v in s.items() if v) or "documented",
)
def test_synthetic_value_types_under_every_combination_are_exact(quirky, quirky_truth, switches):
    quirky.quirks = Quirks(**switches, last_next="", next_style="relative")
    store = quirky.store
    with KoladaClient(quirky.base_url, per_page=200, rate_limit=0) as c:
        everywhere = c.get_values(Q_KPIS, None, Q_YEARS)
        some = c.get_values(Q_KPIS[:2], ["1000", "G1"], [2020])
        units = c.get_ou_values(Q_KPIS, None, Q_YEARS)
    pd.testing.assert_frame_equal(everywhere, quirky_truth.values)
    assert not everywhere["municipality_id"].str.startswith("G").any()
    # asked for by id, a group is a group: the stand-in has no values for it then
    pd.testing.assert_frame_equal(
        some, truth(store.values, KEYS, Q_KPIS[:2], "municipality_id", ["1000"], [2020])
    )
    pd.testing.assert_frame_equal(units, quirky_truth.ou_values)
    if switches["group_rows"]:  # the groups were really served, and dropped
        raw = requests.get(quirky.url("data/kpi/N90000/year/2020"), timeout=5).json()
        assert any(i["municipality"].startswith("G") for i in raw["values"])


@pytest.mark.parametrize("switches", [{}, {"int_isdeleted": True, "string_periods": True}])
def test_synthetic_changes_with_deletions_under_type_quirks(quirky, switches):
    v = quirky.store.values
    mine = v[(v["kpi"] == "N90003") & (v["municipality_id"] == "1002")]
    revised = mine[mine["year"] == 2021].assign(value=-1.0)
    deleted = mine[mine["year"] == 2019][KEYS]
    quirky.apply_changes("data", revised, deleted, on="2026-11-01")
    quirky.quirks = Quirks(**switches)
    with KoladaClient(quirky.base_url, rate_limit=0) as c:
        got = c.get_values(Q_KPIS, None, Q_YEARS, from_date="2026-10-31")
    assert (
        got.loc[got["deleted"], KEYS].values.tolist() == deleted.sort_values(KEYS).values.tolist()
    )
    kept = got[~got["deleted"]]
    assert kept[KEYS].values.tolist() == revised.sort_values(KEYS)[KEYS].values.tolist()
    assert (kept["value"] == -1.0).all()


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    form=st.sampled_from(NEXT_FORMS),
    ending=st.sampled_from(ENDINGS),
    types=st.fixed_dictionaries({k: st.booleans() for k in TYPE_SWITCHES}),
    per_page=st.integers(min_value=40, max_value=500),
    cost_limit=st.sampled_from([None, 14, 30, 100]),
)
def test_synthetic_any_combination_of_quirks_gives_exactly_the_store(
    quirky, quirky_truth, form, ending, types, per_page, cost_limit
):
    """Everything at once, drawn at random: still exactly the store's values."""
    quirky.reset()
    quirky.quirks = Quirks(**form, **ending, **types, oudata_cost_limit=cost_limit)
    with KoladaClient(quirky.base_url, per_page=per_page, rate_limit=0, backoff_factor=0) as c:
        values = c.get_values(Q_KPIS, None, Q_YEARS)
        units = c.get_ou_values(Q_KPIS, None, Q_YEARS)
    pd.testing.assert_frame_equal(values, quirky_truth.values)
    pd.testing.assert_frame_equal(units, quirky_truth.ou_values)


# --- heavy queries: 504 and timeouts split the query, down to one KPI x one year ------------


@pytest.mark.slow
def test_synthetic_oudata_cost_limit_splits_queries_until_they_pass(quirky):
    # 14 units per (KPI, year): a limit of 14 passes only single cells
    quirky.quirks = Quirks(oudata_cost_limit=14)
    store = quirky.store
    with KoladaClient(quirky.base_url, rate_limit=0, backoff_factor=0) as c:
        got = c.get_ou_values(Q_KPIS, None, Q_YEARS)
    pd.testing.assert_frame_equal(got, truth(store.ou_values, OU_KEYS, Q_KPIS, years=Q_YEARS))
    assert c.stats.splits > 0
    selected = {r.path: store_items(store, r.path.split("?")[0]) for r in quirky.requests}
    assert {r.status for r in quirky.requests} == {200, 504}
    for r in quirky.requests:  # exactly the queries over the limit were refused
        assert (r.status == 504) == (selected[r.path] > 14), r


def test_synthetic_one_kpi_one_year_over_the_cost_limit_raises_naming_the_url(quirky):
    quirky.quirks = Quirks(oudata_cost_limit=10)
    with (
        KoladaClient(quirky.base_url, rate_limit=0, backoff_factor=0, max_retries=1) as c,
        pytest.raises(KoladaHTTPError) as err,
    ):
        c.get_ou_values(Q_KPIS[:4], None, [2020])
    assert err.value.status == 504
    assert re.search(r"/oudata/kpi/N9\d{4}/year/2020\?page=1", str(err.value))
    assert err.value.url in str(err.value)


@pytest.mark.slow
def test_fault_a_query_that_keeps_timing_out_is_split(standin, store):
    kpis = national_kpis(store, 4)
    # any query for more than one KPI times out; single KPIs answer
    standin.faults = [{"kind": "timeout", "seconds": 2, "match": r"/data/kpi/[^/?]*,"}]
    with KoladaClient(
        standin.base_url, rate_limit=0, data_timeout=0.3, backoff_factor=0, max_retries=1
    ) as c:
        got = c.get_values(kpis, None, [2021, 2022])
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, kpis, years=[2021, 2022]))
    timed_out = [r for r in standin.requests if r.fault]
    # 4 KPIs: tried twice each, then 2+2 KPIs tried twice each, then 4 single KPIs answer
    assert len(timed_out) == 2 + 2 * 2 and c.stats.splits == 3
    assert {r.path.split("?")[0] for r in standin.requests if not r.fault} == {
        f"/v3/data/kpi/{k}/year/2021,2022" for k in kpis
    }


def test_fault_a_passing_504_is_retried_not_split(standin, store):
    standin.faults = [{"kind": "status", "status": 504, "times": 1}]
    kpis = national_kpis(store, 3)
    with KoladaClient(standin.base_url, rate_limit=0, backoff_factor=0) as c:
        got = c.get_values(kpis, None, [2022])
    pd.testing.assert_frame_equal(got, truth(store.values, KEYS, kpis, years=[2022]))
    assert c.stats.splits == 0 and len({r.path for r in standin.requests}) == 1


def test_synthetic_a_split_query_is_cached_whole(tmp_path, quirky):
    quirky.quirks = Quirks(oudata_cost_limit=14)
    with KoladaClient(quirky.base_url, cache_dir=tmp_path, rate_limit=0, backoff_factor=0) as c:
        first = c.get_ou_values(Q_KPIS[:4], None, [2020])
        quirky.clear_requests()
        again = c.get_ou_values(Q_KPIS[:4], None, [2020])
    assert quirky.requests == [] and c.stats.cache_hits == 1
    pd.testing.assert_frame_equal(again, first)


# --- 429: everyone waits, for at least the patience, then a typed error -------------------


@pytest.mark.slow
def test_fault_429_waits_at_least_the_patience_in_all_then_raises(standin):
    standin.faults = [{"kind": "status", "status": 429, "retry_after": 0}]
    with (
        KoladaClient(standin.base_url, rate_limit=0, throttle_patience=1.5) as c,
        pytest.raises(KoladaHTTPError) as err,
    ):
        start = time.monotonic()
        c.get_values(["U21468"], ["0883"], [2022])
    assert time.monotonic() - start >= 1.5
    assert err.value.status == 429 and "/data/kpi/U21468/municipality/0883" in str(err.value)
    assert len(standin.requests) == 7  # the first try and six waits


@pytest.mark.slow
def test_fault_429_pauses_every_request_not_just_the_one_refused(standin, store):
    standin.faults = [{"kind": "status", "status": 429, "retry_after": 1, "times": 1}]
    calls = []  # (start, end, status)

    class StampingSession(requests.Session):
        def get(self, *args, **kwargs):
            start = time.monotonic()
            response = super().get(*args, **kwargs)
            calls.append((start, time.monotonic(), response.status_code))
            return response

    with KoladaClient(standin.base_url, rate_limit=0, per_page=500, session=StampingSession()) as c:
        c.get_values(national_kpis(store, 30), None, [2022])
    refused_at = next(end for _, end, status in calls if status == 429)
    later = [start for start, _, _ in calls if start > refused_at]
    assert later and min(later) - refused_at >= 0.9  # nobody asked during that second


# --- next_url is yes or no: generated texts, no HTTP (a session that plays Kolada) ----------

NEXT_URL_TEXTS = st.one_of(
    st.text(min_size=1, max_size=80),
    st.builds(
        "{}municipality?{}".format,
        st.sampled_from(["https://api.kolada.se/v3/", "/v3/", "", "http://x:1/v2/", "../"]),
        st.permutations(["page=7", "per_page=3", "page=2", "title=a%2Cb", "x=,"]).map("&".join),
    ),
)


class PlayedKolada(requests.Session):
    """Answers /municipality?page=N&per_page=K from a list, with given next_url texts."""

    def __init__(self, rows, links, end):
        super().__init__()
        self.rows, self.links, self.end, self.asked = rows, links, end, []

    def get(self, url, **kwargs):
        query = parse_qs(urlsplit(url).query)
        page, per_page = int(query["page"][0]), int(query["per_page"][0])
        self.asked.append(page)
        values = self.rows[(page - 1) * per_page : page * per_page]
        last = page * per_page >= len(self.rows)
        link = self.end if last else self.links[(page - 1) % len(self.links)]
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(
            {"values": values, "count": len(values), "next_url": link, "previous_url": None}
        ).encode()
        return response


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=40),
    per_page=st.integers(min_value=1, max_value=12),
    links=st.lists(NEXT_URL_TEXTS, min_size=1, max_size=5),
    end=st.sampled_from([None, ""]),
)
def test_synthetic_generated_next_url_texts_only_say_more_pages(n, per_page, links, end):
    rows = [{"id": f"{i:04d}", "title": f"Kommun {i}", "type": "K"} for i in range(n)]
    session = PlayedKolada(rows, links, end)
    with KoladaClient(
        "http://kolada.test/v3", per_page=per_page, rate_limit=0, session=session
    ) as c:
        got = c.get_municipalities()
    assert got["id"].tolist() == [r["id"] for r in rows]
    assert session.asked == list(range(1, max(1, math.ceil(n / per_page)) + 1))
