"""The Kolada v3 stand-in, over real loopback HTTP.

Ground truth always comes from the store's DataFrames, filtered with pandas here; never from the
server's own output. Tests named ``..._synthetic`` run against `synthetic_store()`.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import numpy as np
import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.data.store import Store, write_store
from kvalitetsvisaren.testing.encoded import DataIndex
from kvalitetsvisaren.testing.faults import FaultPlan, FaultRule
from kvalitetsvisaren.testing.quirks import Quirks
from kvalitetsvisaren.testing.standin import StandinApp, StandinServer
from kvalitetsvisaren.testing.synthetic import synthetic_store

TIMEOUT = 30
DEPRECATED = {"error": "This endpoint is deprecated. Please use /v3 instead."}
KPI_FIELDS = [
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
]
REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# Helpers: HTTP, flattening, pandas ground truth
# ---------------------------------------------------------------------------------------------


def get(server: StandinServer, path: str, params: Any = None, **kw: Any) -> requests.Response:
    return requests.get(server.url(path), params=params, timeout=kw.pop("timeout", TIMEOUT), **kw)


def fetch_all(url: str, params: Any = None) -> tuple[list[dict], list[dict]]:
    """Follow next_url from `url`; returns (all items, every envelope)."""
    items: list[dict] = []
    pages: list[dict] = []
    while url:
        resp = requests.get(url, params=params, timeout=TIMEOUT)
        assert resp.status_code == 200, resp.text[:500]
        body = resp.json()
        assert set(body) == {"values", "count", "next_url", "previous_url"}
        assert body["count"] == len(body["values"])
        items += body["values"]
        pages.append(body)
        url, params = body["next_url"], None
        assert len(pages) < 1000
    return items, pages


def _cell(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def truth_rows(
    frame: pd.DataFrame,
    loc_col: str,
    kpis: Iterable[str] | None = None,
    locs: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> list[tuple]:
    """The store rows for a query as (kpi, location, year, gender, value, status, count)."""
    f = frame
    if kpis is not None:
        f = f[f["kpi"].isin(list(kpis))]
    if locs is not None:
        f = f[f[loc_col].isin(list(locs))]
    if years is not None:
        f = f[f["year"].isin(list(years))]
    rows = []
    for kpi, loc, year, gender, value, status, count in zip(
        f["kpi"],
        f[loc_col],
        f["year"],
        f["gender"],
        f["value"],
        f["status"],
        f["count"],
        strict=True,
    ):
        value, status, count = _cell(value), _cell(status), _cell(count)
        rows.append(
            (
                kpi,
                loc,
                int(year),
                gender,
                None if value is None else float(value),
                status,
                None if count is None else int(count),
            )
        )
    return sorted(rows, key=lambda r: r[:4])


def truth_keys(rows: list[tuple]) -> list[tuple]:
    """Item keys (kpi, location, period) in the order the API promises."""
    return sorted({r[:3] for r in rows})


def wire_rows(items: list[dict], loc_key: str) -> list[tuple]:
    rows = []
    for item in items:
        assert set(item) == {"kpi", loc_key, "period", "values"}
        for v in item["values"]:
            assert set(v) == {"gender", "count", "status", "value", "isdeleted"}
            assert v["isdeleted"] is False
            rows.append(
                (
                    item["kpi"],
                    item[loc_key],
                    item["period"],
                    v["gender"],
                    v["value"],
                    v["status"],
                    v["count"],
                )
            )
    return sorted(rows, key=lambda r: r[:4])


def item_keys(items: list[dict], loc_key: str) -> list[tuple]:
    return [(i["kpi"], i[loc_key], i["period"]) for i in items]


def assert_same_rows(items: list[dict], truth: list[tuple], loc_key: str) -> None:
    assert truth, "the chosen query has no rows in the store; the test would prove nothing"
    assert item_keys(items, loc_key) == truth_keys(truth)  # also: deterministic, sorted order
    assert wire_rows(items, loc_key) == truth


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [
        {c: _cell(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False)
    ]


# ---------------------------------------------------------------------------------------------
# Fixtures: the store the session stand-in serves, subjects chosen from it, a synthetic server
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(snapshot_store) -> Store:
    return snapshot_store


@pytest.fixture(scope="module")
def subject(store: Store) -> dict[str, Any]:
    """KPIs, years and municipalities with data, chosen from the store (not the server).

    `kpis`: the KPIs with most rows, preferring those with Riket (0000) rows, enough of them for
    over 2500 items in the two best-covered `years`; `munis`: two kommuner with data.
    """
    v = store.values
    per_kpi = v.groupby("kpi").size().sort_values(ascending=False, kind="stable")
    assert len(per_kpi) >= 2, "the store needs at least two KPIs with values"
    with_riket = set(v.loc[v.municipality_id == "0000", "kpi"])
    ranked = [k for k in per_kpi.index if k in with_riket]
    ranked += [k for k in per_kpi.index if k not in with_riket]
    years = [int(y) for y in v.groupby("year").size().sort_values(ascending=False).index[:2]]
    keys = v.loc[v.year.isin(years), ["kpi", "municipality_id", "year"]].drop_duplicates()
    items_per_kpi = keys.groupby("kpi").size()
    kpis: list[str] = []
    for kpi in ranked:
        kpis.append(kpi)
        if items_per_kpi.reindex(kpis).fillna(0).sum() > 2500 or len(kpis) == 25:
            break
    kommuner = sorted(v.loc[v.kpi.isin(kpis), "municipality_id"].unique())
    preferred = [m for m in ("0180", "1280", "1480") if m in kommuner]
    munis = (preferred or [m for m in kommuner if m != "0000"])[:2]
    return {"kpis": sorted(kpis), "years": years, "munis": munis, "all_kpis": list(per_kpi.index)}


@pytest.fixture(scope="module")
def synth_store() -> Store:
    return synthetic_store()


@pytest.fixture(scope="module")
def synth_server(synth_store: Store):
    with StandinServer(synth_store) as server:
        yield server


@pytest.fixture
def synth(synth_server: StandinServer):
    synth_server.reset()
    yield synth_server
    synth_server.reset()


# ---------------------------------------------------------------------------------------------
# Data: envelope, paging, forms, ground truth
# ---------------------------------------------------------------------------------------------


def test_envelope_and_count(standin: StandinServer, store: Store, subject: dict) -> None:
    kpi, year, muni = subject["kpis"][0], subject["years"][0], subject["munis"][0]
    resp = get(standin, f"data/kpi/{kpi}/municipality/{muni},0000/year/{year}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert list(body) == ["values", "count", "next_url", "previous_url"]
    assert body["count"] == len(body["values"])
    assert body["next_url"] is None and body["previous_url"] is None
    truth = truth_rows(store.values, "municipality_id", [kpi], [muni, "0000"], [year])
    assert_same_rows(body["values"], truth, "municipality")
    # one item per (kpi, municipality, period), one entry per gender the store has
    genders = {r[3] for r in truth}
    assert {v["gender"] for item in body["values"] for v in item["values"]} == genders


def test_paging_per_page_1000_equals_store_rows(
    standin: StandinServer, store: Store, subject: dict
) -> None:
    kpis, years = subject["kpis"], subject["years"]
    path = f"data/kpi/{','.join(kpis)}/year/{','.join(map(str, years))}"
    items, pages = fetch_all(standin.url(path + "?per_page=1000"))
    # every municipality, region and Riket the store has for these KPIs and years
    truth = truth_rows(store.values, "municipality_id", kpis, None, years)
    assert_same_rows(items, truth, "municipality")
    assert len(pages) == math.ceil(len(truth_keys(truth)) / 1000) >= 2
    assert all(p["count"] == 1000 for p in pages[:-1]) and 0 < pages[-1]["count"] <= 1000
    assert pages[-1]["next_url"] is None and all(p["next_url"] for p in pages[:-1])
    assert pages[0]["previous_url"] is None
    assert parse_qs(urlsplit(pages[1]["previous_url"]).query)["page"] == ["1"]
    served = {i["municipality"] for i in items}
    assert "0000" in served and any(m.startswith("00") and m != "0000" for m in served)
    # incrementing page (koladapy's way) gives the same items as following next_url
    by_page = [
        get(standin, path, {"per_page": 1000, "page": n}).json()["values"]
        for n in range(1, len(pages) + 1)
    ]
    assert [i for page in by_page for i in page] == items
    past_end = get(standin, path, {"per_page": 1000, "page": len(pages) + 1}).json()
    assert past_end["values"] == [] and past_end["next_url"] is None


def test_default_per_page_is_5000(standin: StandinServer, store: Store, subject: dict) -> None:
    kpis = subject["all_kpis"][:25]
    v = store.values[store.values.kpi.isin(kpis)]
    n_items = len(v[["kpi", "municipality_id", "year"]].drop_duplicates())
    if n_items <= 5000:
        pytest.skip(f"the store has only {n_items} items for 25 KPIs")
    years = sorted(v["year"].unique())[-25:]
    body = get(standin, f"data/kpi/{','.join(kpis)}/year/{','.join(map(str, years))}").json()
    assert body["count"] == 5000
    assert parse_qs(urlsplit(body["next_url"]).query) == {"page": ["2"], "per_page": ["5000"]}


def test_path_and_query_forms_agree(standin: StandinServer, store: Store, subject: dict) -> None:
    kpis, years, munis = subject["kpis"][:3], subject["years"], subject["munis"]
    k, m, y = ",".join(kpis), ",".join(munis), ",".join(map(str, years))
    cases = [
        (
            f"data/kpi/{k}/municipality/{m}/year/{y}",
            {"kpi_id": k, "municipality_id": m, "year": y},
            (kpis, munis, years),
        ),
        (f"data/kpi/{k}/year/{y}", {"kpi_id": k, "year": y}, (kpis, None, years)),
        (
            f"data/kpi/{k}/municipality/{m}",
            {"kpi_id": k, "municipality_id": m},
            (kpis, munis, None),
        ),
        (
            f"data/municipality/{m}/year/{y}",
            {"municipality_id": m, "year": y},
            (None, munis, years),
        ),
    ]
    for path, query, (qk, qm, qy) in cases:
        truth = truth_rows(store.values, "municipality_id", qk, qm, qy)
        by_path, _ = fetch_all(standin.url(path))
        assert_same_rows(by_path, truth, "municipality")
        for base in ("data", "data/"):
            by_query, _ = fetch_all(standin.url(base), query)
            assert by_query == by_path, (path, base)


def test_repeated_and_comma_joined_params_agree(
    standin: StandinServer, store: Store, subject: dict
) -> None:
    kpis, years, munis = subject["kpis"][:3], subject["years"], subject["munis"]
    repeated = [("kpi_id", k) for k in kpis] + [("year", y) for y in years]
    repeated += [("municipality_id", m) for m in munis]
    mixed = [("kpi_id", ",".join(kpis[:2]))] + [("kpi_id", k) for k in kpis[2:]]
    mixed += [("year", ",".join(map(str, years))), ("municipality_id", ",".join(munis))]
    a, _ = fetch_all(standin.url("data/"), repeated)
    b, _ = fetch_all(standin.url("data"), mixed)
    assert a == b
    assert_same_rows(
        a, truth_rows(store.values, "municipality_id", kpis, munis, years), "municipality"
    )


def test_unknown_param_names_give_empty_list(standin: StandinServer, subject: dict) -> None:
    kpi, muni = subject["kpis"][0], subject["munis"][0]
    for query in ({"municipality": muni}, {"kpi": kpi, "municipality": muni, "years": 2020}, {}):
        resp = get(standin, "data", query)
        assert resp.status_code == 200
        assert resp.json() == {"values": [], "count": 0, "next_url": None, "previous_url": None}
    # an unknown name next to a recognised one is ignored
    with_extra = get(standin, "data", {"kpi_id": kpi, "municipality_id": muni, "foo": "x"}).json()
    plain = get(standin, "data", {"kpi_id": kpi, "municipality_id": muni}).json()
    assert with_extra["values"] == plain["values"] != []


@pytest.mark.parametrize(
    ("segment", "loc", "label"),
    [
        ("kpi", "kpi_id", "kpi ids"),
        ("municipality", "municipality_id", "municipality ids"),
        ("year", "year", "years"),
    ],
)
def test_26_ids_in_a_segment_is_422(
    standin: StandinServer, segment: str, loc: str, label: str
) -> None:
    ids = {
        "kpi": [f"N{i:05d}" for i in range(25)],
        "municipality": [f"{i:04d}" for i in range(25)],
        "year": [str(2000 + i) for i in range(25)],
    }

    def path() -> str:
        return "data/" + "/".join(f"{dim}/{','.join(v)}" for dim, v in ids.items())

    assert get(standin, path()).status_code == 200  # 25 per segment is allowed
    ids[segment].append({"kpi": "N99999", "municipality": "9999", "year": "1999"}[segment])
    resp = get(standin, path())
    assert resp.status_code == 422
    (issue,) = resp.json()["detail"]
    assert issue["loc"] == ["path", loc]
    assert "at most 25 ids per segment" in issue["msg"] and f"got 26 {label}" in issue["msg"]
    assert {"loc", "msg", "type"} <= set(issue)


def test_26_ids_in_query_lists_and_other_segments_are_422(standin: StandinServer) -> None:
    ids26 = [f"N{i:05d}" for i in range(26)]
    resp = get(standin, "data/", [("kpi_id", i) for i in ids26] + [("year", 2020)])
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["query", "kpi_id"]
    assert "at most 25" in resp.json()["detail"][0]["msg"]
    ous26 = ",".join(f"V15E{i:09d}" for i in range(26))
    for path in (
        f"oudata/kpi/N15504/ou/{ous26}",
        f"kpi/{','.join(ids26)}",
        f"municipality/{','.join(f'{i:04d}' for i in range(26))}",
        f"ou/{ous26}",
    ):
        resp = get(standin, path)
        assert resp.status_code == 422, path
        assert "at most 25 ids" in resp.json()["detail"][0]["msg"]


def test_per_page_and_page_limits_are_422(standin: StandinServer, subject: dict) -> None:
    path = f"data/kpi/{subject['kpis'][0]}/year/{subject['years'][0]}"
    for params in ({"per_page": 5001}, {"per_page": 0}, {"page": 0}, {"per_page": "x"}):
        resp = get(standin, path, params)
        assert resp.status_code == 422, params
        (issue,) = resp.json()["detail"]
        assert issue["loc"] == ["query", next(iter(params))]
    assert "5000" in get(standin, path, {"per_page": 5001}).json()["detail"][0]["msg"]
    assert get(standin, path, {"per_page": 5000}).status_code == 200
    assert get(standin, "kpi", {"per_page": 5001}).status_code == 422


def test_single_dimension_and_unknown_routes_are_404(standin: StandinServer) -> None:
    for path in (
        "data/kpi/N15419",
        "data/municipality/0180",
        "data/year/2020",
        "data/year/2020/kpi/N15419",
        "data/kpi/N15419/year/2020/extra",
        "oudata/ou/V15E011400101",
        "oudata/ou/V15E011400101/year/2022",
        "oudata/kpi/N15504",
        "nothing",
        "kpi/N15419/extra",
    ):
        resp = get(standin, path)
        assert resp.status_code == 404, path
        assert resp.headers["Content-Type"].startswith("application/json")
        assert "detail" in resp.json()


def changed_rows(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A revision of real rows (Västervik's U21468 2022 values, changed) and two deletions
    (Västervik's 2020 values of the same KPI), as Kolada publishes them."""
    v = store.values
    kpi = v[(v["kpi"] == "U21468") & (v["municipality_id"] == "0883")]
    revised = kpi[kpi["year"] == 2022].assign(value=lambda f: f["value"] + 1.0)
    deleted = kpi[kpi["year"] == 2020][["kpi", "municipality_id", "year", "gender"]]
    assert len(revised) and len(deleted)
    return revised, deleted


@pytest.mark.slow
def test_from_date_returns_only_later_changes_with_deletions_flagged(
    standin: StandinServer, store: Store
) -> None:
    revised, deleted = changed_rows(store)
    standin.apply_changes("data", revised, deleted, on="2026-11-01")
    url = standin.url("data/kpi/U21468/year/2020,2021,2022")
    items, _ = fetch_all(url, {"from_date": "2026-10-01"})
    got = {
        (i["municipality"], i["period"], v["gender"]): (v["value"], v["isdeleted"])
        for i in items
        for v in i["values"]
    }
    want = {
        (r.municipality_id, r.year, r.gender): (r.value, False) for r in revised.itertuples()
    } | {(r.municipality_id, r.year, r.gender): (None, True) for r in deleted.itertuples()}
    assert got == want
    # nothing changed after the day of the change; the normal query shows the new state
    assert fetch_all(url, {"from_date": "2026-11-02"})[0] == []
    now, _ = fetch_all(url)
    assert not any(i["period"] == 2020 and i["municipality"] == "0883" for i in now)
    standin.reset()  # undoes the changes
    assert len(fetch_all(url)[0]) == len(now) + 1


@pytest.mark.slow
def test_from_date_before_the_snapshot_returns_everything(
    standin: StandinServer, store: Store
) -> None:
    url = standin.url("data/kpi/U21468/year/2022")
    assert fetch_all(url, {"from_date": "2000-01-01"})[0] == fetch_all(url)[0]


def test_bad_from_date_is_422(standin: StandinServer) -> None:
    resp = get(standin, "data/kpi/U21468/year/2022", {"from_date": "igår"})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["query", "from_date"]


# ---------------------------------------------------------------------------------------------
# OU data
# ---------------------------------------------------------------------------------------------


def test_ou_data_for_a_real_unit(standin: StandinServer, store: Store) -> None:
    ouv = store.ou_values
    assert not ouv.empty, "the store has no OU values"
    ou = ouv.groupby("ou_id").size().sort_values(ascending=False, kind="stable").index[0]
    kpis = sorted(ouv.loc[ouv.ou_id == ou, "kpi"].unique())[:25]
    year = int(ouv.loc[(ouv.ou_id == ou) & ouv.kpi.isin(kpis), "year"].max())

    all_years, _ = fetch_all(standin.url(f"oudata/kpi/{','.join(kpis)}/ou/{ou}"))
    assert_same_rows(all_years, truth_rows(ouv, "ou_id", kpis, [ou]), "ou")

    one_year, _ = fetch_all(standin.url(f"oudata/kpi/{','.join(kpis)}/ou/{ou}/year/{year}"))
    assert_same_rows(one_year, truth_rows(ouv, "ou_id", kpis, [ou], [year]), "ou")

    by_query, _ = fetch_all(standin.url("oudata/"), {"ou_id": ou})
    assert_same_rows(by_query, truth_rows(ouv, "ou_id", None, [ou]), "ou")

    every_unit, _ = fetch_all(standin.url(f"oudata/kpi/{kpis[0]}/year/{year}?per_page=2000"))
    assert_same_rows(every_unit, truth_rows(ouv, "ou_id", [kpis[0]], None, [year]), "ou")


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------


def test_municipalities(standin: StandinServer, store: Store) -> None:
    items, _ = fetch_all(standin.url("municipality"))
    truth = sorted(records(store.municipalities, ["id", "title", "type"]), key=lambda r: r["id"])
    assert items == truth
    assert len(items) == 312 and sum(i["type"] == "K" for i in items) == 290
    for param in ("region_type", "type"):
        regions, _ = fetch_all(standin.url("municipality"), {param: "L"})
        assert regions == [r for r in truth if r["type"] == "L"] and len(regions) == 22
    kommuner, _ = fetch_all(standin.url("municipality"), {"region_type": "K"})
    assert len(kommuner) == 290
    found, _ = fetch_all(standin.url("municipality"), {"title": "STOCK"})
    assert found == [r for r in truth if "stock" in r["title"].casefold()] != []
    some = [truth[0]["id"], truth[-1]["id"]]
    assert fetch_all(standin.url(f"municipality/{','.join(some)}"))[0] == [truth[0], truth[-1]]


def test_kpis(standin: StandinServer, store: Store, subject: dict) -> None:
    items, _ = fetch_all(standin.url("kpi?per_page=1000"))
    truth = sorted(records(store.kpis, KPI_FIELDS), key=lambda r: r["id"])
    assert items == truth
    assert all(list(i) == KPI_FIELDS for i in items)
    assert all(isinstance(i["has_ou_data"], bool) for i in items)
    ids = subject["kpis"][:3]
    assert fetch_all(standin.url(f"kpi/{','.join(ids)}"))[0] == [r for r in truth if r["id"] in ids]
    word = max(str(next(r for r in truth if r["id"] == ids[0])["title"]).split(), key=len)
    found, _ = fetch_all(standin.url("kpi"), {"title": word.upper()})
    assert found == [r for r in truth if word.casefold() in str(r["title"]).casefold()]
    assert get(standin, "kpi/NOSUCH").json()["values"] == []
    assert get(standin, "kpi_groups").json() == {
        "values": [],
        "count": 0,
        "next_url": None,
        "previous_url": None,
    }


def test_municipality_groups(standin: StandinServer, store: Store) -> None:
    items, _ = fetch_all(standin.url("municipality_groups"))
    names = dict(zip(store.municipalities["id"], store.municipalities["title"], strict=True))
    truth = {
        gid: (title, list(members))
        for gid, title, members in zip(
            store.municipality_groups["id"],
            store.municipality_groups["title"],
            store.municipality_groups["members"],
            strict=True,
        )
    }
    assert [i["id"] for i in items] == sorted(truth)
    for item in items:
        assert list(item) == ["id", "title", "members"]
        title, members = truth[item["id"]]
        assert item["title"] == title
        assert item["members"] == [{"member_id": m, "member_title": names.get(m)} for m in members]
    group = items[len(items) // 2]
    assert fetch_all(standin.url(f"municipality_groups/{group['id']}"))[0] == [group]
    word = group["title"].split()[0]
    found, _ = fetch_all(standin.url("municipality_groups"), {"title": word.lower()})
    assert [g["id"] for g in found] == sorted(
        g for g, (t, _) in truth.items() if word.casefold() in t.casefold()
    )


def test_ous(standin: StandinServer, store: Store) -> None:
    ous = store.ous
    counts = ous.groupby("municipality_id").size().sort_values(ascending=False, kind="stable")
    a, b = counts.index[0], counts.index[1]
    truth = sorted(
        (
            {"id": r["id"], "municipality": r["municipality_id"], "title": r["title"]}
            for r in records(ous, ["id", "municipality_id", "title"])
        ),
        key=lambda r: r["id"],
    )
    one, _ = fetch_all(standin.url("ou"), {"municipality": a})
    assert one == [r for r in truth if r["municipality"] == a] != []
    two, _ = fetch_all(standin.url("ou"), {"municipality": f"{a},{b}"})
    assert two == [r for r in truth if r["municipality"] in (a, b)]
    assert fetch_all(standin.url("ou"), [("municipality", a), ("municipality", b)])[0] == two
    assert fetch_all(standin.url(f"ou/{one[0]['id']}"))[0] == [one[0]]
    word = one[0]["title"]
    found, _ = fetch_all(standin.url("ou"), {"title": word.swapcase()})
    assert found == [r for r in truth if word.casefold() in r["title"].casefold()]


# ---------------------------------------------------------------------------------------------
# koladapy 1.0.1, unchanged except base_url
# ---------------------------------------------------------------------------------------------


def _flat(items: list[dict], loc_key: str) -> list[tuple]:
    from koladapy.utils import flatten_data

    rows = [
        (r["kpi"], r[loc_key], r["period"], r["gender"], r["value"], r["status"], r["count"])
        for r in flatten_data(items)
    ]
    assert all(r["isdeleted"] is False for r in flatten_data(items))
    return sorted(rows, key=lambda r: r[:4])


@pytest.mark.slow
def test_koladapy_unchanged_against_standin(
    standin: StandinServer, store: Store, subject: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")
    from koladapy import KoladaAPI

    api = KoladaAPI(base_url=standin.base_url + "/", max_requests_per_second=1000)

    # >25 KPIs (koladapy batches them), two years, no municipality: query form with repeats
    kpis = list(subject["all_kpis"])
    kpis += [k for k in sorted(store.kpis["id"]) if k not in kpis][: max(0, 27 - len(kpis))]
    kpis += [f"X{i:05d}" for i in range(max(0, 27 - len(kpis)))]
    years = subject["years"]
    values = api.get_values(kpi_id=kpis, years=years)
    truth = truth_rows(store.values, "municipality_id", kpis, None, years)
    assert truth and _flat(values, "municipality") == truth
    assert any(
        p.startswith("/v3/data/?") and p.count("kpi_id=") > 1 for _, p, *_ in standin.requests
    )

    ouv = store.ou_values
    ou = ouv.groupby("ou_id").size().sort_values(ascending=False, kind="stable").index[0]
    ou_items = api.get_values(ou_id=ou)
    assert _flat(ou_items, "ou") == truth_rows(ouv, "ou_id", None, [ou])

    munis = api.get_municipalities()
    assert sorted(munis, key=lambda m: m["id"]) == sorted(
        records(store.municipalities, ["id", "title", "type"]), key=lambda r: r["id"]
    )
    assert len(api.get_municipalities(municipality_type="K")) == 290

    kpi_truth = {r["id"]: r for r in records(store.kpis, KPI_FIELDS)}
    wanted = sorted(kpi_truth)[:30]
    assert api.get_kpis(wanted) == [kpi_truth[k] for k in wanted]
    word = str(kpi_truth[subject["kpis"][0]]["title"]).split()[0]
    found = api.search_kpis(word)
    assert [k["id"] for k in found] == sorted(
        k for k, r in kpi_truth.items() if word.casefold() in str(r["title"]).casefold()
    )
    assert all(code == 200 for _, _, code, _ in standin.requests)


# ---------------------------------------------------------------------------------------------
# Synthetic store: value encoding, hosts, runner, CLI
# ---------------------------------------------------------------------------------------------


def test_nulls_counts_and_statuses_synthetic(synth: StandinServer, synth_store: Store) -> None:
    v = synth_store.values
    items, _ = fetch_all(synth.url("data/kpi/N90000,N90001,N90002/year/2019,2020,2021"))
    truth = truth_rows(v, "municipality_id", years=[2019, 2020, 2021])
    assert_same_rows(items, truth, "municipality")
    entries = [e for i in items for e in i["values"]]
    assert any(e["value"] is None for e in entries)
    assert any(e["count"] is None for e in entries)
    assert {e["status"] for e in entries} == {"", "Preliminär", None}
    assert all([e["gender"] for e in i["values"]] == ["T", "K", "M"] for i in items)
    raw = requests.get(synth.url("data/kpi/N90000/year/2019"), timeout=TIMEOUT).text
    assert '"value":null' in raw and '"count":null' in raw and "Preliminär" in raw


def test_next_url_uses_request_host_synthetic(synth: StandinServer) -> None:
    path = "data/kpi/N90000,N90001/year/2020?per_page=10&foo=bar"
    body = requests.get(
        synth.url(path), timeout=TIMEOUT, headers={"Host": "kolada.test:8123"}
    ).json()
    parts = urlsplit(body["next_url"])
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "kolada.test:8123",
        "/v3/data/kpi/N90000,N90001/year/2020",
    )
    assert parse_qs(parts.query) == {"foo": ["bar"], "page": ["2"], "per_page": ["10"]}
    own = requests.get(synth.url(path), timeout=TIMEOUT).json()["next_url"]
    assert own.startswith(synth.base_url) and requests.get(own, timeout=TIMEOUT).ok


def test_request_log_and_reset_synthetic(synth: StandinServer) -> None:
    get(synth, "municipality")
    get(synth, "nothing")
    requests.get(synth.origin + "/_standin/requests", timeout=TIMEOUT)  # admin: not logged
    assert [tuple(r) for r in synth.requests] == [
        ("GET", "/v3/municipality", 200, None),
        ("GET", "/v3/nothing", 404, None),
    ]
    synth.faults = [{"kind": "error_body"}]
    synth.latency = 0.01
    synth.reset()
    assert synth.requests == [] and len(synth.faults) == 0 and synth.latency == 0
    assert requests.post(synth.url("kpi"), timeout=TIMEOUT).status_code == 405


def test_loopback_only_synthetic(synth_store: Store) -> None:
    for host in ("0.0.0.0", "192.0.2.1", "::"):
        with pytest.raises(ValueError, match="loopback"):
            StandinServer(synth_store, host=host)


def test_factory_server_with_latency_and_faults_synthetic(standin_factory) -> None:
    server = standin_factory(
        synthetic_store(n_kpis=1, n_municipalities=3),
        latency=0.2,
        faults=[{"kind": "error_body", "times": 1}],
    )
    started = time.perf_counter()
    assert get(server, "municipality").json() == DEPRECATED
    assert time.perf_counter() - started >= 0.2
    assert len(get(server, "municipality").json()["values"]) == 6


@pytest.mark.slow
def test_cli_serves_a_store_synthetic(tmp_path: Path) -> None:
    data = write_store(synthetic_store(n_kpis=2, n_municipalities=5), tmp_path / "store")
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"kind": "status", "status": 503, "times": 1}]))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [
        sys.executable,
        "-m",
        "kvalitetsvisaren.testing.standin",
        "--data",
        str(data),
        "--port",
        "0",
        "--faults",
        str(faults),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.search(r"(http://127\.0\.0\.1:\d+/v3)", line)
        assert match, line
        base = match.group(1)
        first = requests.get(base + "/municipality", timeout=TIMEOUT)
        assert first.status_code == 503 and first.headers["Retry-After"] == "1"
        assert len(requests.get(base + "/municipality", timeout=TIMEOUT).json()["values"]) == 8
        admin = base.removesuffix("/v3") + "/_standin"
        log = requests.get(admin + "/requests", timeout=TIMEOUT).json()
        assert [(e["status"], e["fault"]) for e in log] == [(503, "status"), (200, None)]
        plan = [{"kind": "error_body", "match": "kpi"}]
        assert requests.post(admin + "/faults", json=plan, timeout=TIMEOUT).ok
        assert requests.get(base + "/kpi", timeout=TIMEOUT).json() == DEPRECATED
        assert (
            requests.post(admin + "/faults", json=[{"kind": "nope"}], timeout=TIMEOUT).status_code
            == 400
        )
        assert requests.delete(admin + "/faults", timeout=TIMEOUT).json() == []
        assert requests.post(admin + "/latency", json={"seconds": 0.2}, timeout=TIMEOUT).ok
        started = time.perf_counter()
        assert requests.get(base + "/kpi", timeout=TIMEOUT).json()["count"] == 2
        assert time.perf_counter() - started >= 0.2
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------

DATA = "data/kpi/N90000,N90001/year/2020"


@pytest.mark.parametrize(("status", "retry_after"), [(503, "2"), (429, "1"), (500, None)])
def test_status_fault_stops_after_times_synthetic(
    synth: StandinServer, status: int, retry_after: str | None
) -> None:
    rule: dict[str, Any] = {"kind": "status", "status": status, "times": 2, "match": r"/data/"}
    if status == 503:
        rule["retry_after"] = 2
    synth.faults = [rule]
    assert get(synth, "municipality").status_code == 200  # does not match
    codes = []
    for _ in range(3):
        resp = get(synth, DATA)
        codes.append(resp.status_code)
        if resp.status_code == status:
            assert resp.headers.get("Retry-After") == retry_after
            assert resp.json()["detail"]
    assert codes == [status, status, 200]
    assert [(r.status, r.fault) for r in synth.requests] == [
        (200, None),
        (status, "status"),
        (status, "status"),
        (200, None),
    ]


def test_after_skips_the_first_matches_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("error_body", after=2, times=1, name="deprecated")]
    bodies = [get(synth, DATA).json() for _ in range(4)]
    assert [b == DEPRECATED for b in bodies] == [False, False, True, False]
    assert [r.fault for r in synth.requests] == [None, None, "deprecated", None]


def test_probability_is_seeded_and_deterministic_synthetic(synth: StandinServer) -> None:
    def pattern() -> list[bool]:
        synth.reset()
        synth.faults = [FaultRule("status", status=502, probability=0.5, seed=7)]
        return [get(synth, DATA).status_code == 502 for _ in range(16)]

    first = pattern()
    assert first == pattern()
    assert any(first) and not all(first)
    plans = [FaultPlan([FaultRule("latency", probability=0.3, seed=s)]) for s in (1, 1, 2)]
    runs = [[p.decide("/v3/x").label for _ in range(50)] for p in plans]
    assert runs[0] == runs[1] != runs[2]


def test_timeout_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("timeout", seconds=1.5, times=1)]
    with pytest.raises(requests.Timeout):
        get(synth, DATA, timeout=0.2)
    assert get(synth, DATA).ok
    assert [r.fault for r in synth.requests] == ["timeout", None]


@pytest.mark.parametrize("variant", ["partial", "close"])
def test_drop_fault_cuts_the_connection_synthetic(synth: StandinServer, variant: str) -> None:
    synth.faults = [FaultRule("drop", variant=variant, times=1)]
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        get(synth, DATA)
    assert get(synth, DATA).ok
    assert [(r.status, r.fault) for r in synth.requests] == [(None, "drop"), (200, None)]


def test_malformed_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [
        FaultRule("malformed", times=1),
        FaultRule("malformed", variant="garbage", times=1),
    ]
    html = get(synth, DATA)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in html.text
    garbage = get(synth, DATA)
    assert garbage.status_code == 200
    assert garbage.headers["Content-Type"].startswith("application/json")
    for resp in (html, garbage):
        with pytest.raises(ValueError):
            resp.json()
    assert get(synth, DATA).json()["count"] > 0


def test_truncated_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("truncated", times=1)]
    cut = get(synth, DATA)
    full = get(synth, DATA)
    assert cut.status_code == 200 and cut.headers["Content-Type"].startswith("application/json")
    assert int(cut.headers["Content-Length"]) == len(cut.content) < len(full.content)
    assert full.content.startswith(cut.content)
    with pytest.raises(ValueError):
        cut.json()


def test_error_body_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("error_body", match="kpi", times=1)]
    resp = get(synth, DATA)
    assert resp.status_code == 200 and resp.json() == DEPRECATED


def test_wrong_shape_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [
        FaultRule("wrong_shape", times=1),
        FaultRule("wrong_shape", variant="items_missing_keys", times=1),
        FaultRule("wrong_shape", variant="missing_values", times=1),
    ]
    not_list, missing_keys, no_values = (get(synth, DATA).json() for _ in range(3))
    assert not isinstance(not_list["values"], list)
    assert missing_keys["values"] and all(
        "values" not in i and "period" not in i for i in missing_keys["values"]
    )
    assert "values" not in no_values
    assert isinstance(get(synth, DATA).json()["values"], list)


def test_cycle_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("cycle", match=r"page=2\b")]
    page1 = get(synth, DATA, {"per_page": 5}).json()
    page2 = requests.get(page1["next_url"], timeout=TIMEOUT).json()
    assert page2["count"] == 5
    assert parse_qs(urlsplit(page2["next_url"]).query)["page"] == ["1"]
    assert requests.get(page2["next_url"], timeout=TIMEOUT).json() == page1


def test_empty_next_fault_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("empty_next", match=r"page=2\b", times=1)]
    page1 = get(synth, DATA, {"per_page": 5}).json()
    empty = requests.get(page1["next_url"], timeout=TIMEOUT).json()
    assert empty["values"] == [] and empty["count"] == 0
    assert parse_qs(urlsplit(empty["next_url"]).query)["page"] == ["3"]
    assert requests.get(page1["next_url"], timeout=TIMEOUT).json()["count"] == 5


def test_latency_rule_and_server_latency_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("latency", seconds=0.3, match="municipality")]
    started = time.perf_counter()
    assert get(synth, "municipality").ok
    assert time.perf_counter() - started >= 0.3
    assert get(synth, DATA).ok
    assert [r.fault for r in synth.requests] == ["latency", None]
    synth.faults = None
    synth.latency = 0.25
    started = time.perf_counter()
    assert get(synth, DATA).ok
    assert time.perf_counter() - started >= 0.25


def test_fault_rules_from_json() -> None:
    plan = FaultPlan.from_json(
        '[{"kind": "status", "status": 503, "match": "/data", "times": 2},'
        ' {"kind": "drop", "variant": "close", "after": 1}]'
    )
    assert [r.kind for r in plan.rules] == ["status", "drop"]
    again = FaultPlan.from_json(json.dumps([r.to_dict() for r in plan.rules]))
    assert again.rules == plan.rules
    for bad in (
        {"kind": "nope"},
        {"kind": "status", "colour": "red"},
        {"status": 500},
        {"kind": "drop", "variant": "html"},
        {"kind": "status", "probability": 2},
    ):
        with pytest.raises(ValueError):
            FaultRule.from_dict(bad)


# ---------------------------------------------------------------------------------------------
# Quirks: plausible departures from the documented API (synthetic store)
# ---------------------------------------------------------------------------------------------

SYNTH_DATA = "data/kpi/N90000,N90001/year/2019,2020,2021"  # 2 KPIs x 23 places x 3 years


def follow(server: StandinServer, path: str, params: Any = None) -> tuple[list[dict], list]:
    """Follow next_url as written (relative ones against the server), to the end."""
    url, pages = server.url(path), []
    items: list[dict] = []
    while url and len(pages) < 100:
        resp = requests.get(url, params=params, timeout=TIMEOUT)
        assert resp.status_code == 200, resp.text[:300]
        body = resp.json()
        items += body["values"]
        pages.append(body)
        url, params = body["next_url"], None
        if url and url.startswith("/"):
            url = server.origin + url
    return items, pages


@pytest.mark.parametrize("page_twice", [False, True], ids=["page once", "page twice"])
@pytest.mark.parametrize("reordered", [False, True], ids=["in order", "reordered"])
@pytest.mark.parametrize("encoded", [False, True], ids=["commas", "%2C"])
@pytest.mark.parametrize("style", ["absolute", "relative"])
def test_quirk_next_url_forms_synthetic(
    synth: StandinServer, synth_store: Store, style, encoded, reordered, page_twice
) -> None:
    synth.quirks = Quirks(
        next_style=style, encoded_commas=encoded, reordered=reordered, page_twice=page_twice
    )
    items, pages = follow(synth, SYNTH_DATA, {"per_page": 40, "from_date": "2000-01-01"})
    truth = truth_rows(synth_store.values, "municipality_id", ["N90000", "N90001"])
    assert_same_rows(items, truth, "municipality")
    assert len(pages) == math.ceil(len(truth_keys(truth)) / 40) >= 3
    link = pages[0]["next_url"]
    assert link.startswith("/v3/data/kpi/" if style == "relative" else synth.base_url + "/data/")
    assert ("%2C" in link and "," not in link) if encoded else ("," in link and "%2C" not in link)
    keys = [k for k, _ in parse_qsl(urlsplit(link).query)]
    if page_twice:
        assert keys == ["from_date", "page", "per_page", "page"]
        assert parse_qs(urlsplit(link).query)["page"] == ["1", "2"]
    else:
        assert keys == (
            ["page", "per_page", "from_date"] if reordered else ["from_date", "page", "per_page"]
        )
    assert pages[-1]["next_url"] is None


@pytest.mark.parametrize("past_end", ["empty", "404", "422"])
@pytest.mark.parametrize("last_next", ["null", "", "full", "always"])
def test_quirk_end_of_paging_synthetic(synth: StandinServer, last_next, past_end) -> None:
    synth.quirks = Quirks(last_next=last_next, past_end=past_end)
    n_items = 2 * 23 * 3  # 138 items: 3 full pages of 46
    bodies = [get(synth, SYNTH_DATA, {"per_page": 46, "page": n}).json() for n in (1, 2, 3)]
    assert [b["count"] for b in bodies] == [46, 46, 46]
    last = bodies[-1]["next_url"]
    assert {"null": last is None, "": last == "", "full": bool(last), "always": bool(last)}[
        last_next
    ]
    assert all(b["next_url"] for b in bodies[:-1])
    short = get(synth, SYNTH_DATA, {"per_page": 100, "page": 2}).json()  # 38 of 138
    assert short["count"] == n_items - 100
    assert bool(short["next_url"]) == (last_next == "always")
    past = get(synth, SYNTH_DATA, {"per_page": 46, "page": 4})
    assert past.status_code == {"empty": 200, "404": 404, "422": 422}[past_end]
    if past_end == "empty":
        assert past.json()["values"] == []
    first = get(synth, "data/kpi/N99999/year/2020", {"page": 1})  # page 1 is never "past"
    assert first.status_code == 200 and first.json()["values"] == []


TYPE_QUIRKS = ["string_periods", "float_counts", "int_isdeleted", "null_gender"]


@pytest.mark.parametrize("quirk", TYPE_QUIRKS)
def test_quirk_value_types_synthetic(synth: StandinServer, synth_store: Store, quirk) -> None:
    synth.quirks = Quirks(**{quirk: True})
    raw = get(synth, SYNTH_DATA).text
    items = json.loads(raw)["values"]
    entries = [e for i in items for e in i["values"]]
    check = {
        "string_periods": all(isinstance(i["period"], str) for i in items),
        "float_counts": all(e["count"] is None or isinstance(e["count"], float) for e in entries)
        and any(e["count"] == 1.0 for e in entries),
        "int_isdeleted": all(e["isdeleted"] == 0 and e["isdeleted"] is not False for e in entries),
        "null_gender": all(e["gender"] in (None, "K", "M") for e in entries)
        and any(e["gender"] is None for e in entries),
    }
    assert check[quirk]
    # read back the documented way, the values are the store's
    for i in items:
        i["period"] = int(i["period"])
        for e in i["values"]:
            e["count"] = None if e["count"] is None else int(e["count"])
            e["isdeleted"] = bool(e["isdeleted"])
            e["gender"] = e["gender"] or "T"
    truth = truth_rows(synth_store.values, "municipality_id", ["N90000", "N90001"])
    assert_same_rows(items, truth, "municipality")


def test_quirk_int_isdeleted_in_the_change_feed_synthetic(
    synth: StandinServer, synth_store: Store
) -> None:
    v = synth_store.values
    deleted = v[(v["kpi"] == "N90000") & (v["municipality_id"] == "1000") & (v["year"] == 2020)]
    synth.apply_changes(
        "data", None, deleted[["kpi", "municipality_id", "year", "gender"]], on="2026-11-01"
    )
    synth.quirks = Quirks(int_isdeleted=True)
    items = get(synth, SYNTH_DATA, {"from_date": "2026-10-01"}).json()["values"]
    assert [(i["municipality"], i["period"]) for i in items] == [("1000", 2020)]
    assert [e["isdeleted"] for e in items[0]["values"]] == [1, 1, 1]


def test_quirk_group_rows_synthetic(synth: StandinServer, synth_store: Store) -> None:
    synth.quirks = Quirks(group_rows=True)
    items, _ = fetch_all(synth.url(SYNTH_DATA))
    groups = [i for i in items if i["municipality"].startswith("G")]
    plain = [i for i in items if not i["municipality"].startswith("G")]
    assert_same_rows(
        plain,
        truth_rows(synth_store.values, "municipality_id", ["N90000", "N90001"]),
        "municipality",
    )
    v = synth_store.values
    expected = {}
    for gid, members in zip(
        synth_store.municipality_groups["id"],
        synth_store.municipality_groups["members"],
        strict=True,
    ):
        f = v[v["kpi"].isin(["N90000", "N90001"]) & v["municipality_id"].isin(list(members))]
        for (kpi, year, gender), part in f.dropna(subset=["value"]).groupby(
            ["kpi", "year", "gender"]
        ):
            expected[(kpi, gid, year, gender)] = (pytest.approx(part["value"].mean()), len(part))
    got = {
        (i["kpi"], i["municipality"], i["period"], e["gender"]): (e["value"], e["count"])
        for i in groups
        for e in i["values"]
    }
    assert got == expected and {k[1] for k in got} == {"G1", "G2"}
    # only without a municipality segment
    with_segment, _ = fetch_all(synth.url("data/kpi/N90000/municipality/1000,G1/year/2020"))
    assert [i["municipality"] for i in with_segment] == ["1000"]


def test_quirk_oudata_cost_limit_answers_504_synthetic(
    synth: StandinServer, synth_store: Store
) -> None:
    ou = synth_store.ou_values
    per_year = ou[(ou["kpi"] == "N90000")].groupby("year").size()
    limit = int(per_year.max())
    synth.quirks = Quirks(oudata_cost_limit=limit)
    one = get(synth, "oudata/kpi/N90000/year/2020", {"per_page": 5})
    assert one.status_code == 200 and one.json()["next_url"]
    for page in (1, 2):  # every page of a heavy query, not just the first
        two = get(synth, "oudata/kpi/N90000/year/2020,2021", {"per_page": 5, "page": page})
        assert two.status_code == 504 and "Gateway Time-out" in two.text
    assert get(synth, SYNTH_DATA).status_code == 200  # /data has no cost limit


def test_quirk_from_date_after_synthetic(synth: StandinServer, synth_store: Store) -> None:
    v = synth_store.values
    revised = v[(v["kpi"] == "N90000") & (v["municipality_id"] == "1000") & (v["year"] == 2021)]
    synth.apply_changes("data", revised.assign(value=1.0), None, on="2026-11-01")
    for after, expected in ((False, len(revised)), (True, 0)):
        synth.quirks = Quirks(from_date_after=after)
        items = get(synth, SYNTH_DATA, {"from_date": "2026-11-01"}).json()["values"]
        assert sum(len(i["values"]) for i in items) == expected
    assert len(get(synth, SYNTH_DATA, {"from_date": "2026-10-31"}).json()["values"]) == 1


def test_repeat_fault_serves_the_same_page_synthetic(synth: StandinServer) -> None:
    synth.faults = [FaultRule("repeat", match=r"page=[2-9]", to_page=1)]
    page1 = get(synth, DATA, {"per_page": 5}).json()
    page2 = get(synth, DATA, {"per_page": 5, "page": 2}).json()
    assert page2["values"] == page1["values"] and page2["next_url"]
    assert parse_qs(urlsplit(page2["next_url"]).query)["page"] == ["3"]


def test_quirks_admin_and_reset_synthetic(synth: StandinServer) -> None:
    admin = synth.origin + "/_standin/quirks"
    sent = {"last_next": "", "string_periods": True}
    assert requests.post(admin, json=sent, timeout=TIMEOUT).json() == {
        **Quirks().to_dict(),
        **sent,
    }
    assert synth.quirks == Quirks(last_next="", string_periods=True)
    assert requests.post(admin, json={"nope": 1}, timeout=TIMEOUT).status_code == 400
    assert requests.post(admin, json={"past_end": "410"}, timeout=TIMEOUT).status_code == 400
    synth.reset()
    assert synth.quirks == Quirks()


# --- published changes re-encode only the (kpi, location) pairs they touch -----------------

KEYS = ["kpi", "municipality_id", "year", "gender"]


def index_state(index: DataIndex) -> tuple:
    return index.by_pair, index.locations, index.items, index.kpis


@pytest.fixture(scope="module")
def synth_app(synth_store: Store) -> StandinApp:
    return StandinApp(synth_store)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    revised=st.lists(st.integers(0, 620), max_size=12),
    deleted=st.lists(st.integers(0, 620), max_size=40),
    new_kpi=st.booleans(),
    drop_kpi=st.booleans(),
)
def test_synthetic_changes_encode_as_a_full_build_of_the_changed_values(
    synth_app, synth_store, revised, deleted, new_kpi, drop_kpi
):
    """After any changes (revisions, whole pairs deleted, a KPI or place the store lacks), the
    stand-in serves exactly what an index built from scratch on the changed values serves; and
    reset() serves the store again."""
    app = synth_app
    app.reset()
    v = synth_store.values
    upserts = v.iloc[sorted(set(revised))].assign(value=-1.0)
    if new_kpi:  # a KPI and a municipality the store has no values for
        upserts = pd.concat([upserts, v.iloc[:3].assign(kpi="N99999", municipality_id="2999")])
    gone = set(deleted) | (set(np.flatnonzero(v["kpi"] == "N90002")) if drop_kpi else set())
    deletes = v.iloc[sorted(gone - set(revised))][KEYS]
    app.apply_changes("data", upserts, deletes, on="2026-11-01")
    current = app.changes["data"].current
    assert len(current) == len(v) - len(deletes) + 3 * new_kpi
    kept = not drop_kpi or (v["kpi"].iloc[revised] == "N90002").any()  # a revision keeps it
    assert ("N90002" in set(current["kpi"])) == kept
    full = DataIndex(current, "municipality_id", "municipality")
    assert index_state(app.values) == index_state(full)
    assert app.values.select(None, None, None) == full.select(None, None, None)
    app.reset()
    assert index_state(app.values) == index_state(DataIndex(v, "municipality_id", "municipality"))
