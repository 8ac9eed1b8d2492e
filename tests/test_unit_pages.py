"""Level 2:3 for any municipality, without a browser: the content callback, and the list's and
the comparison's callbacks through Dash's real endpoint (Flask test client).

Expected units, names, values and colours come from the raw store tables (store.ous,
store.ou_values) and the ranking module, with a search folding of the test's own; never from
the page code."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly.utils import PlotlyJSONEncoder

from kvalitetsvisaren.analysis.ranking import unit_quartiles
from kvalitetsvisaren.labels import number
from kvalitetsvisaren.testing.dash_session import texts, walk
from kvalitetsvisaren.web import ids
from kvalitetsvisaren.web.viewstate import MAX_COMPARE, MAX_SEARCH

UPPSALA, STOCKHOLM, VASTERVIK, BJURHOLM = "0380", "0180", "0883", "2403"
YEAR = 2024  # the latest unit year in the snapshot
PAGE = 25
TIUNDA = "V15E53847396"  # Tiundaskolan, Uppsala


def as_json(tree: Any) -> Any:
    return json.loads(json.dumps(tree, cls=PlotlyJSONEncoder))


def size(tree: Any) -> int:
    return len(json.dumps(tree, cls=PlotlyJSONEncoder).encode())


def unmarked(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def fold(text: str) -> str:
    """The test's own folding: decomposed, marks dropped, lower case, spaces made one."""
    return unmarked(" ".join(text.split()))


def swedish(title: str) -> str:
    """Alphabetical in Swedish: å, ä, ö after z; other accents and case ignored."""
    last = {"å": "\U0010fff0", "ä": "\U0010fff1", "ö": "\U0010fff2"}
    return "".join(last.get(c, unmarked(c)) for c in " ".join(title.lower().split()))


@pytest.fixture(scope="module")
def units_page(dash_app):
    from kvalitetsvisaren.web.pages import units

    return units


@pytest.fixture(scope="module")
def raw(service):
    """The raw tables: units by municipality and area, their values and national colours."""
    store = service.store
    ov = store.ou_values[store.ou_values["gender"] == "T"]
    colours = unit_quartiles(store.ou_values, store.ous, service.directions)
    return {
        "ous": store.ous,
        "values": ov.set_index(["kpi", "ou_id", "year"])["value"],
        "colours": colours.set_index(["kpi", "ou_id", "year"])["colour"].astype(str),
        "ranks": colours.set_index(["kpi", "ou_id", "year"])[["rank", "n"]],
    }


def units_of(raw, municipality: str, prefix: str) -> pd.DataFrame:
    ous = raw["ous"]
    return ous[(ous["municipality_id"] == municipality) & (ous["id"].str[:3] == prefix)]


def content(units_page, municipality: str, area: str, **query: str) -> Any:
    """The page's two answers to a page view: the content, and beside it the charts."""
    params = {"kommun": municipality, "ar": str(YEAR), **query}
    return as_json(
        [units_page.update_units(params, area), units_page.update_unit_charts(params, area)]
    )


def rows(tree: Any) -> list[str]:
    """The unit ids of the list's rows, in order."""
    listing = next(c for c in walk(tree) if c["props"].get("id") == "enheter-lista")
    return [
        c["props"]["data-ou"]
        for c in walk(listing)
        if c["type"] == "Tr" and "data-ou" in c["props"]
    ]


# --- calling the page's callbacks as the browser does ---------------------------------------


class Browser:
    """Posts the bodies Chromium posts for the list's and the comparison's callbacks, with the
    components the page holds (`ids`: the row checkboxes, the KPI charts on the page)."""

    def __init__(self, dash_app, area: str, municipality: str, **query: str) -> None:
        self.client = dash_app.server.test_client()
        self.deps = self.client.get("/_dash-dependencies").get_json()
        self.params = {"kommun": municipality, "ar": str(YEAR), **query}
        self.area = area

    def post(self, fragment: str, values: dict[str, Any], patterns: dict[str, list]) -> Any:
        dep = next(d for d in self.deps if fragment in d["output"] and not d["clientside_function"])

        def filled(spec: dict[str, str]) -> Any:
            if spec["id"].startswith("{"):
                kind = json.loads(spec["id"])["type"]
                return [
                    {"id": i, "property": spec["property"], "value": v} for i, v in patterns[kind]
                ]
            key = f"{spec['id']}.{spec['property']}"
            return {**spec, "value": values.get(key)}

        outputs = []
        for part in dep["output"].strip(".").split("..."):
            name, prop = part.split("@")[0].rsplit(".", 1)
            if name.startswith("{"):
                kind = json.loads(name)["type"]
                outputs.append([{"id": i, "property": prop} for i, _ in patterns[kind]])
            else:
                outputs.append({"id": name, "property": prop})
        body = {
            "output": dep["output"],
            "outputs": outputs,
            "inputs": [filled(s) for s in dep["inputs"]],
            "state": [filled(s) for s in dep["state"]],
            "changedPropIds": [next(iter(values))],
        }
        answer = self.client.post("/_dash-update-component", json=body)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()["response"]

    def list(self, search: str = "", order: str = "namn", page: int = 1, trigger: str = "sok"):
        values = {
            f"enheter-{trigger}.{'value' if trigger in ('sok', 'ordning') else 'n_clicks'}": 1,
            "enheter-sok.value": search,
            "enheter-ordning.value": order,
            "enheter-sida.data": page,
            "enheter-valda.data": [],
            "enheter-params.data": self.params,
            "enheter-omrade.data": self.area,
        }
        if trigger == "sok":
            values = {"enheter-sok.value": search, **values}
        return self.post("enheter-lista.children", values, {"enheter-visa-alla": []})

    def compare(self, chosen: list[str], rows: list[str], kpis: list[str]):
        values = {
            "enheter-valda.data": chosen,
            "enheter-sok.value": "",
            "enheter-params.data": self.params,
            "enheter-omrade.data": self.area,
        }
        patterns = {
            "enheter-val": [({"type": "enheter-val", "ou": ou}, []) for ou in rows],
            "enheter-diagram": [({"type": "enheter-diagram", "kpi": k}, None) for k in kpis],
        }
        return self.post("enheter-jamforelse.children", values, patterns)


def listed(answer: Any) -> list[str]:
    tree = answer["enheter-lista"]["children"]
    return [
        c["props"]["data-ou"] for c in walk(tree) if c["type"] == "Tr" and "data-ou" in c["props"]
    ]


def every_page(browser: Browser, search: str = "", order: str = "namn") -> list[str]:
    """The units of all pages of the list, page after page (the "Nästa" button)."""
    first = browser.list(search, order)
    found, page = listed(first), first["enheter-sida"]["data"]
    while not first["enheter-nasta"]["disabled"]:
        first = browser.list(search, order, page, trigger="nasta")
        assert first["enheter-sida"]["data"] == page + 1
        page = first["enheter-sida"]["data"]
        found += listed(first)
    return found


# --- the content: small for the largest, what the raw data has ------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("municipality", "area"),
    [(UPPSALA, "grundskola"), (STOCKHOLM, "forskola"), (STOCKHOLM, "hemtjanst")],
)
def test_the_content_answer_stays_small_for_the_largest(units_page, raw, municipality, area):
    many = units_of(raw, municipality, {"grundskola": "V15", "forskola": "V11"}.get(area, "V21"))
    chosen = ",".join(many["id"].iloc[:MAX_COMPARE])
    for query in ({}, {"jamfor": chosen, "sok": "a"}):
        answer, charts = content(units_page, municipality, area, **query)
        assert size(answer) < 300 * 1024 and size(charts) < 300 * 1024, (municipality, area, query)
        assert len(rows(answer)) <= PAGE
    assert len(many) > 10 * PAGE or area != "forskola"  # Stockholm: 892 förskolor


def test_the_list_holds_every_unit_once_in_swedish_order(dash_app, raw):
    browser = Browser(dash_app, "grundskola", UPPSALA)
    mine = units_of(raw, UPPSALA, "V15")
    found = every_page(browser)
    assert len(found) == len(set(found)) == len(mine)
    titles = mine.set_index("id")["title"]
    assert [swedish(titles[ou]) for ou in found] == sorted(swedish(t) for t in titles)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("municipality", "area", "prefix", "search"),
    [
        (UPPSALA, "grundskola", "V15", "tiunda"),
        (UPPSALA, "grundskola", "V15", "TIUNDASKOLAN"),
        (UPPSALA, "grundskola", "V15", "skola 7-9"),
        (STOCKHOLM, "forskola", "V11", "forskolan ekbacken"),
        (STOCKHOLM, "forskola", "V11", "FÖRSKOLAN"),
        (STOCKHOLM, "forskola", "V11", "gärdet"),
        (VASTERVIK, "hemtjanst", "V21", "  gunnebo   hem "),
    ],
)
def test_the_search_finds_names_ignoring_case_and_accents(
    dash_app, raw, municipality, area, prefix, search
):
    mine = units_of(raw, municipality, prefix)
    expected = set(mine.loc[mine["title"].map(lambda t: fold(search) in fold(t)), "id"])
    found = every_page(Browser(dash_app, area, municipality), search)
    assert set(found) == expected and len(found) == len(expected)
    if search == "tiunda":
        assert found == [TIUNDA]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    search=st.one_of(
        st.text(max_size=MAX_SEARCH + 10),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=8),
        st.text(min_size=MAX_SEARCH, max_size=5000),
    )
)
def test_any_search_text_answers_with_matching_units_or_why_not(dash_app, raw, search):
    browser = Browser(dash_app, "forskola", STOCKHOLM)
    answer = browser.list(search)
    found = listed(answer)
    mine = units_of(raw, STOCKHOLM, "V11").set_index("id")["title"]
    status = answer["enheter-lista-status"]["children"]
    assert size(answer) < 100 * 1024 and len(found) <= PAGE
    if len(" ".join(search.split())) > MAX_SEARCH:
        assert found == [] and "för lång" in status  # (the search, or any value)
        return
    assert set(found) <= set(mine.index)
    if set(search) <= set("abcdefghijklmnopqrstuvwxyz "):  # the test's folding is exact here
        wanted = {ou for ou, t in mine.items() if fold(search) in fold(t)}
        assert set(found) <= wanted and len(found) == min(len(wanted), PAGE)


@pytest.mark.slow
def test_the_list_by_a_kpi_is_best_first_and_units_without_a_value_last(dash_app, raw, service):
    browser = Browser(dash_app, "forskola", STOCKHOLM)
    for kpi in ("N11701", "N11041"):  # lower is better, higher is better
        found = every_page(browser, order=kpi)
        values = raw["values"].reindex([(kpi, ou, YEAR) for ou in found]).to_numpy()
        present = pd.Series(values).dropna()
        assert pd.isna(values[len(present) :]).all()  # the units without a value last
        higher = service.config.kpi(kpi).higher_is_better
        assert present.is_monotonic_decreasing if higher else present.is_monotonic_increasing


def test_list_cells_carry_each_units_national_colour_icon_and_word(units_page, raw, service):
    tree = content(units_page, VASTERVIK, "hemtjanst")
    assert len(rows(tree)) == len(units_of(raw, VASTERVIK, "V21")) == 18  # one page
    cells = [c["props"] for c in walk(tree) if c["type"] == "Td" and "data-kpi" in c["props"]]
    listing = next(c for c in walk(tree) if c["props"].get("id") == "enheter-lista")
    checked = 0
    for row in (c for c in walk(listing) if c["type"] == "Tr" and "data-ou" in c["props"]):
        ou = row["props"]["data-ou"]
        for cell in (c["props"] for c in walk(row) if "data-kpi" in c["props"]):
            want = raw["colours"].get((cell["data-kpi"], ou, YEAR), "grey")
            assert cell["data-quartile"] == want
            value = raw["values"].get((cell["data-kpi"], ou, YEAR))
            shown = texts(cell["children"]) if not isinstance(cell["children"], str) else ""
            if pd.notna(value):
                assert number(value, "%") in shown and want in ("green", "yellow", "red")
            checked += 1
    assert checked == 2 * 18 and cells
    assert "Inga värden i Kolada" in texts(tree)  # units without data say why


# --- the charts: the best, the worst and the chosen -----------------------------------------


def drawn(tree: Any, kpi: str) -> tuple[list[str], list[float]]:
    graph = next(c for c in walk(tree) if c["props"].get("id") == f"enheter-{kpi}")
    bars = graph["props"]["figure"]["data"][0]
    labels = [t for t, x in zip(bars["customdata"], bars["x"], strict=True) if x is not None]
    values = [x for x in bars["x"] if x is not None]
    return labels, values


@pytest.mark.slow
@pytest.mark.parametrize(
    ("municipality", "area", "prefix"),
    [(UPPSALA, "grundskola", "V15"), (STOCKHOLM, "forskola", "V11")],
)
def test_charts_draw_the_five_best_the_five_worst_and_the_chosen(
    units_page, raw, service, municipality, area, prefix
):
    mine = units_of(raw, municipality, prefix).set_index("id")["title"]
    for kpi in service.unit_kpis(area):
        higher = service.config.kpi(kpi).higher_is_better
        values = raw["values"].reindex([(kpi, ou, YEAR) for ou in mine.index]).dropna()
        values.index = values.index.get_level_values("ou_id")
        best_first = values.sort_values(ascending=higher is False)
        middle = list(best_first.index[5:-5])
        chosen = middle[len(middle) // 2 : len(middle) // 2 + 1]  # one from the middle
        tree = content(units_page, municipality, area, jamfor=",".join(chosen))
        labels, xs = drawn(tree, kpi)
        if len(values) <= 10:
            assert sorted(xs) == sorted(values)
            continue
        expected = [*best_first.iloc[:5], *best_first[chosen], *best_first.iloc[-5:]]
        assert xs == expected, kpi  # the values, in the chart's order (best on top)
        assert [t.startswith("★ ") for t in labels].count(True) == len(chosen)
        for label, x in zip(labels, xs, strict=True):  # each bar is the unit it names
            name = re.sub(r" \(V\w+\)$", "", label.removeprefix("★ "))
            same = mine.map(lambda t: " ".join(t.split())) == name
            assert any(values[ou] == x for ou in mine.index[same] if ou in values)


# --- the comparison ---------------------------------------------------------------------------


def test_the_comparison_shows_the_raw_values_colours_and_places(units_page, raw, service):
    mine = units_of(raw, STOCKHOLM, "V11")
    chosen = list(mine["id"].iloc[[3, 100, 400]])
    tree = content(units_page, STOCKHOLM, "forskola", jamfor=",".join(chosen))
    table = next(c for c in walk(tree) if c["type"] == "Table" and "unit-compare-table" in
                 c["props"].get("className", ""))  # fmt: skip
    heads = [
        c["props"]["data-ou"] for c in walk(table) if c["type"] == "Th" and "data-ou" in c["props"]
    ]
    assert heads == chosen  # in the order of the URL
    # the municipality's column only when the raw data has a value of it for the year
    v, kpis = service.store.values, service.unit_kpis("forskola")
    own = v[(v["municipality_id"] == STOCKHOLM) & (v["year"] == YEAR) & v["kpi"].isin(kpis)]
    columns = [
        texts(c) for c in walk(table) if c["type"] == "Th" and c["props"].get("scope") == "col"
    ]
    assert ("Stockholm" in columns) == own["value"].notna().any()
    if "Stockholm" not in columns:
        assert f"Kolada har inga värden för Stockholm och riket {YEAR}" in texts(tree) or (
            f"Kolada har inga värden för Stockholm {YEAR}" in texts(tree)
        )
    cells = [c["props"] for c in walk(table) if c["type"] == "Td" and "data-ou" in c["props"]]
    assert len(cells) == len(chosen) * len(service.unit_kpis("forskola"))
    for cell in cells:
        key = (cell["data-kpi"], cell["data-ou"], YEAR)
        assert cell["data-quartile"] == raw["colours"].get(key, "grey")
        value = raw["values"].get(key)
        shown = cell["children"] if isinstance(cell["children"], str) else texts(cell["children"])
        if pd.isna(value):
            assert shown.startswith(("Ingen uppgift", "Inga värden"))
            continue
        unit = service.config.kpi(cell["data-kpi"]).unit_unit
        rank, n = raw["ranks"].loc[key]
        assert number(value, unit) in shown
        assert f"plats {number(float(rank))} av {number(float(n))} enheter" in shown


def test_choosing_units_answers_with_the_comparison_the_charts_and_the_address(dash_app, raw):
    browser = Browser(dash_app, "grundskola", UPPSALA)
    mine = list(units_of(raw, UPPSALA, "V15")["id"])
    kpis = ["N15505", "N15504"]
    answer = browser.compare([TIUNDA, mine[0]], rows=mine[:PAGE], kpis=kpis)
    assert answer["enheter-adress"]["data"] == (
        f"/enheter/grundskola?kommun={UPPSALA}&ar={YEAR}&jamfor={TIUNDA},{mine[0]}"
    )
    assert "2 enheter jämförs" in answer["enheter-jamforelse-status"]["children"]
    compared = answer["enheter-jamforelse"]["children"]
    assert "Tiundaskolan" in texts(compared)
    charts = [answer[json.dumps({"kpi": k, "type": "enheter-diagram"}, separators=(",", ":"))]
              for k in kpis]  # fmt: skip
    assert all("★ Tiundaskolan" in json.dumps(c, ensure_ascii=False) for c in charts)
    # the row checkboxes on the page follow the chosen units
    checks = answer[json.dumps({"ou": mine[0], "type": "enheter-val"}, separators=(",", ":"))]
    assert checks["value"] == [mine[0]]


def test_a_sixth_unit_is_refused_and_the_first_five_kept(dash_app, raw):
    browser = Browser(dash_app, "grundskola", UPPSALA)
    six = list(units_of(raw, UPPSALA, "V15")["id"].iloc[: MAX_COMPARE + 1])
    answer = browser.compare(six, rows=six, kpis=[])
    assert answer["enheter-valda"]["data"] == six[:MAX_COMPARE]
    assert f"Högst {MAX_COMPARE} enheter" in answer["enheter-jamforelse-status"]["children"]
    unchecked = answer[json.dumps({"ou": six[-1], "type": "enheter-val"}, separators=(",", ":"))]
    assert unchecked["value"] == []


def test_a_unit_of_another_municipality_is_not_compared(dash_app):
    browser = Browser(dash_app, "hemtjanst", UPPSALA)
    answer = browser.compare(["V21E12398"], rows=[], kpis=[])  # Gunnebo, Västervik
    assert "inte hör till hemtjänst i Uppsala" in texts(answer["enheter-jamforelse"]["children"])


def test_a_municipality_without_units_of_the_area_says_so(units_page):
    tree = content(units_page, BJURHOLM, "gymnasieskola")
    assert "Bjurholm har inga enheter inom gymnasieskola" in texts(tree)
    assert "None" not in texts(tree)


@pytest.mark.parametrize(
    "area", ["hemtjanst", "sarskilt-boende", "forskola", "grundskola", "gymnasieskola"]
)
def test_the_smallest_municipality_explains_every_area(units_page, raw, service, area):
    """Bjurholm (2 400 inhabitants): a few units or none; every page explains, none breaks."""
    config = next(a for a in service.config.areas if a.id == area)
    prefix = config.ou_prefix
    mine = units_of(raw, BJURHOLM, prefix)
    tree = content(units_page, BJURHOLM, area)
    shown = texts(tree)
    assert "None" not in shown and "nan" not in shown.split()
    if mine.empty:
        assert f"Bjurholm har inga enheter inom {config.label.lower()}" in shown
        return
    assert sorted(rows(tree)) == sorted(mine["id"])  # every unit, on one page
    if len(mine) == 1:
        assert "Här finns bara en enhet" in shown
    else:
        assert "Markera 2–5 enheter" in shown


def test_the_units_chart_download_has_every_unit_and_keeps_the_comparison(dash_app, raw):
    client = dash_app.server.test_client()
    query = f"area=grundskola&kpi=N15505&kommun={UPPSALA}&ar={YEAR}&jamfor={TIUNDA}"
    csv = client.get(f"/export/enheter?{query}&format=csv").get_data().decode("utf-8-sig")
    mine = units_of(raw, UPPSALA, "V15")["id"]
    with_value = raw["values"].reindex([("N15505", ou, YEAR) for ou in mine]).dropna()
    lines = [line for line in csv.splitlines() if line.count(";") >= 6]
    rows = [line.split(";") for line in lines[1:]]  # after the header
    assert len(rows) == len(with_value) > 2 * 5  # every unit with a value, not just the drawn
    head = lines[0].split(";")
    drawn, chosen = head.index("I diagrammet"), head.index("Vald för jämförelse")
    ends = with_value.sort_values(ascending=False).index.get_level_values("ou_id")
    ends = {*ends[:5], *ends[-5:]}
    assert sum(r[drawn] == "ja" for r in rows) == len(ends | {TIUNDA})  # and the chosen one
    assert [r[0] for r in rows if r[chosen] == "ja"] == ["Tiundaskolan"]
    bad = client.get(f"/export/enheter?{query},V21E12398&format=csv")
    assert bad.status_code == 404 and "inte hör till grundskola" in bad.get_data(as_text=True)


def test_a_long_chart_table_is_small_and_holds_every_unit(dash_app, raw, service):
    """Stockholm's förskolor as "Visa som tabell" through the real endpoint: every unit with a
    value once, best first by the raw values, in one answer well under 300 KB."""
    client = dash_app.server.test_client()
    graph = "enheter-N11041"
    spec = {"kind": "enheter", "query": {"kommun": STOCKHOLM, "ar": str(YEAR),
                                         "area": "forskola", "kpi": "N11041"}}  # fmt: skip
    dep = next(d for d in client.get("/_dash-dependencies").get_json()
               if d["output"].endswith(f'"type":"{ids.CHART_TABLE}"}}.children'))  # fmt: skip
    opened = {"chart": graph, "type": ids.CHART_TABLE_OPEN}
    body = {
        "output": dep["output"],
        "outputs": {"id": {"chart": graph, "type": ids.CHART_TABLE}, "property": "children"},
        "inputs": [{"id": opened, "property": "n_clicks", "value": 1}],
        "state": [
            {
                "id": {"chart": graph, "type": ids.CHART_TABLE_SPEC},
                "property": "data",
                "value": spec,
            }
        ],
        "changedPropIds": [json.dumps(opened, separators=(",", ":")) + ".n_clicks"],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert len(answer.get_data()) < 150 * 1024
    tree = next(iter(answer.get_json()["response"].values()))["children"]
    text = next(c for c in walk(tree) if c["type"] == "Markdown")["props"]["children"]
    lines = text.splitlines()[2:]
    mine = units_of(raw, STOCKHOLM, "V11")["id"]
    values = raw["values"].reindex([("N11041", ou, YEAR) for ou in mine]).dropna()
    assert len(lines) == len(values) > 500  # some 890 förskolor
    shown = [float(line.split(" | ")[1].replace("\\", "").replace(",", ".")) for line in lines]
    assert shown[0] == pytest.approx(round(values.max(), 1), abs=0.051)
    assert shown == sorted(shown, reverse=True)  # higher is better: best first


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.one_of(
        st.lists(st.one_of(st.sampled_from([TIUNDA, TIUNDA.lower(), "V21E12398", "²"]),
                           st.text(max_size=20), st.integers(), st.none()), max_size=8),
        st.text(max_size=30), st.none(), st.integers(),
    )
)  # fmt: skip
def test_any_chosen_units_answer_with_a_comparison_or_why_not(dash_app, chosen):
    browser = Browser(dash_app, "grundskola", UPPSALA)
    answer = browser.compare(chosen, rows=[TIUNDA], kpis=["N15505"])
    shown = texts(answer["enheter-jamforelse"]["children"])
    status = answer.get("enheter-jamforelse-status", {}).get("children", "")
    address = answer.get("enheter-adress", {}).get("data")
    if address is not None:  # a comparison the boundary accepted: its units, at most five
        units = parse_qs(urlsplit(address).query).get("jamfor", [""])[0].split(",")
        assert len([u for u in units if u]) <= MAX_COMPARE
        assert all(u == TIUNDA for u in units if u)  # the only unit of Uppsala drawn from
    else:
        assert "Jämförelsen har" in shown or "för lång" in shown, (chosen, shown, status)
