"""The four levels without a browser: layouts and callbacks called directly on the real
snapshot. Expected colours come from the ranking module (national_quartiles; level 2:3 in
test_unit_pages.py) run here on the raw store, never from the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash._callback import NoUpdate
from plotly.utils import PlotlyJSONEncoder

from kvalitetsvisaren.analysis.ranking import national_quartiles
from kvalitetsvisaren.testing.dash_session import walk
from kvalitetsvisaren.web.urls import Params

VASTERVIK = "0883"


def as_json(component: Any) -> Any:
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))


def every_props(tree: Any) -> list[dict]:
    """The props of every component in the tree."""
    found, stack = [], [as_json(tree)]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props", node)
            found.append(props)
            stack.extend(v for v in props.values() if isinstance(v, list | dict))
    return found


def find(tree: Any, attribute: str) -> list[dict]:
    """Every component in the tree that carries `attribute` (e.g. data-kpi), as its props."""
    return [props for props in every_props(tree) if attribute in props]


def text(tree: Any) -> str:
    return json.dumps(as_json(tree), ensure_ascii=False)


def is_no_update(value: Any) -> bool:
    return isinstance(value, NoUpdate)


@pytest.fixture(scope="module")
def pages(dash_app):
    from kvalitetsvisaren.web.pages import area, kpi, not_found_404, overview, units

    return {"overview": overview, "area": area, "kpi": kpi, "units": units, "404": not_found_404}


@pytest.fixture(scope="module")
def kpi_colours(service):
    store = service.store
    ranked = national_quartiles(store.values, store.municipalities, service.directions)
    ranked["municipality_id"] = ranked["municipality_id"].astype(str)
    return ranked.set_index(["kpi", "municipality_id", "year"])["colour"].astype(str)


def params(**changes: Any) -> dict:
    return {**Params(VASTERVIK, 2022).as_query(), **changes}


def test_pages_are_registered_at_their_paths(pages):
    import dash

    templates = {p.get("path_template") or p["path"] for p in dash.page_registry.values()}
    assert {"/oversikt", "/omrade/<area>", "/nyckeltal/<kpi>", "/enheter/<area>"} <= templates


def test_home_redirects_to_a_bookmarkable_overview(dash_app):
    response = dash_app.server.test_client().get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/oversikt?kommun=0883&ar=2022")


def test_layouts_are_cheap_skeletons_valid_without_arguments(pages):
    for name in ("overview", "area", "kpi", "units"):
        layout = pages[name].layout()
        assert find(layout, "data-measure") == []  # no data yet: the callback brings it
        assert "Kommun" in text(layout) and "nav-kommun" in text(layout)


def test_overview_tiles_have_the_measure_colours(pages, service, kpi_colours):
    content = pages["overview"].update_overview(params())
    tiles = find(content, "data-measure")
    configured = [(a.id, m.id) for a in service.config.areas for m in a.measures]
    assert len(tiles) == len(configured)
    for area in service.config.areas:
        summary = service.area_summary(area.id, VASTERVIK, 2022).measures.set_index("measure")
        section = next(s for s in find(content, "data-area") if s["data-area"] == area.id)
        for tile in find(section, "data-measure"):
            assert tile["data-quartile"] == summary.loc[tile["data-measure"], "colour"]
    # a one-KPI measure's tile equals its KPI's national colour (the rule, checked via ranking)
    helhetssyn = [t for t in find(content, "data-measure") if t["data-measure"] == "helhetssyn"]
    assert helhetssyn[0]["data-quartile"] == kpi_colours[("U21468", VASTERVIK, 2022)]
    assert "1 av 7 mått bland de 25 % bästa" in text(content)


def test_area_rows_carry_each_kpis_national_colour(pages, service, kpi_colours):
    pages["area"].layout(area="hemtjanst", kommun=VASTERVIK, ar="2022")
    content = pages["area"].update_area(params(), "hemtjanst")
    rows = find(content, "data-kpi")
    assert {r["data-kpi"] for r in rows} == set(service.config.area("hemtjanst").kpi_ids())
    context = {
        k for m in service.config.area("hemtjanst").measures if m.kind == "context" for k in m.kpis
    }
    values = service.store.values
    for row in rows:
        expected = kpi_colours.get((row["data-kpi"], VASTERVIK, 2022), "grey")
        if row["data-kpi"] in context:  # never coloured, whatever its national ranking
            has = (
                values[
                    (values["kpi"] == row["data-kpi"])
                    & (values["municipality_id"] == VASTERVIK)
                    & (values["year"] == 2022)
                    & (values["gender"] == "T")
                ]["value"]
                .notna()
                .any()
            )
            expected = "neutral" if has else "grey"
        assert row["data-quartile"] == expected, row["data-kpi"]
    assert "plats 145 av 286" in text(content)  # U21468, counted in test_ranking by hand


def test_kpi_page_has_definition_spread_group_trend_and_genders(kpi_view):
    main, group, more = kpi_view(params(omrade="hemtjanst"), "U21468")
    everything = text([main, group, more])
    assert "Hur nöjd eller missnöjd är du sammantaget" in everything  # Kolada's definition
    graphs = [g for g in find([main, group, more], "figure")]
    assert {g["id"] for g in graphs} == {
        "nyckeltal-spridning",
        "nyckeltal-grupp-diagram",
        "nyckeltal-trend",
        "nyckeltal-kon",
    }
    assert "Liknande kommuner äldreomsorg, Västervik, 2024" in everything
    assert "plats 4 av 8 i gruppen" in everything
    assert "Visa som tabell" in everything  # every chart has its text alternative


def test_unit_page_and_its_checks(pages):
    content = pages["units"].update_units(params(ar=2024, enhet="V15E088302801"), "grundskola")
    assert "Ankarsrums skola 7-9" in text(content)
    other = pages["units"].layout(
        area="grundskola", kommun="0180", ar="2024", enhet="V15E088302801"
    )
    assert (
        "Enheten Ankarsrums skola 7-9 (V15E088302801) hör inte till grundskola i Stockholm."
        in text(other)
    )


@pytest.mark.parametrize(
    ("page", "kwargs", "message"),
    [
        ("overview", {"kommun": "9999", "ar": "2022"}, "Det finns ingen kommun med koden 9999."),
        ("overview", {"kommun": "0883", "ar": "1999"}, "Det finns inga uppgifter för 1999 här."),
        ("overview", {"kommun": "0883", "ar": "tjugo"}, "Året ”tjugo” ska vara ett årtal"),
        ("overview", {"kommun": "<script>", "ar": "2022"}, "ska vara fyra siffror"),
        ("area", {"area": "fritidshem", "kommun": "0883"}, "Området ”fritidshem” finns inte."),
        ("kpi", {"kpi": "N99999", "kommun": "0883"}, "Nyckeltalet ”N99999” ingår inte"),
        ("units", {"area": "hemtjanst", "enhet": "V21E0"}, "Enheten ”V21E0” finns inte"),
        ("kpi", {"kpi": "U21468", "grupp": "alla"}, "Jämförelsegruppen ”alla”"),
        ("404", {}, "Sidan finns inte."),
    ],
)
def test_bad_urls_get_the_swedish_explanation(pages, page, kwargs, message, caplog):
    layout = pages[page].layout(**kwargs)
    assert "Sidan kunde inte visas" in text(layout)
    assert message in text(layout)
    assert "Översikten för Västervik 2022" in text(layout)  # a way back
    if page != "404":
        assert any(message.split(".")[0][:20] in r.getMessage() for r in caplog.records)


def _ids_in(tree: Any) -> set[str]:
    """Every plain (not pattern-matching) component id in the tree."""
    return {props["id"] for props in every_props(tree) if isinstance(props.get("id"), str)}


def test_every_callback_refers_to_ids_its_pages_have(dash_app):
    """What Dash's validation layout checked in the browser (the app no longer builds one):
    every plain id a callback reads or writes is in the shell, a page's example layout or,
    for the units page, its example content (the list, the search, the comparison)."""
    import dash
    from dash._utils import split_callback_id

    from kvalitetsvisaren.web import shell, unit_views
    from kvalitetsvisaren.web.pages import units
    from kvalitetsvisaren.web.runtime import get_service
    from kvalitetsvisaren.web.viewstate import UNITS, View, example_segments, read_view

    svc = get_service()
    view = read_view(svc, UNITS, example_segments(svc, UNITS), {})
    assert isinstance(view, View)
    trees = [shell.layout(), *(page["layout"]() for page in dash.page_registry.values())]
    trees += [units._content(svc, view), unit_views.units_charts(svc, view)]
    present = set().union(*map(_ids_in, trees))
    referred = set()
    for key, spec in dash_app.callback_map.items():
        outputs = [] if spec.get("no_output") else split_callback_id(key)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        ends = [*outputs, *spec.get("inputs", []), *spec.get("state", [])]
        flat = [e for end in ends for e in (end if isinstance(end, list) else [end])]
        referred |= {
            e["id"] for e in flat if isinstance(e["id"], str) and not e["id"].startswith("{")
        }
    assert len(referred) > 40
    assert referred - present == set()


@pytest.mark.parametrize("municipality", ["0180", "2403", "0883"])
def test_views_ship_no_empty_text_components(pages, municipality):
    """Every component costs the browser's Dash renderer more the more there are (each new
    one makes every other re-select: docs/architecture.md), so a view sends no paragraph or
    span without content: the overview, three areas and a KPI page."""
    p = {"kommun": municipality, "ar": "2022"}
    views = [pages["overview"].update_overview(p)]
    views += [pages["area"].update_area(p, a) for a in ("hemtjanst", "grundskola", "forskola")]
    views += [pages["kpi"].update_kpi({**p, "omrade": "hemtjanst"}, "U21468")]
    for view in views:
        empty = [
            (node["type"], node["props"].get("className"))
            for node in walk(as_json(view))
            if node["type"] in ("P", "Span") and node["props"].get("children") in (None, "", [])
        ]
        assert empty == []
