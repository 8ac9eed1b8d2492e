"""The local layer in the dashboard: own measures beside the Kolada figures, targets and the
municipality's analysis on levels 1-2:2 and in the exports, and the upload page.

Own measures and targets are the municipality's own data, so every value here is synthetic
(the tests say so in their names); the Kolada values they sit beside are the real snapshot.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.utils import PlotlyJSONEncoder
from store_rows import value_rows

from kvalitetsvisaren.export import render as export
from kvalitetsvisaren.local.layer import load_local
from kvalitetsvisaren.present import charts
from kvalitetsvisaren.testing.dash_session import texts, walk
from kvalitetsvisaren.web import runtime
from kvalitetsvisaren.web.urls import Params

VASTERVIK = "0883"
GUNNEBO, JOHANNESDAL, KORALLEN = "V21E12398", "V21E12399", "V21E12400"  # real V21 units
OWN_FILE = (
    "matt_id;namn;omrade;kommun;enhet;ar;varde;hogre_ar_battre;svarande;matt_enhet\n"
    "egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;;2021;82,0;ja;400;%\n"
    "egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;;2022;85,5;ja;410;%\n"
    "egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;;2023;87,0;ja;405;%\n"
    f"egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;{GUNNEBO};2022;91;ja;40;%\n"
    f"egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;{JOHANNESDAL};2022;78;ja;35;%\n"
    "egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;Korallen Hemtjänst;2022;84;ja;;%\n"
    f"egen-nojd;Nöjd med hemtjänsten (egen enkät);hemtjanst;0883;{GUNNEBO};2023;93;ja;41;%\n"
)
TARGETS_FILE = """\
- kommun: "0883"
  nyckeltal: U21468      # real 2022 value 88: target 90 not met
  ar: 2022
  mal: 90
  analys: Nöjdheten sjönk efter omorganisationen av nattpatrullen.
- kommun: "0883"
  nyckeltal: U21468
  ar: 2020               # real 2020 value 92: met
  mal: 90
- kommun: "0883"
  nyckeltal: U21504      # lower target than the real 2022 value: met
  ar: 2022
  mal: 80
- kommun: "0883"
  nyckeltal: egen-nojd
  ar: 2023
  mal: 88
  analys: Egen enkät, alla brukare.
"""


def as_json(component):
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))


def numbers(array) -> list[float]:
    """A plotly array from figure JSON (plain list, or typed: base64 "bdata" + "dtype")."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def kolada_value(store, kpi: str, year: int) -> float:
    return float(value_rows(store, kpi, VASTERVIK, year)["value"].iloc[0])


@pytest.fixture
def folder(tmp_path) -> Path:
    local = tmp_path / "local"
    local.mkdir()
    (local / "egen-enkat.csv").write_text(OWN_FILE, encoding="utf-8")
    (local / "mal-och-analys.yaml").write_text(TARGETS_FILE, encoding="utf-8")
    return local


@pytest.fixture
def local_app(dash_app, service, folder):
    """The session's app serving the real snapshot plus the synthetic local folder."""
    original = runtime.get_runtime()
    local = load_local(folder, service.config, service.store)
    runtime.install(
        runtime.Runtime(
            service.with_local(local),
            service.config,
            local_path=folder,
            upload_key="hemlig-nyckel",
            check_every=0,
        )
    )
    yield runtime.get_runtime()
    runtime.install(original)


def p(**changes) -> dict:
    return {**Params(VASTERVIK, 2022).as_query(), **changes}


def test_own_measure_summary_synthetic(local_app):
    svc = local_app.service
    assert not svc.local.rejected
    rows = svc.own_measures("hemtjanst", VASTERVIK, 2022).set_index("measure_id")
    row = rows.loc["egen-nojd"]
    assert (row["year"], row["value"], row["previous_value"]) == (2022, 85.5, 82.0)
    assert row["trend"] == "better" and row["units"] == 3
    # the view's year only, with its own target
    assert svc.own_measures("hemtjanst", VASTERVIK, 2023).iloc[0]["year"] == 2023
    assert svc.own_measures("hemtjanst", VASTERVIK, 2023).iloc[0]["target_status"] == "not_met"
    assert svc.own_measures("grundskola", VASTERVIK, 2022).empty
    units = svc.own_units("egen-nojd", VASTERVIK, 2022)
    assert units["ou_id"].tolist() == [GUNNEBO, KORALLEN, JOHANNESDAL]  # best first
    assert units["place"].tolist() == [1, 2, 3] and set(units["n"]) == {3}


def test_targets_join_the_real_values_and_say_met_or_not_synthetic(local_app, service):
    svc = local_app.service
    rows = svc.area_kpis("hemtjanst", VASTERVIK, 2022).set_index("kpi")
    assert kolada_value(service.store, "U21468", 2022) < 90
    assert rows.loc["U21468", "target"] == 90 and rows.loc["U21468", "target_status"] == "not_met"
    assert rows.loc["U21468", "comment"].startswith("Nöjdheten sjönk")
    assert kolada_value(service.store, "U21504", 2022) >= 80
    assert rows.loc["U21504", "target_status"] == "met"
    assert rows.loc["U21505", "target_status"] == "" and pd.isna(rows.loc["U21505", "target"])
    summary = svc.area_summary("hemtjanst", VASTERVIK, 2022).measures.set_index("measure")
    assert summary.loc["bemotande", ["targets_set", "targets_met"]].tolist() == [1, 1]
    assert summary.loc["helhetssyn", ["targets_set", "targets_met"]].tolist() == [1, 0]
    trend = svc.trend("U21468", VASTERVIK, 2022, area="hemtjanst").set_index("year")["target"]
    assert trend[2020] == 90 and trend[2022] == 90 and pd.isna(trend[2019])
    # the service without a local layer is untouched
    assert service.area_kpis("hemtjanst", VASTERVIK, 2022)["target"].isna().all()


@pytest.mark.slow
def test_overview_and_area_show_own_measures_marked_local_never_coloured_synthetic(local_app):
    from kvalitetsvisaren.web.pages import area, overview

    tree = as_json(overview.update_overview(p()))
    tiles = [c for c in walk(tree) if "data-own-measure" in c["props"]]
    assert [t["props"]["data-own-measure"] for t in tiles] == ["egen-nojd"]
    tile = tiles[0]
    assert "Lokal uppgift" in texts(tile) and "85,5" in texts(tile)
    assert not [c for c in walk(tile) if "data-quartile" in c["props"]]  # no quartile colour
    helhetssyn = [c for c in walk(tree) if c["props"].get("data-measure") == "helhetssyn"]
    assert "✗ Mål: 0 av 1 nådda" in texts(helhetssyn[0])

    page = as_json(area.update_area(p(), "hemtjanst"))
    own = [c for c in walk(page) if c["props"].get("id") == "lokala-uppgifter"]
    assert own and "Nöjd med hemtjänsten (egen enkät)" in texts(own)
    row = next(c for c in walk(page) if c["props"].get("data-kpi") == "U21468")
    assert "Mål 90" in texts(row) and "Målet inte nått" in texts(row)
    assert "Nöjdheten sjönk efter omorganisationen" in texts(row)


def test_kpi_page_shows_target_analysis_and_target_line_synthetic(local_app, kpi_view):

    main, _, more = kpi_view(p(omrade="hemtjanst"), "U21468")
    everything = texts(as_json([main, more]))
    assert "Mål 90\u00a0%: ✗ Målet inte nått" in everything and "Vår analys" in everything
    graph = next(c for c in walk(as_json(more)) if c["props"].get("id") == "nyckeltal-trend")
    target = [t for t in graph["props"]["figure"]["data"] if t.get("name") == "Mål"]
    assert len(target) == 1 and numbers(target[0]["y"]) == [90, 90]


def test_exports_carry_the_target_synthetic(local_app):
    spec = charts.build(
        local_app.service, "utveckling", {"kpi": "U21468", "kommun": VASTERVIK, "ar": "2022"}
    )
    csv = export.data_file(spec, "csv")
    frame = pd.read_csv(
        io.BytesIO(csv.split(b"\n\n")[0]), sep=";", decimal=",", encoding="utf-8-sig"
    )
    target_column = [c for c in frame.columns if c.startswith("Mål")]
    assert target_column
    by_year = frame.set_index("År")[target_column[0]]
    assert by_year[2022] == 90 and pd.isna(by_year[2021])


def test_own_measure_charts_download_as_data_and_text_synthetic(local_app, dash_app):
    client = dash_app.server.test_client()
    query = f"kommun={VASTERVIK}&ar=2022&matt=egen-nojd"
    csv = client.get(f"/export/lokal-enheter?{query}&format=csv")
    assert csv.status_code == 200
    frame = pd.read_csv(
        io.BytesIO(csv.data.split(b"\n\n")[0]), sep=";", decimal=",", encoding="utf-8-sig"
    )
    assert frame.set_index("Enhet").iloc[:, 0].to_dict() == {
        "Gunnebo Hemtjänst": 91,
        "Korallen Hemtjänst": 84,
        "Johannesdal hemtjänst": 78,
    }
    alt = client.get(f"/export/lokal-utveckling?{query}&format=txt").data.decode()
    assert "kommunens egen uppgift" in alt and "Kolada" not in alt


def test_own_measure_page_compares_the_units_synthetic(local_app):
    from kvalitetsvisaren.web.pages import own

    layout = as_json(own.layout(matt="egen-nojd", kommun=VASTERVIK, ar="2022"))
    assert "Sidan kunde inte visas" not in texts(layout)
    content = as_json(own.update_own(p(), "egen-nojd"))
    graphs = {
        c["props"]["id"]: c["props"]["figure"] for c in walk(content) if "figure" in c["props"]
    }
    trend, units = graphs["lokal-trend"], graphs["lokal-enheter"]
    assert numbers(trend["data"][0]["y"]) == [82.0, 85.5, 87.0]
    assert sorted(numbers(units["data"][0]["x"])) == [78, 84, 91]
    assert "Lokal uppgift" in texts(content)
    bad = as_json(own.layout(matt="finns-inte", kommun=VASTERVIK))
    assert "Sidan kunde inte visas" in texts(bad)


def test_unit_manager_sees_the_units_own_result_next_to_kolada_synthetic(local_app):
    from kvalitetsvisaren.web.pages import units

    page = as_json(units.update_units(p(enhet=GUNNEBO), "hemtjanst"))
    own = [c for c in walk(page) if c["props"].get("data-own-measure") == "egen-nojd"]
    assert own and "plats 1 av 3 i kommunen" in texts(own)
    kolada = [c for c in walk(page) if "data-kpi" in c["props"]]
    assert kolada  # the unit's Kolada results on the same page
    all_units = as_json(units.update_unit_charts(p(), "hemtjanst"))  # beside the list
    assert [c for c in walk(all_units) if c["props"].get("data-own-measure") == "egen-nojd"]


def upload(name: str, content: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(content).decode()


@pytest.mark.slow
def test_upload_checks_then_saves_with_the_key_synthetic(local_app, folder, monkeypatch):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from kvalitetsvisaren.web import ids
    from kvalitetsvisaren.web.pages import upload as page

    def call(contents, name, key, trigger):
        context_value.set(
            AttributeDict(triggered_inputs=[{"prop_id": f"{trigger}.n_clicks", "value": 1}])
        )
        return as_json(page.check_or_save({"contents": contents, "filename": name}, 1, key))

    new = OWN_FILE.replace("egen-nojd", "ny-enkat").replace(";2021;", ";2019;")
    checked = call(upload("ny.csv", new.encode()), "ny.csv", None, ids.UPLOAD)
    assert "Filen är godkänd" in texts(checked)
    assert not (folder / "ny.csv").exists()  # checking writes nothing

    refused = call(upload("ny.csv", new.encode()), "ny.csv", "fel", ids.UPLOAD_SAVE)
    assert "Fel uppladdningsnyckel" in texts(refused) and not (folder / "ny.csv").exists()

    saved = call(upload("ny.csv", new.encode()), "ny.csv", "hemlig-nyckel", ids.UPLOAD_SAVE)
    assert "Filen är sparad" in texts(saved) and (folder / "ny.csv").exists()
    assert "ny-enkat" in set(runtime.get_service().local.measures["measure_id"])

    bad = new.replace(";85,5;", ";hög;").replace("Korallen Hemtjänst", "Okänd enhet")
    failed = call(upload("fel.csv", bad.encode()), "fel.csv", "hemlig-nyckel", ids.UPLOAD_SAVE)
    text = texts(failed)
    assert "rad 3" in text and "hög" in text and "rad 7" in text and "Okänd enhet" in text
    assert not (folder / "fel.csv").exists()


def test_a_file_placed_in_the_folder_is_picked_up_and_a_bad_one_left_out_synthetic(
    local_app, folder, dash_app
):
    good = OWN_FILE.replace("egen-nojd", "tredje").replace("hemtjanst;", "hemtjanst;", 1)
    (folder / "tredje.csv").write_text(good, encoding="utf-8")
    (folder / "trasig.csv").write_text("matt_id;namn\nx;y\n", encoding="utf-8")
    local_app.maybe_reload()
    local_app._reloading.join(timeout=30)
    svc = runtime.get_service()
    assert "tredje" in set(svc.local.measures["measure_id"])
    assert "trasig.csv" in svc.local.rejected and "egen-nojd" in set(
        svc.local.measures["measure_id"]
    )
    health = dash_app.server.test_client().get("/healthz").get_json()
    assert health["local"]["rejected_files"] == ["trasig.csv"]
    assert health["local"]["own_measures"] == 2


def test_template_download_is_a_valid_file(dash_app, service):
    from kvalitetsvisaren.local.own_measures import read_own_measures

    response = dash_app.server.test_client().get("/ladda-upp/mall.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = read_own_measures(
        response.data,
        "mall.csv",
        config=service.config,
        ous=service.store.ous,
        municipalities=service.store.municipalities,
    )
    assert len(rows) >= 2


def drawn_table(fig) -> pd.DataFrame:
    """The one-pager's table as drawn (text annotations, a row at one height, the columns at
    the headings' x), line breaks joined again."""

    def text(a) -> str:
        return re.sub(r"<[^>]+>", " ", a.text.replace("<br>", " ")).strip()

    notes = list(fig.layout.annotations)
    first = next(a for a in notes if text(a) == "Nyckeltal")
    headings = sorted((a for a in notes if a.y == first.y), key=lambda a: a.x)
    xs = [a.x for a in headings]
    cells: dict[float, dict[float, str]] = {}
    for a in notes:
        if a.y < first.y and a.x in xs and a.xanchor == "left" and a.yanchor == "top":
            cells.setdefault(a.y, {})[a.x] = text(a)
    rows = [cells[y] for y in sorted(cells, reverse=True) if len(cells[y]) == len(xs)]
    return pd.DataFrame([[row[x] for x in xs] for row in rows], columns=[text(h) for h in headings])


def test_council_one_pager_carries_targets_analysis_and_own_measures_synthetic(
    local_app, monkeypatch
):
    drawn = []
    monkeypatch.setattr(export, "_to_image", lambda fig, *args: drawn.append(fig) or b"%PDF")
    export.onepager(local_app.service, "hemtjanst", VASTERVIK, 2022)
    fig = drawn[0]
    rows = drawn_table(fig)
    by_kpi = rows.set_index("Nyckeltal")["Mål"]
    assert by_kpi["Nöjdhet (helhetssyn): Nöjd med hemtjänsten"] == "✗ 90\u00a0%"
    assert by_kpi["Bemötande: Bra bemötande"] == "✓ 80\u00a0%"
    own = rows[rows["Nyckeltal"].str.contains("Lokal uppgift")]
    assert own["Jämfört med landet"].tolist() == ["jämförs inte"]
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "Nöjdheten sjönk efter omorganisationen" in notes


def test_hostile_own_measure_names_stay_text_synthetic(tmp_path, service):
    hostile = "<img src=x onerror=alert(1)>"
    local = tmp_path / "local"
    local.mkdir()
    text = OWN_FILE.replace("Nöjd med hemtjänsten (egen enkät)", hostile)
    (local / "fil.csv").write_text(text, encoding="utf-8")
    svc = service.with_local(load_local(local, service.config, service.store))
    for kind in ("lokal-utveckling", "lokal-enheter"):
        spec = charts.build(svc, kind, {"matt": "egen-nojd", "kommun": VASTERVIK, "ar": "2022"})
        title = go.Figure(spec.figure).layout.title.text
        assert "<img" not in title and "&lt;img" in title


@pytest.mark.slow
def test_batch_export_includes_own_measure_charts_synthetic(local_app):
    kinds = [c.kind for c in charts.all_charts(local_app.service, VASTERVIK, 2022, ["hemtjanst"])]
    assert kinds.count("lokal-utveckling") == 1 and kinds.count("lokal-enheter") == 1


# --- own measures' certainty (issue 16): Wilson from svarande, never a count invented ---------

CERTAINTY_FILE = (
    "matt_id;namn;omrade;kommun;enhet;ar;varde;hogre_ar_battre;svarande;matt_enhet\n"
    "egen-saker;Nöjd (säker);hemtjanst;0883;;2022;95;ja;400;%\n"
    "egen-osaker;Nöjd (osäker);hemtjanst;0883;;2022;87;ja;405;%\n"
    "egen-utan;Nöjd (utan svarande);hemtjanst;0883;;2022;60;ja;;%\n"
    "egen-index;Index;hemtjanst;0883;;2022;70;ja;300;index\n"
)
CERTAINTY_TARGETS = "".join(
    f'- {{kommun: "0883", nyckeltal: {m}, ar: 2022, mal: {t}}}\n'
    for m, t in [("egen-saker", 80), ("egen-osaker", 88), ("egen-utan", 50), ("egen-index", 60)]
)


def wilson_by_hand(p: float, n: float) -> tuple[float, float]:
    z = 1.959963984540054
    q = p / 100
    centre = (q + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (q * (1 - q) / n + z * z / (4 * n * n)) ** 0.5
    return 100 * (centre - half), 100 * (centre + half)


def test_own_measure_certainty_from_respondents_synthetic(tmp_path, dash_app, service):
    from kvalitetsvisaren.web.pages import area, overview

    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "egen.csv").write_text(CERTAINTY_FILE, encoding="utf-8")
    (folder / "mal-och-analys.yaml").write_text(CERTAINTY_TARGETS, encoding="utf-8")
    local = load_local(folder, service.config, service.store)
    assert not local.rejected
    svc = service.with_local(local)
    rows = svc.own_measures("hemtjanst", VASTERVIK, 2022).set_index("measure_id")
    for m, value, n in [("egen-saker", 95, 400), ("egen-osaker", 87, 405)]:
        lo, hi = wilson_by_hand(value, n)
        assert (rows.at[m, "lo"], rows.at[m, "hi"]) == (pytest.approx(lo), pytest.approx(hi))
    # 95 % of 400: the whole interval (about 92.4-96.8) is above the target 80; 87 % of 405
    # (about 83.4-90.1) holds the target 88; no svarande, or not a share: nothing to judge
    assert rows["certainty"].to_dict() == {
        "egen-saker": "sure",
        "egen-osaker": "unsure",
        "egen-utan": "unknown",
        "egen-index": "unknown",
    }
    assert rows.loc[["egen-utan", "egen-index"], ["lo", "hi"]].isna().all().all()

    original = runtime.get_runtime()
    runtime.install(runtime.Runtime(svc, service.config, local_path=folder, check_every=0))
    try:
        page = as_json(area.update_area(p(), "hemtjanst"))
        tiles = as_json(overview.update_overview(p()))
    finally:
        runtime.install(original)
    tile = next(c for c in walk(tiles) if c["props"].get("data-own-measure") == "egen-saker")
    assert [c["props"]["data-certainty"] for c in walk(tile) if "data-target" in c["props"]] == [
        "sure"
    ]
    own = {
        c["props"]["data-own-measure"]: c for c in walk(page) if "data-own-measure" in c["props"]
    }
    marks = {m: [c for c in walk(row) if "data-target" in c["props"]] for m, row in own.items()}
    assert {m: t[0]["props"]["data-certainty"] for m, t in marks.items()} == rows[
        "certainty"
    ].to_dict()
    assert "säkert: hela felmarginalen ger samma svar" in texts(marks["egen-saker"][0])
    assert "osäkert: målet ligger inom felmarginalen" in texts(marks["egen-osaker"][0])
    assert "säkert" not in texts(marks["egen-utan"][0])  # unknown: no word claims anything
    lo, hi = wilson_by_hand(87, 405)
    assert f"felmarginal {lo:.1f}–{hi:.1f}\xa0%".replace(".", ",") in texts(own["egen-osaker"])
    assert "felmarginal" not in texts(own["egen-utan"])
