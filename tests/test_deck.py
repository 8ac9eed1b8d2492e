"""Issue 17: an area's level-1 tiles as images (PNG, PNG för tryck, SVG), and the PowerPoint
presentation of an area or of every area, from the page, the download route and the batch.

Expected values come from the service's rows or the raw snapshot, never from the code under
test. The rendering (kaleido) is tested where marked slow; elsewhere a stand-in renderer
returns a real PNG of the asked size, so python-pptx gets a picture it can read.
"""

from __future__ import annotations

import io
import json
import struct
from functools import cache
from itertools import islice
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlencode

import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pptx import Presentation
from store_rows import value_rows

from kvalitetsvisaren.cli import main
from kvalitetsvisaren.export import deck
from kvalitetsvisaren.export import render as export
from kvalitetsvisaren.labels import QUARTILES
from kvalitetsvisaren.local.layer import load_local
from kvalitetsvisaren.present import charts
from kvalitetsvisaren.testing.dash_session import walk
from kvalitetsvisaren.web.urls import Params
from kvalitetsvisaren.web.views import overview_content

STOCKHOLM, GOTEBORG, BJURHOLM, VASTERVIK = "0180", "1480", "2403", "0883"
NBSP = "\u00a0"
HEADINGS = ["Nyckeltal", "Värde", "Jämfört med landet", "Placering", "Riket", "Förändring"]


def stand_in(fig, fmt, width, height, scale):
    """A real image of the size kaleido would make (fast: no browser)."""
    return _blank_image(fmt, width, height, scale)


@cache
def _blank_image(fmt, width, height, scale):
    """Made once per format and size: encoding a large PNG takes ~0.1 s."""
    if fmt == "svg":
        return b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    buffer = io.BytesIO()
    Image.new("RGB", (width * scale, height * scale), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def no_browser(monkeypatch):
    monkeypatch.setattr(export, "_to_image", stand_in)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def quality_rows(service, area: str, municipality: str) -> pd.DataFrame:
    measures = service.area_summary(area, municipality, 2022).measures
    return measures[measures["kind"] == "quality"]


def raw_value(store, kpi: str, municipality: str, year: int = 2022) -> float | None:
    hit = value_rows(store, kpi, municipality, year)["value"].dropna()
    return float(hit.iloc[0]) if len(hit) else None


def slide_texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def table_rows(slide) -> list[list[str]]:
    tables = [s.table for s in slide.shapes if s.has_table]
    return [[c.text for c in row.cells] for t in tables for row in t.rows]


# --- tiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("municipality", [STOCKHOLM, GOTEBORG, BJURHOLM, VASTERVIK])
def test_tiles_show_each_quality_measure_with_colour_icon_word_and_place(service, municipality):
    spec = charts.tiles(service, "hemtjanst", municipality=municipality, year=2022)
    rows = quality_rows(service, "hemtjanst", municipality)
    drawn = go.Figure(spec.figure)  # plotly's object: validates the plain-data figure
    notes = [a.text for a in drawn.layout.annotations]
    assert len(notes) == len(rows)  # one tile per quality measure, in config order
    fills = [s.fillcolor for s in drawn.layout.shapes]
    for note, r in zip(notes, rows.itertuples(), strict=True):
        icon, word = QUARTILES[r.colour]
        assert note.startswith(f"<b>{r.label}</b><br>{icon} {word}<br>"), note
        if pd.notna(r.rank):
            assert f"plats {int(r.rank)} av {r.n}" in note
        else:  # the page's reason, never an empty tile
            place = service.names[municipality]
            assert f"{place} har inget värde för 2022" in note.replace("<br>", " ")
    # one fill per quartile colour, a different one for each
    pairs = set(zip(rows["colour"], fills, strict=True))
    assert len(pairs) == len(set(rows["colour"])) == len(set(fills))
    # the legend: each colour a tile can have, with its icon and word
    legend = [t.name for t in drawn.data]
    assert legend == [f"{QUARTILES[c][0]} {QUARTILES[c][1]}" for c in QUARTILES][:4]
    assert spec.slug == f"{charts.slugify(service.names[municipality])}_2022_hemtjanst_rutor"


def test_bjurholm_tiles_say_why_a_measure_has_no_colour(service):
    spec = charts.tiles(service, "hemtjanst", municipality=BJURHOLM, year=2022)
    rows = quality_rows(service, "hemtjanst", BJURHOLM)
    first = rows.iloc[0]
    assert raw_value(service.store, first["headline_kpi"], BJURHOLM) is None  # the raw truth
    text = go.Figure(spec.figure).layout.annotations[0].text.replace("<br>", " ")
    assert "○ Saknas" in text and "Bjurholm har inget värde för 2022" in text
    assert spec.data["Färg"].tolist() == [QUARTILES[c][1] for c in rows["colour"]]


@pytest.mark.slow
def test_tile_images_are_stamped_like_every_chart(chromium, service):
    spec = charts.tiles(service, "grundskola", municipality=STOCKHOLM, year=2022)
    assert png_size(export.image(spec, "png")) == (1200, 675)
    assert png_size(export.image(spec, "png-tryck")) == (2400, 1350)
    svg = export.image(spec, "svg").decode("utf-8")
    fetched = service.store.vintage("values")[:10]
    for text in (
        "Grundskola: Stockholm jämfört med landets kommuner",
        "Stockholm 2022",
        f"Källa: Kolada (RKA), data 2022, hämtad {fetched}.",
        "▲ Bäst 25 %",
        "■ Mellan 50 %",
        "▼ Sämst 25 %",
        "○ Saknas",
        *quality_rows(service, "grundskola", STOCKHOLM)["label"],
    ):
        assert text in svg, text


# --- the presentation ---------------------------------------------------------------------


def open_deck(body: bytes):
    return Presentation(io.BytesIO(body))


def expected_extremes(rows: pd.DataFrame) -> list[str]:
    """The verdict's rule by hand: the smallest and largest share of municipalities ahead
    (rank / n), the first in config order on a tie."""
    ranked = [r for r in rows.itertuples() if pd.notna(r.rank) and r.n > 0]
    best = min(ranked, key=lambda r: r.rank / r.n)
    worst = max(ranked, key=lambda r: r.rank / r.n)
    place = "{0.label}, plats {1} av {0.n}"
    if len(ranked) == 1:
        return ["Enda rangordnade mått: " + place.format(best, int(best.rank))]
    return [
        "Starkast: " + place.format(best, int(best.rank)),
        "Svagast: " + place.format(worst, int(worst.rank)),
    ]


@pytest.mark.parametrize(
    ("municipality", "area"),
    [(STOCKHOLM, "hemtjanst"), (GOTEBORG, "grundskola"), (BJURHOLM, "hemtjanst")],
)
def test_area_presentation_has_its_slides_in_order(service, no_browser, municipality, area):
    name, body = deck.presentation(service, municipality, 2022, area)
    place = service.names[municipality]
    assert name == f"{charts.slugify(place)}_2022_{area}_presentation.pptx"
    slides = list(open_deck(body).slides)
    label = service.area(area).label
    summary = service.area_summary(area, municipality, 2022)
    assert slides[0].shapes.title.text == f"{label} i {place} 2022"
    assert summary.verdict in slide_texts(slides[0])
    assert slides[1].shapes.title.text == f"{label}: måtten jämförda med landet"
    kpis = sum(len(m.kpis) for m in service.area(area).measures)
    tables = [s for s in slides if any(sh.has_table for sh in s.shapes)]
    rows = [r for s in tables for r in table_rows(s)[1:]]
    assert len(rows) == kpis and all(table_rows(s)[0] == HEADINGS for s in tables)
    extremes = [s.shapes.title.text for s in slides[2 + len(tables) :]]
    assert extremes == expected_extremes(quality_rows(service, area, municipality))
    pictures = [sh for s in slides for sh in s.shapes if sh.shape_type == 13]
    assert len(pictures) == 1 + len(extremes)  # the tiles and each named measure's chart
    assert all(p.image.size == (2400, 1350) for p in pictures)  # print resolution
    assert all(p._element.nvPicPr.cNvPr.get("descr") for p in pictures)  # alt text
    fetched = service.store.vintage("values")[:10]
    source = f"Källa: Kolada (RKA), data 2022, hämtad {fetched}."
    assert all(any(t.startswith(source) for t in slide_texts(s)) for s in slides)


def test_table_values_are_formatted_as_the_page_formats_them(service, no_browser):
    _, body = deck.presentation(service, STOCKHOLM, 2022, "hemtjanst")
    rows = [r for s in open_deck(body).slides for r in table_rows(s)[1:]]
    by_name = {r[0]: r for r in rows}
    # U21468 "Nöjd med hemtjänsten" (%): the raw snapshot value, written by hand
    value = raw_value(service.store, "U21468", STOCKHOLM)
    shown = f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")
    assert by_name["Nöjdhet (helhetssyn): Nöjd med hemtjänsten"][1] == f"{shown}{NBSP}%"
    # a cost in kronor: thin space between thousands, no decimals
    cost_row = next(r for name, r in by_name.items() if name.startswith("Kostnad"))
    assert cost_row[1].endswith(f"{NBSP}kr") and "\u202f" in cost_row[1] and "," not in cost_row[1]
    missing = [r for r in rows if r[2] == "○ Saknas"]
    assert all(r[1] == "–" for r in missing)


def test_all_areas_presentation_has_an_overview_and_every_area(service, no_browser):
    name, body = deck.presentation(service, GOTEBORG, 2022)
    assert name == "goteborg_2022_alla-omraden_presentation.pptx"
    slides = list(open_deck(body).slides)
    titles = [s.shapes.title.text for s in slides]
    assert titles[:2] == ["Kvalitet i Göteborg 2022", "Översikt: Göteborg 2022"]
    overview = " ".join(slide_texts(slides[1]))
    for area in service.config.areas:
        assert f"{area.label} i Göteborg 2022" in titles
        assert area.label in overview


TARGETS = """\
- kommun: "0883"
  nyckeltal: U21468
  ar: 2022
  mal: 90
  analys: Nöjdheten sjönk efter omorganisationen av nattpatrullen.
"""


def test_presentation_carries_the_municipalitys_targets_and_analysis_synthetic(
    tmp_path, service, no_browser
):
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "mal-och-analys.yaml").write_text(TARGETS, encoding="utf-8")
    svc = service.with_local(load_local(folder, service.config, service.store))
    _, body = deck.presentation(svc, VASTERVIK, 2022, "hemtjanst")
    slides = list(open_deck(body).slides)
    value = raw_value(service.store, "U21468", VASTERVIK)
    met = "uppnått" if value >= 90 else "inte uppnått"  # higher is better
    last = slides[-1]
    assert last.shapes.title.text == "Hemtjänst: våra mål och vår analys"
    text = " ".join(slide_texts(last))
    assert f"mål 90{NBSP}%, värde {value:.0f}{NBSP}% ({met})" in text
    assert "Nöjdheten sjönk efter omorganisationen av nattpatrullen." in text
    rows = [r for s in slides for r in table_rows(s)]
    assert rows[0][-1] == "Mål"
    # without a local layer there is no such slide
    _, plain = deck.presentation(service, VASTERVIK, 2022, "hemtjanst")
    assert "vår analys" not in list(open_deck(plain).slides)[-1].shapes.title.text


# --- the route, the page and the batch ----------------------------------------------------


def test_route_serves_the_presentation_and_the_tiles(dash_app, service, no_browser):
    client = dash_app.server.test_client()
    one = client.get(f"/export/presentation?area=hemtjanst&kommun={BJURHOLM}&ar=2022")
    assert one.status_code == 200 and one.mimetype == deck.MIME
    assert one.headers["Content-Disposition"] == (
        'attachment; filename="bjurholm_2022_hemtjanst_presentation.pptx"'
    )
    assert len(open_deck(one.data).slides) >= 4
    every = client.get(f"/export/presentation-alla?kommun={STOCKHOLM}&ar=2022&format=pptx")
    assert every.status_code == 200
    assert "stockholm_2022_alla-omraden_presentation.pptx" in every.headers["Content-Disposition"]
    tiles = client.get(f"/export/rutor?area=forskola&kommun={GOTEBORG}&ar=2022&format=png-tryck")
    assert tiles.status_code == 200 and png_size(tiles.data) == (2400, 1350)
    assert "goteborg_2022_forskola_rutor_tryck.png" in tiles.headers["Content-Disposition"]
    csv = client.get(f"/export/rutor?area=forskola&kommun={GOTEBORG}&ar=2022&format=csv")
    data, source = csv.data.decode("utf-8-sig").split("\n\n")  # the data, then the source
    lines = data.splitlines()
    assert lines[0] == "Mått;Färg;Placering" and source.startswith("Källa: Kolada (RKA)")
    assert len(lines) == 1 + len(quality_rows(service, "forskola", GOTEBORG))


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/export/presentation?kommun=0883&ar=2022", 400, "behöver parametern area"),
        ("/export/presentation?area=hemtjanst&kommun=0883&ar=2022&format=pdf", 400, "pptx"),
        ("/export/presentation-alla?kommun=0883&ar=2022&format=png", 400, "välj bland pptx"),
        ("/export/rutor?area=hemtjanst&kommun=0883&ar=2022&format=pptx", 400, "”pptx”"),
        ("/export/rutor?area=skola&kommun=0883&ar=2022", 404, "Området ”skola” finns inte"),
        ("/export/presentation?area=hemtjanst&area=forskola&kommun=0883", 400, "2 gånger"),
        ("/export/presentation-alla?kommun=０８８３&ar=2022", 400, "fyra siffror"),
        ("/export/presentation-alla?kommun=0883&ar=" + "9" * 5000, 400, "för långt"),
        ("/export/presentation-alla?kommun=0883&ar=1800", 404, "1800"),
    ],
)
def test_bad_presentation_and_tile_requests_are_explained(dash_app, url, status, message):
    response = dash_app.server.test_client().get(url)
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/plain" and message in text, text


values = st.one_of(
    st.sampled_from(["0883", "0180", "2403", "2022", "1800", "hemtjanst", "forskola", "pptx",
                     "png", "svg", "pdf", "", "٠٨٨٣", "０８８３", "<b>x</b>", "%00", "åäö"]),
    st.text(max_size=20),
    st.text(alphabet="0123456789", min_size=5, max_size=3000),
)  # fmt: skip
one_or_many = st.one_of(values.map(lambda v: [v]), st.lists(values, min_size=2, max_size=3))
queries = st.dictionaries(
    st.sampled_from(["kommun", "ar", "area", "format", "omrade", "utm_source"]),
    one_or_many,
    max_size=4,
)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(kind=st.sampled_from(["rutor", "presentation", "presentation-alla"]), query=queries)
def test_any_presentation_or_tile_request_gets_the_file_or_a_swedish_text(
    dash_app, caplog, kind, query
):
    pairs = [(k, v) for k, vs in query.items() for v in vs]
    with mock.patch.object(export, "_to_image", stand_in):
        response = dash_app.server.test_client().get(
            f"/export/{quote(kind)}?{urlencode(pairs)}", follow_redirects=True
        )
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        text = response.get_data(as_text=True)
        assert response.mimetype == "text/plain"
        assert text.startswith("Kvalitetsvisaren: ") and "Traceback" not in text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_overview_offers_tiles_and_presentations_beside_each_area(service):
    content = overview_content(service, Params(STOCKHOLM, 2022))
    tree = json.loads(json.dumps(content, default=_plain))
    links = {c["props"].get("href"): c["props"].get("children") for c in walk(tree)}
    for area in service.config.areas:
        query = f"area={area.id}&kommun={STOCKHOLM}&ar=2022"
        name = area.label.lower()
        assert links[f"/export/rutor?{query}&format=png"] == f"Ladda ner rutorna för {name} (PNG)"
        assert links[f"/export/rutor?{query}&format=svg"] == f"Ladda ner rutorna för {name} (SVG)"
        assert links[f"/export/presentation?{query}&format=pptx"] == (
            f"Ladda ner presentation om {name} (PowerPoint)"
        )
    every = f"/export/presentation-alla?kommun={STOCKHOLM}&ar=2022&format=pptx"
    assert links[every] == "Ladda ner presentation med alla områden (PowerPoint)"


def _plain(component):
    return component.to_plotly_json()


@pytest.fixture
def quick_batch(monkeypatch):
    """The batch on the area's first four charts (the tiles among them), a stand-in renderer."""
    every_chart = charts.all_charts
    monkeypatch.setattr(charts, "all_charts", lambda *a: list(islice(every_chart(*a), 4)))
    monkeypatch.setattr(export, "_to_image", stand_in)

    def run(out: Path, formats: str) -> dict:
        code = main(["export", "--kommun", STOCKHOLM, "--ar", "2022", "--area", "hemtjanst",
                     "--format", formats, "--out", str(out), "--quiet"])  # fmt: skip
        assert code == 0
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    return run


@pytest.mark.slow  # two runs of the export command, each loading the store (~5 s)
def test_batch_writes_the_tiles_with_the_charts_and_presentations_on_request(tmp_path, quick_batch):
    manifest = quick_batch(tmp_path / "all", "png,svg,pptx")
    files = {f for entry in manifest["diagram"] for f in entry["filer"].values()}
    assert {"stockholm_2022_hemtjanst_rutor.png", "stockholm_2022_hemtjanst_rutor.svg"} <= files
    assert "stockholm_2022_hemtjanst_presentation.pptx" in files
    assert files == {p.name for p in (tmp_path / "all").iterdir()} - {"manifest.json"}
    assert manifest["format"] == ["png", "svg", "pptx"]
    only = quick_batch(tmp_path / "decks", "pptx")
    assert [e["typ"] for e in only["diagram"]] == ["presentation"]
    assert sorted(p.name for p in (tmp_path / "decks").iterdir()) == [
        "manifest.json",
        "stockholm_2022_hemtjanst_presentation.pptx",
    ]
