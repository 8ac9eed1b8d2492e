"""Pure URL building and request planning (no I/O)."""

from __future__ import annotations

import math

import pytest

from kvalitetsvisaren.kolada.queries import (
    ALL_MUNICIPALITIES_ESTIMATE,
    ALL_UNITS_ESTIMATE,
    MAX_IDS_PER_SEGMENT,
    MAX_QUERY_ITEMS,
    balanced_chunks,
    chunk_shape,
    data_path,
    metadata_path,
    ou_data_path,
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


def test_page_url():
    url = page_url("http://127.0.0.1:5000/v3/", "kpi", {"title": "hemtjänst"}, 3, 5000)
    assert url == "http://127.0.0.1:5000/v3/kpi?title=hemtj%C3%A4nst&page=3&per_page=5000"


def years(first: int, last: int) -> list[str]:
    return [str(y) for y in range(first, last + 1)]


def cells(chunk) -> set[tuple]:
    return {(k, w, y) for k in chunk.kpis for w in chunk.where or [None] for y in chunk.years}


def assert_exact_cover(chunks, kpis, where, yrs):
    """Every (KPI, place, year) cell in exactly one chunk, each within the 25-id limit."""
    got = [c for chunk in chunks for c in cells(chunk)]
    assert sorted(got) == sorted((k, w, y) for k in kpis for w in where or [None] for y in yrs)
    for chunk in chunks:
        sizes = (len(chunk.kpis), len(chunk.years), len(chunk.where or []))
        assert max(sizes) <= MAX_IDS_PER_SEGMENT


def test_plan_all_municipalities_keeps_each_query_within_the_item_budget():
    kpis, yrs = ids(30), years(2013, 2022)
    chunks = plan_value_chunks(kpis, None, yrs)
    assert_exact_cover(chunks, kpis, None, yrs)
    per_chunk = [len(c.kpis) * len(c.years) * ALL_MUNICIPALITIES_ESTIMATE for c in chunks]
    assert [c.expected_items for c in chunks] == per_chunk
    assert max(per_chunk) <= MAX_QUERY_ITEMS
    # the fewest chunks that allow: 300 cells of 291 items, at most 68 cells a chunk
    assert len(chunks) == math.ceil(300 / (MAX_QUERY_ITEMS // ALL_MUNICIPALITIES_ESTIMATE))
    assert all(c.years == tuple(yrs) for c in chunks)  # years kept whole when they can be
    assert chunks[0].path == f"data/kpi/{','.join(kpis[:6])}/year/{','.join(yrs)}"


def test_plan_all_units_asks_for_at_most_four_kpi_year_cells_a_query():
    kpis, yrs = ids(58), years(2010, 2024)
    chunks = plan_value_chunks(kpis, None, yrs, ou=True)
    assert_exact_cover(chunks, kpis, None, yrs)
    assert max(len(c.kpis) * len(c.years) for c in chunks) * ALL_UNITS_ESTIMATE <= MAX_QUERY_ITEMS
    assert len(chunks) == math.ceil(58 / 4) * 15  # 4 KPIs x 1 year: the fewest that fit
    assert all(c.path.startswith("oudata/kpi/") and "/ou/" not in c.path for c in chunks)


def test_plan_explicit_municipalities_is_the_cartesian_product_of_chunks():
    kpis, places, yrs = ids(30), ids(290, "M"), ["2022"]
    chunks = plan_value_chunks(kpis, places, yrs)
    assert_exact_cover(chunks, kpis, places, yrs)
    assert len(chunks) == 2 * 12  # the 25-id limit binds; 15 x 25 x 1 items fit
    assert sum(c.expected_items for c in chunks) == 30 * 290  # one item per cell at most


def test_plan_every_year_without_places_is_sized_like_any_other():
    chunks = plan_value_chunks(ids(3), None, years(1970, 2026))
    assert_exact_cover(chunks, ids(3), None, years(1970, 2026))
    assert all(c.expected_items <= MAX_QUERY_ITEMS for c in chunks)


def test_plan_carries_params_and_an_unknown_number_of_years_expects_nothing():
    params = (("from_date", "2026-01-01"),)
    (chunk,) = plan_value_chunks(["U21468"], ["0883"], None, params=params)
    assert chunk.path == "data/kpi/U21468/municipality/0883" and chunk.params == params
    assert chunk.expected_items == 0


@pytest.mark.parametrize(
    ("n_kpis", "n_years", "per_cell", "shape"),
    [
        (30, 10, 291, (6, 10)),
        (1, 1, 10**6, (1, 1)),  # a single cell always goes, however big
        (58, 15, 5000, (4, 1)),
        (25, 25, 1, (25, 25)),
        (26, 1, 1, (13, 1)),
        (3, 57, 291, (3, 19)),  # 57 cells of 291 items fit in 20,000
    ],
)
def test_chunk_shape(n_kpis, n_years, per_cell, shape):
    assert chunk_shape(n_kpis, n_years, per_cell, MAX_QUERY_ITEMS) == shape


def test_halves_split_kpis_first_then_years_down_to_one_cell():
    (chunk,) = plan_value_chunks(ids(3), None, years(2021, 2022), ou=True, max_items=10**6)
    parts, seen = [chunk], []
    while parts:
        part = parts.pop(0)
        halves = part.halves()
        if halves is None:
            seen.append(part)
            assert len(part.kpis) == len(part.years) == 1
            continue
        a, b = halves
        assert cells(a) | cells(b) == cells(part) and not cells(a) & cells(b)
        if len(part.kpis) > 1:
            assert a.years == b.years == part.years  # KPIs are halved first
        assert a.path == ou_data_path(a.kpis, None, a.years) and a.params == part.params
        parts += [a, b]
    assert len(seen) == 6


def test_request_floor():
    assert request_floor(93_600, 2) == 19
    assert request_floor(10, 24) == 24
    assert request_floor(0, 1) == 1
