"""The one boundary for the URL state (viewstate.read_view / read_export), fed hostile input.

Expected sets (municipalities, years with data, units) are computed here from the raw store
tables, not taken from the service: a view the boundary accepts must name things the data has,
and every link an explanation offers must itself be a valid view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.labels import year_list
from kvalitetsvisaren.web.download import FORMATS
from kvalitetsvisaren.web.viewstate import (
    AREA,
    DOCUMENT_FORMATS,
    EXPORT_KINDS,
    KPI,
    MAX_COMPARE,
    MAX_GROUP,
    MAX_SEARCH,
    OVERVIEW,
    OWN,
    PATHS,
    UNITS,
    UPLOAD,
    Explanation,
    ExportView,
    View,
    match_path,
    read_export,
    read_view,
)

VASTERVIK, STOCKHOLM, BJURHOLM = "0883", "0180", "2403"
GUNNEBO = "V21E12398"  # a real Västervik hemtjänst unit
HOSTILE = [
    "0883", "0180", "2403", "1480", "0000", "0001", "0014", "G2328", "9999", "²", "٠٨٨٣",
    "０８８３", "2022", "2024", "202²", "1800", "2100", "liknande", "lan", "0180,0180",
    "0180,0001", "0883,9999", GUNNEBO, GUNNEBO.lower(), "V15E088302801", "hemtjanst",
    "grundskola", "U21468", "u21468", "N15419", "", " ", "%00", "\x00", "<script>", "a/b",
    "Västervik", "goteborg",
]  # fmt: skip
text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.text(alphabet="0123456789", min_size=5, max_size=5000),  # huge numbers
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.lists(st.sampled_from(["0180", "0883", "2403", "0001", "9999"]), max_size=40).map(",".join),
)


def raw(values: st.SearchStrategy[str]) -> st.SearchStrategy:
    """A query value as Dash and Flask pass it: absent, one text, or repeated (a list)."""
    one = st.one_of(values, text)
    return st.one_of(st.none(), one, st.lists(one, max_size=4))


# real municipality codes (SCB), Riket, regions, and any four digits
KOMMUNER = "0114 0138 0184 0360 0484 0580 0662 0761 0860 1060 1257 1272 1284 1381 1427 1445 1470"
KOMMUNER += " 1487 1497 1764 1860 1885 1984 2080 2161 2282 2380 2460 2514 0883 0180 1480 0380"
codes = st.one_of(
    st.sampled_from([*KOMMUNER.split(), "1280", "2403"]),
    st.sampled_from(["0000", "0001", "0025"]),
    st.integers(0, 9999).map("{:04d}".format),
)
years = st.one_of(st.integers(2005, 2027).map(str), st.integers(0, 9999).map("{:04d}".format))
groups = st.one_of(
    st.sampled_from(["liknande", "lan"]),
    st.lists(codes, min_size=1, max_size=MAX_GROUP + 5).map(",".join),
    st.lists(st.sampled_from(KOMMUNER.split()), min_size=1, max_size=MAX_GROUP + 5).map(",".join),
)
units = st.sampled_from(
    [GUNNEBO, GUNNEBO.lower(), "V15E088302801", "V21E12394", "V23E0", "V11E018001001", "X"]
)
areas = st.sampled_from(["hemtjanst", "sarskilt-boende", "forskola", "grundskola", "gymnasieskola"])
# real units (Västervik hemtjänst and grundskola, Stockholm förskola, Bjurholm), in any case,
# and ids that are none: the units compared (jamfor=) are lists of these
UNIT_IDS = [
    "V21E11445", "V21E12394", "V21E12395", GUNNEBO, GUNNEBO.lower(), "V15E088300107",
    "V15E088300303", "V11E103371", "V21E13931", "V21E0", "X", "²", "V21E１２３９８", "",
    " V21E12396 ",
]  # fmt: skip
compared = st.one_of(
    st.lists(st.sampled_from(UNIT_IDS), max_size=MAX_COMPARE + 3).map(",".join),
    st.lists(st.sampled_from(UNIT_IDS[:4]), min_size=1, max_size=MAX_COMPARE).map(",".join),
)
searches = st.one_of(
    st.sampled_from(["tiunda", "GUNNEBO", "förskolan", "  två   ord ", "%", "\x00", "<b>"]),
    st.text(max_size=MAX_SEARCH + 20),
    st.text(min_size=MAX_SEARCH - 2, max_size=MAX_SEARCH + 2),
)
queries = st.fixed_dictionaries(
    {},
    optional={
        "kommun": raw(codes),
        "ar": raw(years),
        "grupp": raw(groups),
        "enhet": raw(units),
        "omrade": raw(areas),
        "format": raw(st.sampled_from([*FORMATS, "gif"])),
        "kpi": raw(st.sampled_from(["U21468", "N21496", "N15419", "N11701", "N00090", "N99999"])),
        "area": raw(areas),
        "measure": raw(st.sampled_from(["bemotande", "trygghet", "meritvarde", "kostnad"])),
        "utm_source": raw(text),
        "jamfor": raw(compared),
        "sok": raw(searches),
    },
)
segment_values = {
    "area": raw(areas),
    "kpi": raw(st.sampled_from(["U21468", "N15419", "N00090", "N20205", "u21468", "N99999"])),
    "matt": raw(st.sampled_from(["egen-nojd", "x"])),
}
ROUTES = [OVERVIEW, AREA, KPI, UNITS, OWN, UPLOAD]
SEGMENT = {AREA: "area", UNITS: "area", KPI: "kpi", OWN: "matt"}


@pytest.fixture(scope="module")
def truth(service):
    """What the data has, from the store's tables directly."""
    store, config = service.store, service.config
    m = store.municipalities
    kommuner = set(m.loc[m["type"] == "K", "id"])
    v = store.values
    national = v[(v["gender"] == "T") & v["municipality_id"].isin(kommuner) & v["value"].notna()]
    ov = store.ou_values
    ov = ov[(ov["gender"] == "T") & ov["value"].notna()]
    ov = ov.assign(municipality_id=ov["ou_id"].map(store.ous.set_index("id")["municipality_id"]))

    def years_of(frame) -> set[int]:
        return {int(y) for y in frame["year"].unique()}

    def page_years(route: str, municipality: str, area: str | None, kpi: str | None) -> set[int]:
        """The years a page has data for: the municipality's (levels 1 and 2), the KPI's
        (2:2), the municipality's units' or else the area's units' (2:3)."""
        if route == KPI:
            return years_of(national[national["kpi"] == kpi])
        mine = national[national["municipality_id"] == municipality]
        if route == OVERVIEW:
            kpis = {k for a in config.areas for k in a.kpi_ids()}
            return years_of(mine[mine["kpi"].isin(kpis)])
        if route == AREA:
            return years_of(mine[mine["kpi"].isin(config.area(area).kpi_ids())])
        units = ov[ov["ou_id"].str[:3] == config.area(area).ou_prefix]
        units = units[units["kpi"].isin(config.area(area).kpi_ids())]
        return years_of(units[units["municipality_id"] == municipality]) or years_of(units)

    return {
        "kommuner": kommuner,
        "years": years_of(national),
        "page_years": page_years,
        "ous": store.ous.set_index("id")["municipality_id"].to_dict(),
        "prefix": {a.id: a.ou_prefix for a in config.areas},
        "lists": {a.id: set(a.kpi_ids()) for a in config.areas},
    }


def resolve(service, url: str):
    """A link as the app would read it."""
    parts = urlsplit(url)
    route, segments = match_path(parts.path)
    return read_view(service, route, segments, parse_qs(parts.query, keep_blank_values=True))


def check_view(view: View, truth) -> None:
    p = view.params
    assert p.municipality in truth["kommuner"]
    assert p.year in view.years or (not view.years and p.year in truth["years"])
    if view.route in (OVERVIEW, AREA, KPI, UNITS):  # (the session's service has no local data)
        assert set(view.years) == truth["page_years"](
            view.route, p.municipality, view.area, view.kpi
        )
    if view.route == KPI:
        assert view.kpi in truth["lists"][view.area]
        members = p.grupp.split(",")
        assert p.grupp in ("liknande", "lan") or (
            set(members) <= truth["kommuner"]
            and len(members) == len(set(members))
            and len(members) <= MAX_GROUP
        )
    if p.enhet is not None:
        assert truth["ous"][p.enhet] == p.municipality
        assert p.enhet[:3] == truth["prefix"][view.area]
    if view.compare:  # units of the municipality and area, each once, at most MAX_COMPARE
        assert view.route == UNITS and len(view.compare) <= MAX_COMPARE
        assert len(set(view.compare)) == len(view.compare)
        for ou in view.compare:
            assert truth["ous"][ou] == p.municipality and ou[:3] == truth["prefix"][view.area]
    if view.search is not None:
        assert view.route == UNITS and 0 < len(view.search) <= MAX_SEARCH
        assert view.search == " ".join(view.search.split())


@pytest.mark.slow
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), data=st.data(), query=queries)
def test_any_url_gives_a_valid_view_or_an_explanation_whose_links_are_views(
    service, truth, route, data, query
):
    name = SEGMENT.get(route)
    segments = {name: data.draw(segment_values[name])} if name else {}
    found = read_view(service, route, segments, query)
    if isinstance(found, View):
        check_view(found, truth)
        again = read_view(service, route, found.segments(), found.query())
        assert again == found  # the stored state reads back as the same view
        return
    assert isinstance(found, Explanation) and route != UPLOAD  # upload never refuses
    assert found.message and found.status in (400, 404) and found.links
    for _, url in found.links:
        assert isinstance(resolve(service, url), View), url


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.one_of(st.sampled_from(list(EXPORT_KINDS)), st.text(max_size=8)), query=queries)
def test_any_download_request_is_checked_like_its_page(service, truth, kind, query):
    found = read_export(service, kind, query, FORMATS)
    if isinstance(found, ExportView):
        check_view(found.view, truth)
        assert found.format in DOCUMENT_FORMATS.get(kind, FORMATS)
        if kind in ("enheter", "enhet"):
            assert found.view.kpi in service.unit_kpis(found.view.area)
        return
    assert found.message and found.status in (400, 404) and found.links


@pytest.mark.parametrize(
    ("query", "message", "status"),
    [
        ({"kommun": "9999"}, "Det finns ingen kommun med koden 9999.", 404),
        ({"kommun": "0000"}, "0000 är koden för hela riket", 404),
        ({"kommun": "0001"}, "0001 är koden för Region Stockholm, en region", 404),
        ({"kommun": "G2328"}, "ska vara fyra siffror", 400),
        ({"kommun": "٠٨٨٣"}, "ska vara fyra siffror (0–9)", 400),  # Arabic-Indic digits
        ({"kommun": "０８８３"}, "ska vara fyra siffror (0–9)", 400),  # full width
        ({"ar": "²"}, "Året ”²” ska vara ett årtal", 400),
        ({"ar": "9" * 5000}, "för långt (5000 tecken)", 400),
        ({"ar": "1800"}, "Det finns inga uppgifter för 1800 här", 404),
        ({"kommun": ["0883", "0180"]}, "Adressen anger kommun 2 gånger", 400),
        ({"ar": ["2022", "2021"]}, "Adressen anger ar 2 gånger", 400),
    ],
)
def test_bad_query_values_are_named_in_swedish(service, query, message, status):
    found = read_view(service, OVERVIEW, {}, query)
    assert isinstance(found, Explanation)
    assert message in found.message and found.status == status


def test_a_repeated_parameter_offers_each_valid_value(service):
    found = read_view(service, OVERVIEW, {}, {"kommun": ["0883", "0180", "9999"]})
    urls = [url for _, url in found.links]
    assert "/oversikt?kommun=0883&ar=2022" in urls and "/oversikt?kommun=0180&ar=2022" in urls
    assert not any("9999" in url for url in urls)


def test_the_same_value_repeated_is_the_value(service):
    found = read_view(service, OVERVIEW, {}, {"kommun": ["0180", "0180"], "ar": "2021"})
    assert isinstance(found, View) and found.params.municipality == STOCKHOLM


def test_a_municipality_written_as_its_name_is_offered_by_its_code(service):
    found = read_view(service, OVERVIEW, {}, {"kommun": "goteborg"})
    assert "Menade du Göteborg (1480)?" in found.message
    assert any("kommun=1480" in url for _, url in found.links)


def test_an_own_group_list_is_deduplicated_and_refuses_what_is_no_municipality(service):
    same = read_view(service, KPI, {"kpi": "U21468"}, {"grupp": "0180,0180,1480"})
    assert same.params.grupp == "0180,1480"
    region = read_view(service, KPI, {"kpi": "U21468"}, {"grupp": "0180,0001,9999"})
    assert isinstance(region, Explanation)
    assert "0001 (Region Stockholm, en region)" in region.message and "9999" in region.message
    assert any("grupp=0180&" in url for _, url in region.links)  # the list without them
    many = ",".join(sorted(service.kommun_ids)[: MAX_GROUP + 1])
    too_long = read_view(service, KPI, {"kpi": "U21468"}, {"grupp": many})
    assert f"högst {MAX_GROUP} kommuner" in too_long.message


def test_a_unit_id_in_any_case_names_the_unit(service):
    found = read_view(service, UNITS, {"area": "hemtjanst"}, {"enhet": GUNNEBO.lower()})
    assert isinstance(found, View)
    assert found.params.enhet == GUNNEBO and found.unit_title == "Gunnebo Hemtjänst"


def test_a_unit_of_another_municipality_links_to_its_own_page(service):
    found = read_view(
        service, UNITS, {"area": "hemtjanst"}, {"kommun": STOCKHOLM, "enhet": GUNNEBO}
    )
    assert isinstance(found, Explanation)
    assert "Gunnebo Hemtjänst (V21E12398) hör inte till hemtjänst i Stockholm" in found.message
    assert any(f"kommun={VASTERVIK}" in url and GUNNEBO in url for _, url in found.links)
    other_area = read_view(service, UNITS, {"area": "grundskola"}, {"enhet": GUNNEBO})
    assert isinstance(other_area, Explanation)


def test_the_kpi_page_keeps_the_area_of_its_url(service):
    school = read_view(service, KPI, {"kpi": "N00090"}, {"omrade": "grundskola"})
    assert school.area == "grundskola" and school.params.omrade == "grundskola"
    first = read_view(service, KPI, {"kpi": "N00090"}, {})
    assert first.area == next(a.id for a in service.config.areas if "N00090" in a.kpi_ids())
    wrong = read_view(service, KPI, {"kpi": "U21468"}, {"omrade": "grundskola"})
    assert isinstance(wrong, Explanation)
    assert wrong.links[0][1].endswith("omrade=hemtjanst")


def test_unit_pages_open_on_the_latest_year_with_unit_data(service, truth):
    for area in service.config.areas:
        for municipality in (VASTERVIK, STOCKHOLM, BJURHOLM):
            view = read_view(service, UNITS, {"area": area.id}, {"kommun": municipality})
            expected = truth["page_years"](UNITS, municipality, area.id, None) or truth["years"]
            assert view.params.year == max(expected), (area.id, municipality)


def test_the_upload_page_ignores_a_bad_query(service):
    found = read_view(service, UPLOAD, {}, {"kommun": "9999", "ar": "²"})
    assert isinstance(found, View) and found.params.municipality == VASTERVIK


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/oversikt", (OVERVIEW, {})),
        ("/oversikt/", (OVERVIEW, {})),
        ("/omrade/hemtjanst", (AREA, {"area": "hemtjanst"})),
        ("/nyckeltal/U21468", (KPI, {"kpi": "U21468"})),
        ("/lokalt/%C3%A5", (OWN, {"matt": "å"})),
        ("/omrade/", None),
        ("/okand", None),
        ("/", None),
    ],
)
def test_paths_match_their_route(path, expected):
    assert match_path(path) == expected


def test_every_page_route_has_a_path():
    assert set(PATHS) == set(ROUTES)


def test_year_lists_join_runs():
    assert year_list([2022, 2021, 2020, 2019]) == "2019–2022"
    assert year_list([2024]) == "2024"
    assert year_list([2010, 2011, 2012, 2014, 2016, 2017]) == "2010–2012, 2014, 2016 och 2017"


# --- level 2:3: the units compared (jamfor=) and the list's search (sok=) --------------------

VASTERVIK_UNITS = ["V21E11445", "V21E12394", "V21E12395", "V21E12396", "V21E12397", GUNNEBO]


def units_view(service, **query):
    return read_view(service, UNITS, {"area": "hemtjanst"}, {"kommun": VASTERVIK, **query})


def test_compared_units_are_read_in_any_case_once_each_in_url_order(service):
    found = units_view(service, jamfor=f"{GUNNEBO.lower()}, V21E12394,{GUNNEBO}")
    assert isinstance(found, View) and found.compare == (GUNNEBO, "V21E12394")
    assert found.query()["jamfor"] == f"{GUNNEBO},V21E12394"
    assert "jamfor=V21E12398,V21E12394" in resolve_url(found)


def resolve_url(view: View) -> str:
    from kvalitetsvisaren.web.viewstate import urls_for

    return urls_for(view)


@pytest.mark.parametrize(
    ("jamfor", "message", "status", "kept"),
    [
        (f"{GUNNEBO},V11E103371", "Jämförelsen har enheter som inte hör till hemtjänst i "
         "Västervik:", 404, GUNNEBO),
        (f"{GUNNEBO},V21E0", "”V21E0” (finns inte i Kolada)", 404, GUNNEBO),
        (f"{GUNNEBO},V21E１２３９８", "inte är Kolada-id för enheter", 400, GUNNEBO),
        (",".join(VASTERVIK_UNITS), f"Högst {MAX_COMPARE} enheter kan jämföras åt gången, "
         "inte 6.", 400, ",".join(VASTERVIK_UNITS[:MAX_COMPARE])),
        ("V21E1" * 50, "för långt (250 tecken)", 400, None),
    ],
)  # fmt: skip
def test_a_comparison_the_data_cannot_show_is_explained(service, jamfor, message, status, kept):
    found = units_view(service, jamfor=jamfor)
    assert isinstance(found, Explanation)
    assert message in found.message and found.status == status
    urls = [url for _, url in found.links]
    assert "/enheter/hemtjanst?kommun=0883&ar=2024" in urls  # the list without a comparison
    if kept:
        assert f"/enheter/hemtjanst?kommun=0883&ar=2024&jamfor={kept}" in urls


def test_the_comparison_named_twice_is_refused_with_each_as_a_link(service):
    found = units_view(service, jamfor=[GUNNEBO, "V21E12394"])
    assert isinstance(found, Explanation) and "Adressen anger jamfor 2 gånger" in found.message
    assert any(url.endswith(f"jamfor={GUNNEBO}") for _, url in found.links)


def test_the_search_is_any_text_its_spaces_made_one(service):
    found = units_view(service, sok="  Gunnebo \t  hem ")
    assert isinstance(found, View) and found.search == "Gunnebo hem"
    assert units_view(service, sok="   ").search is None
    odd = units_view(service, sok="<b>Å</b>٣")
    assert isinstance(odd, View) and odd.search == "<b>Å</b>٣"
    long = units_view(service, sok="x" * (MAX_SEARCH + 1))
    assert isinstance(long, Explanation) and f"högst {MAX_SEARCH}" in long.message


def test_the_comparison_and_search_belong_to_the_units_page_only(service):
    overview = read_view(service, OVERVIEW, {}, {"jamfor": "X,Y", "sok": "x" * 500})
    assert isinstance(overview, View) and overview.compare == () and overview.search is None
