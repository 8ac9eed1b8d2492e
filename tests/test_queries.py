"""Pure URL building and request planning (no I/O)."""

from __future__ import annotations

import math

import pytest

from kvalitetsvisaren.kolada.queries import (
    ALL_MUNICIPALITIES_ESTIMATE,
    PREFETCH_SHARE,
    balanced_chunks,
    data_path,
    metadata_path,
    ou_data_path,
    page_of,
    page_url,
    plan_value_chunks,
    request_floor,
    unique_ids,
)


def ids(n: int, prefix: str = "N") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(n)]


@pytest.mark.parametrize(
    ("n", "sizes"),
    [
        (1, [1]),
        (25, [25]),
        (26, [13, 13]),
        (30, [15, 15]),
        (51, [17, 17, 17]),
        (290, [25] * 2 + [24] * 10),
    ],
)
def test_balanced_chunks_fewest_chunks_sizes_differ_by_at_most_one(n, sizes):
    chunks = balanced_chunks(ids(n))
    assert [len(c) for c in chunks] == sizes
    assert [i for c in chunks for i in c] == ids(n)  # every id once, order kept


def test_balanced_chunks_empty():
    assert balanced_chunks([]) == []


def test_unique_ids_normalises_and_rejects_injection():
    assert unique_ids("0180") == ["0180"]
    assert unique_ids([2022, "2021", 2022]) == ["2022", "2021"]
    with pytest.raises(ValueError, match="Invalid Kolada id"):
        unique_ids(["0180/../kpi"])
    with pytest.raises(ValueError, match="Invalid Kolada id"):
        unique_ids(["0180,0181"])  # a comma would smuggle a 26th id into a segment


def test_data_paths_use_two_or_three_dimensions():
    assert data_path(["U21468"], ["0180", "1280"], ["2022"]) == (
        "data/kpi/U21468/municipality/0180,1280/year/2022"
    )
    assert data_path(["U21468", "U23471"], None, ["2021", "2022"]) == (
        "data/kpi/U21468,U23471/year/2021,2022"
    )
    assert data_path(["U21468"], ["0883"], None) == "data/kpi/U21468/municipality/0883"
    assert ou_data_path(["N15504"], ["V15E088300101"], ["2024"]) == (
        "oudata/kpi/N15504/ou/V15E088300101/year/2024"
    )
    with pytest.raises(ValueError, match="needs"):
        data_path(["U21468"], None, None)  # Kolada answers 404 for a single dimension


def test_segment_limit_is_enforced_before_any_request():
    with pytest.raises(ValueError, match="1 to 25"):
        data_path(ids(26), None, ["2022"])
    with pytest.raises(ValueError, match="1 to 25"):
        metadata_path("kpi", [])


def test_page_url_and_page_of_round_trip():
    url = page_url("http://127.0.0.1:5000/v3/", "kpi", {"title": "hemtjänst"}, 3, 5000)
    assert url.startswith("http://127.0.0.1:5000/v3/kpi?")
    assert page_of(url) == 3
    assert page_of("https://api.kolada.se/v3/kpi?per_page=5000") is None


def test_plan_all_municipalities_splits_kpis_and_estimates_items():
    chunks = plan_value_chunks(ids(30), None, [str(y) for y in range(2013, 2023)])
    assert len(chunks) == 2  # the fewest the 25-id limit allows
    assert all(c.expected_items == 15 * 10 * ALL_MUNICIPALITIES_ESTIMATE for c in chunks)
    # only the pages that surely exist are prefetched; the rest follow next_url
    assert [c.prefetch_pages() for c in chunks] == [
        math.floor(15 * 10 * ALL_MUNICIPALITIES_ESTIMATE * PREFETCH_SHARE / 5000)
    ] * 2


def test_plan_explicit_municipalities_is_the_cartesian_product_of_chunks():
    chunks = plan_value_chunks(ids(30), ids(290, "M"), ["2022"])
    assert len(chunks) == 2 * 12
    assert sum(c.expected_items for c in chunks) == 30 * 290  # one item per cell at most
    assert len({c.path for c in chunks}) == len(chunks)


def test_plan_without_estimate_expects_one_page_per_chunk():
    chunks = plan_value_chunks(ids(3), None, [str(y) for y in range(1970, 2027)], estimate=False)
    assert len(chunks) == 3  # 57 years -> 3 year segments
    assert all(c.prefetch_pages() == 1 for c in chunks)


def test_request_floor():
    assert request_floor(93_600, 2) == 19
    assert request_floor(10, 24) == 24
    assert request_floor(0, 1) == 1
