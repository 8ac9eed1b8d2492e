"""The export kit: publication images (kaleido in Debian's Chromium), the plotted data as CSV
and Excel, alt texts, the one-pager, the batch CLI and its manifest, the download route."""

from __future__ import annotations

import io
import json
import re
import struct
from itertools import islice
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from kvalitetsvisaren.cli import main
from kvalitetsvisaren.export import render as export
from kvalitetsvisaren.present import charts

VASTERVIK = "0883"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def spread(service):
    return charts.spread(service, "U21468", area="hemtjanst", municipality=VASTERVIK, year=2022)


@pytest.fixture(scope="module")
def measure(service):
    return charts.measure(service, "hemtjanst", "bemotande", municipality=VASTERVIK, year=2022)


def test_file_names_say_what_the_chart_is(spread, measure):
    assert export.filename(measure, "png") == "vastervik_2022_hemtjanst_bemotande.png"
    assert export.filename(measure, "png-tryck") == "vastervik_2022_hemtjanst_bemotande_tryck.png"
    assert export.filename(spread, "csv") == "vastervik_2022_hemtjanst_u21468_spridning.csv"


@pytest.mark.slow
def test_images_are_valid_and_carry_title_and_source_line(chromium, measure):
    assert png_size(export.image(measure, "png")) == (1200, 675)  # web
    assert png_size(export.image(measure, "png-tryck")) == (2400, 1350)  # print
    assert export.image(measure, "pdf")[:5] == b"%PDF-"
    svg = export.image(measure, "svg").decode("utf-8")
    assert svg.startswith("<svg") and 'width="1200"' in svg
    for text in (
        "Bemötande: Västervik jämfört med riket",
        "Västervik 2022",
        "Källa: Kolada (RKA), data 2022, hämtad 2024-08-30.",
        "Färgsättning: egen bearbetning (kvartiler bland landets kommuner).",
    ):
        assert text in svg, text


def test_csv_and_excel_are_exactly_the_plotted_data(spread):
    plotted = sorted(
        x for trace in go.Figure(spread.figure).data if trace.name != "Västervik" for x in trace.x
    )
    csv = export.data_file(spread, "csv")
    assert csv[:3] == b"\xef\xbb\xbf"  # UTF-8 with BOM: Swedish Excel opens it right
    data, source = csv.split(b"\n\n")  # the data, then the source lines
    assert source.decode("utf-8").startswith("Källa: Kolada (RKA), data 2022")
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(frame.columns) == [
        "Kommun",
        "Värde (%)",
        "Färg",
        "Placering",
        "Felmarginal, lägst (%)",
        "Felmarginal, högst (%)",
        "Färgens säkerhet",
    ]
    assert sorted(frame["Värde (%)"]) == plotted  # every point of the chart, nothing else
    mine = frame.set_index("Kommun").loc["Västervik"]
    assert mine["Värde (%)"] == 88.0
    # issue 16: 88 % of Västervik's 503 respondents (U23592 2022), Wilson 95 % by hand
    lo, hi = wilson(0.88, 503)
    assert (mine["Felmarginal, lägst (%)"], mine["Felmarginal, högst (%)"]) == (
        round(lo * 100, 1),
        round(hi * 100, 1),
    )
    excel = pd.read_excel(io.BytesIO(export.data_file(spread, "xlsx")), sheet_name=None)
    # 88.0 reads as 88; under the data, after an empty row, the source lines
    pd.testing.assert_frame_equal(excel["Data"].iloc[: len(frame)], frame, check_dtype=False)
    assert excel["Data"].iloc[len(frame) + 1, 0].startswith("Källa: Kolada (RKA)")
    about = excel["Om diagrammet"].to_string()
    assert "Källa: Kolada (RKA)" in about and "Felmarginal: 95 % intervall" in about


def wilson(p: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return centre - half, centre + half


def test_alt_text_describes_the_chart_in_swedish(spread, measure):
    assert spread.alt_text == (
        "Spridningsdiagram: Nöjd med hemtjänsten 2022 för landets 286 kommuner med uppgift. "
        "Västervik har 88\u00a0%, plats 145 av 286 (mellan 50 %); riket 86\u00a0%, ovägt medel "
        "88,1\u00a0%. Felstapeln vid Västervik visar felmarginal 84,9–90,6\u00a0% (95 %)."
    )
    text = export.data_file(measure, "txt").decode("utf-8")
    assert text.startswith("Bemötande i Västervik 2022: Bra bemötande 99\u00a0% (riket 96\u00a0%)")
    assert "Källa: Kolada (RKA), data 2022" in text


@pytest.mark.slow  # kaleido renders it in Chromium (~3.5 s)
def test_onepager_is_an_a4_pdf(chromium, service):
    name, pdf = export.onepager(service, "hemtjanst", VASTERVIK, 2022)
    assert name == "vastervik_2022_hemtjanst_en-sida.pdf" and pdf[:5] == b"%PDF-"
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)
    width, height = float(box.group(1)), float(box.group(2))
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points


@pytest.mark.slow
def test_batch_writes_every_chart_and_a_manifest(tmp_path, service, monkeypatch):
    # Rendering is tested above; here a stand-in renderer keeps the batch fast.
    monkeypatch.setattr(export, "_to_image", lambda fig, fmt, w, h, s: f"{fmt}:{w}x{h}".encode())
    out = tmp_path / "vastervik"
    code = main(
        [
            "export",
            "--kommun",
            VASTERVIK,
            "--ar",
            "2022",
            "--area",
            "hemtjanst",
            "--format",
            "png,svg",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    expected = list(charts.all_charts(service, VASTERVIK, 2022, ["hemtjanst"]))
    listed = [c for c in manifest["diagram"] if c["typ"] != "en-sida"]
    assert [c["diagram"] for c in listed] == [c.title for c in expected]
    files = {f for c in manifest["diagram"] for f in c["filer"].values()}
    assert files == {p.name for p in out.iterdir()} - {"manifest.json"}
    assert {"png", "svg", "csv", "xlsx", "txt"} == set(listed[0]["filer"])
    assert "vastervik_2022_hemtjanst_en-sida.pdf" in files
    assert manifest["kalla"].startswith("Källa: Kolada (RKA), data 2022")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kommun", "9999"], "Kommunen '9999' finns inte."),
        (["--kommun", VASTERVIK, "--format", "gif"], "Okända format ['gif']"),
        (["--kommun", VASTERVIK, "--area", "skola"], "Området 'skola' finns inte."),
        (["--kommun", VASTERVIK, "--ar", "1999"], "inga uppgifter för år 1999"),
    ],
)
def test_bad_batch_requests_exit_2_and_write_nothing(tmp_path, capsys, monkeypatch, args, message):
    from kvalitetsvisaren.service.facade import IndicatorService

    built, build = [], IndicatorService.__init__
    monkeypatch.setattr(
        IndicatorService, "__init__", lambda *a, **k: built.append(1) or build(*a, **k)
    )
    out = tmp_path / "out"
    assert main(["export", *args, "--out", str(out), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    # a municipality, format or area that does not exist is said before the service's build
    assert built == ([1] if "--ar" in args else [])


@pytest.fixture
def quick_export(monkeypatch):
    """The export command on six of the area's charts: these tests are about the folder, and
    the full batch (test_batch_writes_every_chart_and_a_manifest) takes long."""
    every_chart = charts.all_charts
    monkeypatch.setattr(charts, "all_charts", lambda *a: list(islice(every_chart(*a), 6)))

    def run(out: Path, *extra: str) -> int:
        return main(["export", "--kommun", VASTERVIK, "--area", "hemtjanst", "--out", str(out),
                     "--quiet", *extra])  # fmt: skip

    return run


@pytest.mark.slow
def test_a_failing_batch_leaves_the_previous_export_untouched(tmp_path, monkeypatch, quick_export):
    out = tmp_path / "out"
    monkeypatch.setattr(export, "_to_image", lambda fig, fmt, w, h, s: b"previous export")
    assert quick_export(out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}

    def fail_on_the_fifth(fig, fmt, w, h, s):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("Chromium crashed (simulated)")
        return b"image"

    monkeypatch.setattr(export, "_to_image", fail_on_the_fifth)
    with pytest.raises(RuntimeError, match="simulated"):
        quick_export(out)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary left behind
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.slow
def test_export_never_deletes_a_file_it_did_not_write(tmp_path, monkeypatch, capsys, quick_export):
    monkeypatch.setattr(export, "_to_image", lambda fig, fmt, w, h, s: b"image")
    documents = tmp_path / "Dokument"
    documents.mkdir()
    (documents / "budget.xlsx").write_bytes(b"the user's own file")
    assert quick_export(documents) == 2
    err = capsys.readouterr().err
    assert "innehåller filer som exporten inte har skrivit (budget.xlsx)" in err
    assert [p.name for p in documents.iterdir()] == ["budget.xlsx"]
    assert (documents / "budget.xlsx").read_bytes() == b"the user's own file"
    # an earlier export of ours may be replaced, but not once a foreign file sits in it
    out = tmp_path / "export"
    assert quick_export(out) == 0 and quick_export(out) == 0
    (out / "anteckningar.txt").write_text("mine")
    assert quick_export(out) == 2 and (out / "anteckningar.txt").read_text() == "mine"
    plain_file = tmp_path / "fil.txt"
    plain_file.write_text("x")
    assert quick_export(plain_file) == 2 and plain_file.read_text() == "x"


@pytest.mark.slow
def test_download_route_serves_named_files(chromium, dash_app):
    client = dash_app.server.test_client()
    base = "/export/matt?area=hemtjanst&measure=bemotande&kommun=0883&ar=2022"
    png = client.get(base + "&format=png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == (
        'attachment; filename="vastervik_2022_hemtjanst_bemotande.png"'
    )
    assert png_size(png.data) == (1200, 675)
    csv = client.get(base + "&format=csv")
    assert csv.status_code == 200 and csv.data.decode("utf-8-sig").startswith("Nyckeltal;")
    page = client.get("/export/en-sida?area=hemtjanst&kommun=0883&ar=2022&format=pdf")
    assert page.status_code == 200 and page.data[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/export/kaka?kommun=0883&ar=2022", 404, "Diagramtypen ”kaka” finns inte."),
        ("/export/spridning?kpi=U21468&kommun=0883&ar=2022&format=gif", 400, "”gif”"),
        ("/export/spridning?kpi=N99999&kommun=0883&ar=2022", 404, "Nyckeltalet ”N99999”"),
        ("/export/spridning?kommun=0883&ar=2022", 400, "behöver parametern kpi"),
        ("/export/spridning?kpi=U21468&kommun=<b>&ar=2022", 400, "ska vara fyra siffror"),
    ],
)
def test_bad_download_requests_get_a_swedish_message(dash_app, url, status, message):
    response = dash_app.server.test_client().get(url)
    assert response.status_code == status
    assert response.mimetype == "text/plain" and message in response.get_data(as_text=True)
