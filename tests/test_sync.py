"""`kvalitetsvisaren sync`: a stand-in serving the real snapshot is synced into a new store,
which must equal the snapshot; a failing or killed sync must leave the old store untouched."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import requests
from store_rows import value_rows

from kvalitetsvisaren.cli import build_parser, main
from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.config.models import AppConfig
from kvalitetsvisaren.data.freshness import read_sync_status
from kvalitetsvisaren.data.store import StoreError, load_store, make_store, write_store
from kvalitetsvisaren.kolada import KoladaClient, KoladaError, KoladaHTTPError
from kvalitetsvisaren.sync import merge_changes, parse_years, sync
from kvalitetsvisaren.testing.quirks import Quirks
from kvalitetsvisaren.testing.serving import free_port

SORT = {
    "kpis": ["id"],
    "municipalities": ["id"],
    "municipality_groups": ["id"],
    "ous": ["id"],
    "values": ["kpi", "municipality_id", "year", "gender"],
    "ou_values": ["kpi", "ou_id", "year", "gender"],
}

pytestmark = pytest.mark.slow  # whole syncs over HTTP, some in subprocesses


def sorted_tables(store):
    return {n: f.sort_values(SORT[n], ignore_index=True) for n, f in store.tables().items()}


def assert_same_tables(expected, *stores) -> None:
    """Every table of `expected` equals the same table of each of `stores`, rows in any order
    (each store sorted once, not once per table)."""
    got = [sorted_tables(store) for store in stores]
    for name, frame in sorted_tables(expected).items():
        for tables in got:
            pd.testing.assert_frame_equal(tables[name], frame, obj=name)


@pytest.fixture
def config(config_path):
    return load_config(config_path)


def kolada(standin, **options) -> KoladaClient:
    """A client for the loopback stand-in, which needs no politeness (no rate limit)."""
    return KoladaClient(standin.base_url, **{"rate_limit": 0, **options})


def files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_sync_from_kolada_reproduces_the_snapshot_exactly(tmp_path, standin, config):
    with kolada(standin) as client:
        synced = sync(client, config, tmp_path / "store", range(2010, 2025), progress=False)
    snapshot = standin.store
    assert_same_tables(snapshot, synced)
    assert synced.meta["source"] == "kolada"
    assert synced.meta["api_base"] == standin.base_url
    assert synced.meta["coverage"]["kpis_without_metadata"] == []
    assert load_store(tmp_path / "store").summary()["kpis"] == len(config.kpi_ids())


# The strictest server a real Kolada could plausibly be, all at once: nothing past the last page
# (404), relative next_urls with encoded commas, parameters reordered and page given twice, ""
# on the last page, other value types, group rows, and a gateway that times out (504) any unit
# query selecting more than 9,000 rows (the largest single KPI x year has 8,810).
STRICTEST = Quirks(
    next_style="relative",
    encoded_commas=True,
    reordered=True,
    page_twice=True,
    last_next="",
    past_end="404",
    string_periods=True,
    float_counts=True,
    int_isdeleted=True,
    null_gender=True,
    group_rows=True,
    oudata_cost_limit=9000,
)


def within_years(store, years):
    """The store with only the values of `years` (what a sync of those years brings)."""
    kept = {n: f[f["year"].isin(years)] for n, f in store.tables().items() if "year" in f}
    return make_store({**store.tables(), **kept}, store.meta)


# 2022, the last year with national values (it has unit values too), and 2024, the unit year
# of the largest query: every quirk meets both kinds of value pages and that query, at about a
# quarter of all years' rows (string periods send each page through the lenient reader, in
# Python). All years are synced exactly, without quirks, above.
STRICTEST_YEARS = [2022, 2024]


def test_sync_completes_against_the_strictest_plausible_kolada(tmp_path, standin, config):
    standin.quirks = STRICTEST
    with kolada(standin, backoff_factor=0) as client:
        synced = sync(client, config, tmp_path / "store", STRICTEST_YEARS, progress=False)
    expected = within_years(standin.store, STRICTEST_YEARS)
    assert len(expected.values) and len(expected.ou_values)
    largest = standin.store.ou_values.groupby(["kpi", "year"]).size().idxmax()
    assert largest[1] in STRICTEST_YEARS  # the query nearest the gateway's limit is met
    assert_same_tables(expected, synced)
    statuses = {r.status for r in standin.requests}
    assert client.stats.splits > 0 and 504 in statuses  # the cost limit was met, and split
    assert statuses <= {200, 504}  # and no page past the end was ever asked for


@pytest.fixture
def old_store(tmp_path, standin):
    """An existing store the failing syncs must not touch (a real subset of the snapshot)."""
    s = standin.store
    small = make_store(
        {**s.tables(), "values": s.values.head(100), "ou_values": s.ou_values.head(100)},
        {"source": "kolada", "fetched_at": "2026-01-01T00:00:00+00:00"},
    )
    write_store(small, tmp_path / "store")
    return tmp_path / "store"


def test_failed_sync_leaves_the_old_store_untouched(tmp_path, standin, config, old_store):
    before = files(old_store)
    standin.faults = [{"kind": "status", "status": 500, "match": "/oudata/"}]  # the last step
    client = kolada(standin, max_retries=1, backoff_factor=0)
    with client, pytest.raises(KoladaHTTPError, match="oudata"):
        sync(client, config, old_store, range(2021, 2023), progress=False)
    assert files(old_store) == before
    assert not any(".tmp-" in p.name for p in tmp_path.iterdir())  # no temporary left


def test_sync_under_transient_faults_completes_with_exact_data(tmp_path, standin, config):
    standin.faults = [
        {"kind": "status", "status": 503, "retry_after": 0, "times": 3},
        {"kind": "drop", "variant": "partial", "match": "/data/", "times": 1},
        {"kind": "status", "status": 429, "retry_after": 1, "match": "/oudata/", "times": 1},
    ]
    with kolada(standin, backoff_factor=0.01) as client:
        synced = sync(client, config, tmp_path / "s", range(2021, 2025), progress=False)
    assert sum(1 for r in standin.requests if r.fault) == 5
    snap = standin.store
    expected = snap.values[snap.values["year"].between(2021, 2024)]
    pd.testing.assert_frame_equal(
        sorted_tables(synced)["values"], expected.sort_values(SORT["values"], ignore_index=True)
    )


def test_parse_years():
    assert parse_years("2010-2012") == [2010, 2011, 2012]
    assert parse_years("2022, 2020") == [2020, 2022]
    for bad in ["2010-", "tjugo", "2022-2010", "1800-1801"]:
        with pytest.raises(ValueError):
            parse_years(bad)


# --- the command line -------------------------------------------------------------------


def test_cli_sync_writes_a_store(tmp_path, standin, capsys):
    out = tmp_path / "data"
    code = main(
        [
            "sync",
            "--base-url",
            standin.base_url,
            "--out",
            str(out),
            "--years",
            "2022",
            "--rate-limit",
            "0",
            "--quiet",
        ]
    )
    assert code == 0
    assert '"source": "kolada"' in capsys.readouterr().out
    assert set(load_store(out).values["year"]) == {2022}


def test_cli_sync_failure_exits_1_and_says_nothing_changed(tmp_path, standin, capsys, old_store):
    before = files(old_store)
    standin.faults = [{"kind": "malformed"}]
    code = main(["sync", "--base-url", standin.base_url, "--out", str(old_store), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "inget ändrades" in err and "Malformed JSON" in err and standin.base_url in err
    assert files(old_store) == before


def test_cli_bad_input_exits_2_with_a_message(tmp_path, capsys, snapshot_dir):
    assert main(["sync", "--out", str(tmp_path), "--years", "tjugo"]) == 2
    assert "Ogiltiga år" in capsys.readouterr().err
    assert main(["sync", "--out", str(snapshot_dir), "--years", "2022"]) == 2
    assert "bundled snapshot" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nareas: []\n")
    assert main(["sync", "--config", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_cli_sync_defaults_are_polite_and_patient():
    args = build_parser().parse_args(["sync"])
    assert args.rate_limit <= 5 and args.concurrency >= 4
    assert args.data_timeout >= 120 and args.timeout == 30
    args = build_parser().parse_args(["sync", "--data-timeout", "300", "--rate-limit", "2"])
    assert (args.data_timeout, args.rate_limit) == (300, 2)


def test_cli_info(capsys, snapshot_dir):
    assert main(["info", "--data", str(snapshot_dir)]) == 0
    assert '"municipalities": 290' in capsys.readouterr().out


def test_killed_sync_leaves_the_old_store_untouched(tmp_path, old_store):
    """A sync killed mid-way (SIGKILL, no clean-up possible) changes nothing."""
    port = free_port()
    standin = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kvalitetsvisaren.testing.standin",
            "--data",
            str(shutil.copytree(old_store, tmp_path / "served")),  # small: quick to start
            "--port",
            str(port),
            "--latency",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        standin.stdout.readline()
        before = files(old_store)
        env = {**os.environ, "KVALITETSVISAREN_DATA": str(old_store)}
        sync_proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kvalitetsvisaren.cli",
                "sync",
                "--quiet",
                "--base-url",
                f"http://127.0.0.1:{port}/v3",
            ],
            env=env,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        wait_for_requests(port, 2)  # metadata fetched, values under way
        assert sync_proc.poll() is None, "the sync ended before it could be killed"
        sync_proc.send_signal(signal.SIGKILL)
        sync_proc.wait(timeout=10)
        assert files(old_store) == before
        assert load_store(old_store).meta["fetched_at"] == "2026-01-01T00:00:00+00:00"
    finally:
        standin.terminate()
        standin.wait(timeout=10)
        standin.stdout.close()


# --- incremental sync (Kolada's from_date) --------------------------------------------------

VALUE_KEYS = ["kpi", "municipality_id", "year", "gender"]
OU_KEYS = ["kpi", "ou_id", "year", "gender"]


def publish_synthetic_changes(standin, on):
    """Kolada revises, adds and deletes values: real rows of the snapshot, changed."""
    v, ou = standin.store.values, standin.store.ou_values
    mine = v[(v["kpi"] == "U21468") & (v["municipality_id"] == "0883")]
    revised = mine[mine["year"] == 2022].assign(value=lambda f: f["value"] - 5.0)
    added = mine[mine["year"] == 2022].assign(year=2021)  # a year the survey had no value
    deleted = v[(v["kpi"] == "U21468") & (v["municipality_id"] == "0880")]
    deleted = deleted[deleted["year"] == 2022][VALUE_KEYS]
    standin.apply_changes("data", pd.concat([revised, added]), deleted, on=on)
    unit = ou[(ou["year"] == 2024)].head(2)
    standin.apply_changes("oudata", unit.assign(value=1.0), unit.iloc[0:0][OU_KEYS], on=on)
    return {"changed": len(revised) + len(added), "deleted": len(deleted), "ou_changed": 2}


def clean_sync(standin_server, config, tmp_path_factory, years) -> Path:
    """A store synced from the stand-in without faults, for a module's tests to copy."""
    standin_server.reset()
    path = tmp_path_factory.mktemp("synced") / "store"
    with kolada(standin_server) as client:
        sync(client, config, path, years, progress=False)
    return path


INCREMENTAL_YEARS = range(2021, 2025)  # the synthetic changes are in 2021, 2022 and 2024


@pytest.fixture(scope="module")
def synced_2021_2024(standin_server, config_path, tmp_path_factory):
    """The previous sync of the incremental tests."""
    config = load_config(config_path)
    return clean_sync(standin_server, config, tmp_path_factory, INCREMENTAL_YEARS)


def test_incremental_sync_equals_a_full_sync_after_synthetic_changes(
    tmp_path, standin, config, synced_2021_2024
):
    years = INCREMENTAL_YEARS
    first = load_store(shutil.copytree(synced_2021_2024, tmp_path / "store"))
    expected = publish_synthetic_changes(standin, on=date.today())
    standin.clear_requests()
    with kolada(standin) as client:
        updated = sync(client, config, tmp_path / "store", years, progress=False, from_date="last")
        asked = [r.path for r in standin.requests if re.search("/v3/(ou)?data/", r.path)]
        full = sync(client, config, tmp_path / "full", years, progress=False)
    changes = updated.meta["incremental"]["changes"]
    assert changes["values"] == {"changed": expected["changed"], "deleted": expected["deleted"]}
    assert changes["ou_values"] == {"changed": expected["ou_changed"], "deleted": 0}
    assert_same_tables(full, updated)
    assert not sorted_tables(first)["values"].equals(sorted_tables(updated)["values"])
    # the incremental run asked Kolada only for changes, since the day of the previous sync
    since = date.fromisoformat(first.meta["fetched_at"][:10]) - timedelta(days=1)
    assert asked and all(f"from_date={since.isoformat()}" in p for p in asked)


def test_synthetic_changes_on_the_previous_sync_day_are_found_and_merge_idempotently(
    tmp_path, standin, config, synced_2021_2024
):
    """Kolada reading from_date as "changed after that day" (a stand-in quirk): a change made
    on the day of the previous sync, after it, is still found; and syncing the same changes
    again and again gives the same store as a full sync."""
    years = INCREMENTAL_YEARS
    first = load_store(shutil.copytree(synced_2021_2024, tmp_path / "store"))
    standin.quirks = Quirks(from_date_after=True)
    same_day = date.fromisoformat(first.meta["fetched_at"][:10])
    expected = publish_synthetic_changes(standin, on=same_day)
    with kolada(standin) as client:
        full = sync(client, config, tmp_path / "full", years, progress=False)
        once = sync(client, config, tmp_path / "store", years, progress=False, from_date="last")
        twice = sync(client, config, tmp_path / "store", years, progress=False, from_date="last")
    assert once.meta["incremental"]["changes"]["values"]["changed"] == expected["changed"]
    assert twice.meta["incremental"]["changes"] == once.meta["incremental"]["changes"]
    assert_same_tables(full, once, twice)


def test_merge_of_synthetic_changes_is_idempotent(standin):
    """Merging the same changes twice (overlapping windows) equals merging them once."""
    v = standin.store.values.head(400)
    changed = v.iloc[10:20].assign(value=-3.0, deleted=False)
    deleted = v.iloc[30:35].assign(deleted=True)
    added = v.iloc[0:5].assign(year=1999, deleted=False)
    changes = pd.concat([changed, deleted, added], ignore_index=True)
    once = merge_changes(v, changes, VALUE_KEYS)
    pd.testing.assert_frame_equal(merge_changes(once, changes, VALUE_KEYS), once)
    assert len(once) == len(v) - 5 + 5
    assert (once.merge(changed[VALUE_KEYS])["value"] == -3.0).all()


def test_incremental_sync_needs_a_previous_store_that_covers_the_request(
    tmp_path, standin, config, old_store
):
    with kolada(standin) as client:
        with pytest.raises(StoreError, match="finns inte"):
            sync(client, config, tmp_path / "none", [2022], progress=False, from_date="last")
        with pytest.raises(ValueError, match="fullständig sync"):  # old_store has no "kpis" list
            sync(client, config, old_store, [2022], progress=False, from_date="2026-01-01")
        with pytest.raises(ValueError, match="Ogiltigt datum"):
            sync(client, config, old_store, [2022], progress=False, from_date="i går")


# --- the status file the app reads ------------------------------------------------------------


def test_each_sync_records_its_outcome_beside_the_store(tmp_path, standin, config, old_store):
    with kolada(standin) as client:
        sync(client, config, tmp_path / "s", [2022], progress=False)
    ok = read_sync_status(tmp_path / "s")
    assert ok["ok"] is True and ok["version"] == load_store(tmp_path / "s").meta["version"]
    standin.faults = [{"kind": "status", "status": 503, "retry_after": 0}]
    with (
        kolada(standin, max_retries=1, backoff_factor=0) as client,
        pytest.raises(KoladaHTTPError),
    ):
        sync(client, config, tmp_path / "s", [2022], progress=False)
    failed = read_sync_status(tmp_path / "s")
    assert failed["ok"] is False and "HTTP 503" in failed["error"]
    assert failed["attempted_at"] >= ok["attempted_at"]
    assert load_store(tmp_path / "s").meta["version"] == ok["version"]  # the data is unchanged


# --- every kind of fault: exact data or nothing changed, and a clean cache -------------------

FAULTS = [
    {"kind": "status", "status": 429, "retry_after": 0},
    {"kind": "status", "status": 500},
    {"kind": "status", "status": 502},
    {"kind": "status", "status": 503, "retry_after": 0},
    {"kind": "status", "status": 504},
    {"kind": "timeout", "seconds": 2},
    {"kind": "drop", "variant": "close"},
    {"kind": "drop", "variant": "partial"},
    {"kind": "malformed", "variant": "html"},
    {"kind": "malformed", "variant": "garbage"},
    {"kind": "truncated"},
    {"kind": "error_body"},
    {"kind": "wrong_shape", "variant": "items_missing_keys"},
    {"kind": "repeat", "to_page": 1},
]


@pytest.fixture(scope="module")
def one_area_config(config_path):
    """The configuration cut to hemtjänst, for the fault runs: a fault meets its value pages
    and unit pages as it would the whole configuration's, at a fraction of the requests. The
    whole configuration is synced exactly by the tests above."""
    whole = load_config(config_path)
    area = whole.area("hemtjanst")
    used = set(re.findall(r"[NU]\d{5}", area.model_dump_json()))  # measures' and low_response's
    return AppConfig.model_validate(
        {
            **whole.model_dump(),
            "kpis": [k.model_dump() for k in whole.kpis if k.id in used],
            "areas": [area.model_dump()],
        }
    )


@pytest.fixture(scope="module")
def synced_2022(standin_server, one_area_config, tmp_path_factory):
    """The store every fault run starts from."""
    return clean_sync(standin_server, one_area_config, tmp_path_factory, [2022])


@pytest.mark.parametrize(
    "fault", FAULTS, ids=lambda f: f"{f['kind']}-{f.get('status', f.get('variant', ''))}"
)
def test_sync_under_a_fault_is_exact_or_changes_nothing(
    tmp_path, standin, one_area_config, fault, synced_2022
):
    """Once (retried: exact data) and always (typed error, old store and cache clean); then
    the same cache gives exact data when Kolada is well again."""
    years, cache = [2022], tmp_path / "cache"  # the fault runs start with an empty cache
    shutil.copytree(synced_2022, tmp_path / "s")
    base = load_store(tmp_path / "s")
    before = files(tmp_path / "s")
    # paged queries (per_page 1000) so that a cycle can occur; the fault hits the value pages
    standin.faults = [{**fault, "match": "/v3/(ou)?data/", "after": 2}]

    def client():
        return kolada(
            standin,
            cache_dir=cache,
            timeout=1,
            data_timeout=0.5,
            max_retries=2,
            per_page=1000,
            backoff_factor=0,
            throttle_patience=0.5,
        )

    with client() as c, pytest.raises(KoladaError) as failure:
        sync(c, one_area_config, tmp_path / "s", years, progress=False)
    assert files(tmp_path / "s") == before and not read_sync_status(tmp_path / "s")["ok"]
    assert standin.base_url in str(failure.value)
    standin.faults = []
    with client() as c:
        again = sync(c, one_area_config, tmp_path / "s", years, progress=False)
    assert_same_tables(base, again)
    if fault["kind"] in ("status", "timeout", "drop"):  # transient: retried to exact data
        standin.faults = [{**fault, "match": "/v3/(ou)?data/", "times": 1}]
        with client() as c:
            c._cache.clear()
            once = sync(c, one_area_config, tmp_path / "s", years, progress=False)
        pd.testing.assert_frame_equal(sorted_tables(once)["values"], sorted_tables(base)["values"])


def wait_for_requests(port: int, count: int, seconds: float = 60.0) -> None:
    """Until the stand-in on `port` has been asked `count` requests (its admin log)."""
    deadline = time.monotonic() + seconds
    url = f"http://127.0.0.1:{port}/_standin/requests"
    while len(requests.get(url, timeout=5).json()) < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests in {seconds} s"
        time.sleep(0.05)


def test_sigterm_interrupts_a_sync_cleanly(tmp_path, old_store):
    """A cron job's kill (SIGTERM): exit 130, recorded as interrupted, old store untouched."""
    port = free_port()
    standin = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kvalitetsvisaren.testing.standin",
            "--data",
            str(shutil.copytree(old_store, tmp_path / "served")),  # small: quick to start
            "--port",
            str(port),
            "--latency",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        standin.stdout.readline()
        before = files(old_store)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kvalitetsvisaren.cli",
                "sync",
                "--quiet",
                "--out",
                str(old_store),
                "--base-url",
                f"http://127.0.0.1:{port}/v3",
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        wait_for_requests(port, 2)  # the sync is under way (its handlers are installed)
        assert proc.poll() is None, "the sync ended before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130 and "avbruten" in err
        assert files(old_store) == before
        assert read_sync_status(old_store) == {
            **read_sync_status(old_store),
            "ok": False,
            "error": "avbruten",
        }
    finally:
        standin.terminate()
        standin.wait(timeout=10)
        standin.stdout.close()


# --- Kolada's own half-widths ("Osäkerhetstal") come with the configured survey KPIs --------

FIXTURES = Path(__file__).parent / "fixtures"
Z = 1.959963984540054
# Synthetic half-widths (no real N214xx values exist in any source we hold; Kolada publishes
# them from about 2023, our real municipality data ends in 2022), in percentage points.
HALF = {"0180": 4.5, "0883": 7.0, "1480": 2.5}


def real_half_width_catalogue() -> pd.DataFrame:
    """Kolada's catalogue rows of N21450-N21466 and two other "Osäkerhetstal" KPIs, copied
    unchanged from the v3 KPI list of 2026-03 (rKolada sysdata, kpi_df.csv)."""
    raw = pd.read_csv(
        FIXTURES / "osakerhetstal_kpis_v3_2026-03.csv", dtype=str, keep_default_na=False
    )
    raw = raw.replace({"": None})
    for flag in ("is_divided_by_gender", "has_ou_data"):
        raw[flag] = raw[flag].map({"True": True, "False": False})
    return raw


def store_with_half_widths(snapshot):
    """The snapshot plus the real catalogue rows and synthetic 2022 values of N21459 (whose
    title pairs it with U23463), N21460 (no KPI carries its title's rest) and N21451 (pairs
    with U21466, which is not configured)."""
    v = snapshot.values
    base = v[(v["kpi"] == "U23463") & (v["year"] == 2022) & v["municipality_id"].isin(HALF)]
    ours = base.assign(kpi="N21459", value=base["municipality_id"].map(HALF))
    others = [base.assign(kpi=k, value=5.0) for k in ("N21460", "N21451")]
    tables = {
        **snapshot.tables(),
        "kpis": pd.concat([snapshot.kpis, real_half_width_catalogue()], ignore_index=True),
        "values": pd.concat([v, ours, *others], ignore_index=True),
    }
    return make_store(tables, snapshot.meta)


def wilson(p: float, n: float) -> tuple[float, float]:
    """Wilson 95 % by hand, p and the result in %."""
    q = p / 100
    centre = (q + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * (q * (1 - q) / n + Z * Z / (4 * n * n)) ** 0.5
    return (centre - half) * 100, (centre + half) * 100


def raw_value(store, kpi: str, municipality: str, year: int = 2022) -> float:
    hit = value_rows(store, kpi, municipality, year)
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


def test_sync_brings_kolada_half_widths_of_configured_kpis_synthetic(
    tmp_path, standin_factory, standin, config
):
    from kvalitetsvisaren.service.facade import IndicatorService

    served = store_with_half_widths(standin.store)
    server = standin_factory(served)
    with kolada(server) as client:
        synced = sync(client, config, tmp_path / "store", [2022], progress=False)
    # Only the KPI whose title pairs it with a configured KPI is fetched, catalogue and values.
    assert sorted(set(synced.kpis["id"]) - set(config.kpi_ids())) == ["N21459"]
    assert synced.meta["half_widths"] == {"N21459": "U23463"}
    assert set(synced.values["kpi"]) - set(config.kpi_ids()) == {"N21459"}
    asked = " ".join(r.path for r in server.requests if "/data/" in r.path)
    assert "N21459" in asked and not re.search("N21460|N21451|N01453|U01640", asked)
    rows = IndicatorService(synced, config).kpi_year_rows("U23463", 2022)
    for municipality, half in HALF.items():
        value = raw_value(served, "U23463", municipality)
        row = rows.loc[municipality]
        assert row["interval_source"] == "kolada"
        assert (row["lo"], row["hi"]) == (pytest.approx(value - half), pytest.approx(value + half))
    # Malmö has no half-width: its interval stays Wilson from its respondents (U23594).
    value, n = raw_value(served, "U23463", "1280"), raw_value(served, "U23594", "1280")
    assert rows.loc["1280", "interval_source"] == "wilson"
    lo, hi = wilson(value, n)
    assert (rows.loc["1280", "lo"], rows.loc["1280", "hi"]) == (
        pytest.approx(lo),
        pytest.approx(hi),
    )


def test_sync_without_kolada_half_widths_keeps_the_wilson_interval(tmp_path, standin, config):
    from kvalitetsvisaren.service.facade import IndicatorService

    with kolada(standin) as client:
        synced = sync(client, config, tmp_path / "store", [2022], progress=False)
    assert synced.meta["half_widths"] == {}
    assert any("title=" in r.path and "/kpi" in r.path for r in standin.requests)  # it asked
    rows = IndicatorService(synced, config).kpi_year_rows("U23463", 2022)
    for municipality in HALF:
        value = raw_value(standin.store, "U23463", municipality)
        n = raw_value(standin.store, "U23594", municipality)
        lo, hi = wilson(value, n)
        row = rows.loc[municipality]
        assert row["interval_source"] == "wilson"
        assert (row["lo"], row["hi"]) == (pytest.approx(lo), pytest.approx(hi))


def test_incremental_sync_fetches_a_new_half_width_kpi_whole_synthetic(
    tmp_path, standin_factory, standin, config
):
    """A previous store without half-widths, then Kolada lists N21459: an incremental sync
    brings all its values (not only those changed since from_date), and drops it again once
    Kolada no longer lists it."""
    out = tmp_path / "store"
    with kolada(standin) as client:
        sync(client, config, out, [2022], progress=False)
    served = store_with_half_widths(standin.store)
    server = standin_factory(served)
    with kolada(server) as client:
        synced = sync(client, config, out, [2022], progress=False, from_date=date.today())
    got = synced.values[synced.values["kpi"] == "N21459"].set_index("municipality_id")["value"]
    assert got.to_dict() == HALF
    assert synced.meta["half_widths"] == {"N21459": "U23463"}
    with kolada(standin) as client:
        again = sync(client, config, out, [2022], progress=False, from_date=date.today())
    assert "N21459" not in set(again.values["kpi"]) and again.meta["half_widths"] == {}
