"""Issue 17, "Export polish": what a communications officer saw in the exported files on main.

Expected values come from the service's rows or the raw snapshot, never from the code under
test. Rendering (kaleido) is marked slow.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from pypdf import PdfReader

from kvalitetsvisaren.cli import main
from kvalitetsvisaren.export import one_page
from kvalitetsvisaren.export import render as export
from kvalitetsvisaren.present import charts
from kvalitetsvisaren.service import kpi_table

STOCKHOLM, GOTEBORG, BJURHOLM, VASTERVIK = "0180", "1480", "2403", "0883"
ENGLISH = ("usage:", "options:", "show this help", "municipality code", "error:", "required")


def test_export_help_is_swedish(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["export", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("användning: kvalitetsvisaren export")
    for swedish in (
        "flaggor:",
        "kommunkod, t.ex. 0883",
        "visa den här hjälptexten",
        "ny eller tom mapp",
    ):
        assert swedish in text, swedish
    for english in ENGLISH:
        assert english not in text, english


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export"], "de här argumenten krävs: --kommun, --out"),
        (["export", "--kommun", VASTERVIK, "--out", "x", "--ar", "sist"], "ska vara ett heltal"),
        (["export", "--kommun", VASTERVIK, "--out", "x", "--ar"], "--ar behöver ett värde"),
        (["export", "--kommun", VASTERVIK, "--out", "x", "--farg"], "okända argument: --farg"),
    ],
)
def test_export_argument_errors_are_swedish(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "fel:" in err
    for english in ENGLISH:
        assert english not in err, english


# --- data files: source and vintage, whole places, Excel widths ---------------------------


def expected_source(service, year: int = 2022) -> str:
    """The source line by hand: Kolada, the data year, the day the values were fetched."""
    fetched = service.store.vintage("values")[:10]
    return f"Källa: Kolada (RKA), data {year}, hämtad {fetched}."


@pytest.fixture(scope="module")
def group_chart(service):
    return charts.group(
        service, "U21468", area="hemtjanst", municipality=VASTERVIK, year=2022, grupp="liknande"
    )


def csv_parts(content: bytes) -> tuple[list[list[str]], list[str]]:
    """A CSV export as (rows of the data, header first; the lines under it)."""
    text = content.decode("utf-8-sig")
    data, under = text.split("\n\n")
    return [line.split(";") for line in data.splitlines()], under.splitlines()


@pytest.mark.parametrize("municipality", [VASTERVIK, STOCKHOLM, GOTEBORG, BJURHOLM])
def test_csv_places_are_whole_numbers_and_the_source_is_under_the_data(service, municipality):
    chart = charts.group(service, "U21468", area="hemtjanst", municipality=municipality, year=2022)
    found = service.comparison("U21468", municipality, 2022, "liknande", area="hemtjanst")
    rows, under = csv_parts(export.data_file(chart, "csv"))
    header, body = rows[0], rows[1:]
    places = [r[header.index("Plats i gruppen")] for r in body]
    # the places by hand: 1 + how many members have a better (higher) value
    values = found.members["value"].dropna()
    by_hand = sorted(int((values > v).sum()) + 1 for v in values)
    assert sorted(int(p) for p in places if p) == by_hand
    assert all(p == "" or p.isdigit() for p in places)  # "4", never "4,0"
    assert under[0].startswith(expected_source(service))


def test_every_data_file_carries_source_and_vintage(service, group_chart):
    source = expected_source(service)
    for fmt in export.DATA_FORMATS:
        content = export.data_file(group_chart, fmt)
        if fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(content))
            for sheet in book.worksheets:
                texts = [c.value for row in sheet.iter_rows() for c in row if c.value]
                assert any(str(t).startswith(source) for t in texts), (fmt, sheet.title)
        else:
            assert source in content.decode("utf-8-sig"), fmt


def test_excel_columns_fit_their_content(service):
    chart = charts.spread(service, "U21468", area="hemtjanst", municipality=VASTERVIK, year=2022)
    book = openpyxl.load_workbook(io.BytesIO(export.data_file(chart, "xlsx")))
    sheet = book["Data"]
    n = len(chart.data) + 1  # header and rows; the source lines under them may overflow
    for column in sheet.iter_cols(min_row=1, max_row=n):
        longest = max(len(str(c.value)) for c in column if c.value is not None)
        width = column_width(sheet, column[0].column)
        assert longest <= width <= longest + 6, (column[0].value, longest, width)
    # "Felmarginal, lägst (%)" is 22 characters: wider than Excel's default 8.43
    assert column_width(sheet, 5) >= len("Felmarginal, lägst (%)")


def column_width(sheet, index: int) -> float | None:
    """The width of the index-th column (1-based); a <col> element may cover several."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max and dimension.customWidth:
            return dimension.width
    return None


# --- PDF metadata ---------------------------------------------------------------------------


@pytest.mark.slow
def test_pdfs_are_titled_by_their_chart(chromium, service, group_chart):
    reader = PdfReader(io.BytesIO(export.image(group_chart, "pdf")))
    found = service.comparison("U21468", VASTERVIK, 2022, "liknande", area="hemtjanst")
    label = service.config.kpi("U21468").label
    assert reader.metadata.title == f"{label}: {found.label}"  # not "Kaleido-fier"
    assert reader.trailer["/Root"]["/Lang"] == "sv-SE"  # read aloud in Swedish, not en-US
    name = service.check_municipality(VASTERVIK)
    _, pdf = export.onepager(service, "hemtjanst", VASTERVIK, 2022)
    area = service.area("hemtjanst").label
    assert PdfReader(io.BytesIO(pdf)).metadata.title == f"{area} i {name} 2022"


# --- published charts: title margin, the group chart's values and legend -----------------

QUARTILE_LEGEND = ["▲ Bäst 25 %", "■ Mellan 50 %", "▼ Sämst 25 %", "○ Saknas"]


def test_the_title_keeps_a_margin_from_the_top_and_left_edges(group_chart):
    title = export.publication_figure(group_chart).layout.title
    assert title.xref == "container" and title.xanchor == "left" and title.yanchor == "top"
    assert title.x * export.WIDTH >= 24  # px from the left edge (was 12)
    assert (1 - title.y) * export.HEIGHT >= 24  # px from the top edge (was 20)


@pytest.mark.parametrize("municipality", [VASTERVIK, STOCKHOLM, GOTEBORG, BJURHOLM])
def test_group_values_stand_clear_of_the_mean_line(service, municipality):
    chart = charts.group(service, "U21468", area="hemtjanst", municipality=municipality, year=2022)
    found = service.comparison("U21468", municipality, 2022, "liknande", area="hemtjanst")
    fig = export.publication_figure(chart)
    bars = fig.data[0]
    assert not bars.text or bars.textposition == "none"  # no label at the bar's end
    # every member's value, written by hand ("93 %" for 93.0), in a column right of the plot
    values = found.members["value"]
    by_hand = {f"{v:.0f}\u00a0%" for v in values.dropna()} | (
        {"–"} if values.isna().any() else set()
    )
    labels = [a for a in fig.layout.annotations if a.yref == "y"]
    assert {a.text.split(" ", 1)[1] for a in labels} == by_hand
    assert all(a.xref == "paper" and a.x >= 1 and a.xanchor == "left" for a in labels)
    # ... while the mean line lies inside the plot: at most the largest value
    (line,) = [s for s in fig.layout.shapes if s.type == "line"]
    assert line.x0 == pytest.approx(found.mean) and line.x0 <= found.members["value"].max()
    # the right margin holds the column
    assert fig.layout.margin.r >= 80


def test_group_chart_has_a_colour_legend(group_chart):
    fig = export.publication_figure(group_chart)
    shown = [t for t in fig.data if t.showlegend]
    assert [t.name for t in shown] == QUARTILE_LEGEND
    fills = [t.marker.color for t in shown]
    assert len(set(fills)) == 4  # four colours, and four patterns after them
    assert fig.layout.showlegend is True


# --- the trend chart: what the markers mean, where a year is missing ---------------------


def raw_years(store, kpi: str, municipality: str) -> set[int]:
    v = store.values
    hit = v[(v["kpi"] == kpi) & (v["municipality_id"] == municipality) & (v["gender"] == "T")]
    return {int(y) for y in hit.loc[hit["value"].notna(), "year"]}


@pytest.mark.parametrize("municipality", [VASTERVIK, STOCKHOLM, GOTEBORG, BJURHOLM])
def test_trend_explains_its_markers_and_its_gaps(service, municipality):
    chart = charts.trend(service, "U21468", area="hemtjanst", municipality=municipality, year=2022)
    fig = export.publication_figure(chart)
    rows = service.trend("U21468", municipality, 2022, area="hemtjanst").dropna(subset=["value"])
    legend = [t.name for t in fig.data if t.showlegend is not False]
    words = {"green": "▲ Bäst 25 %", "yellow": "■ Mellan 50 %", "red": "▼ Sämst 25 %"}
    for colour, word in words.items():
        assert (word in legend) == (colour in set(rows["colour"])), word
        years = rows.loc[rows["colour"] == colour, "year"]
        if len(years):  # the alt text names the colour and (at least) its first year
            assert f"{word} {int(years.min())}" in chart.alt_text
    # the chart's years (the service's rows) without a value in the raw snapshot
    shown = {int(y) for y in service.trend("U21468", municipality, 2022, area="hemtjanst")["year"]}
    years = raw_years(service.store, "U21468", municipality)
    gaps = shown - years if years & shown else set()
    notes = {int(a.x) for a in fig.layout.annotations if a.xref == "x"}
    assert notes == gaps
    for gap in gaps:
        note = next(a for a in fig.layout.annotations if a.xref == "x" and int(a.x) == gap)
        assert str(gap) in note.text.replace("<br>", " ")
        assert str(gap) in chart.alt_text


def test_bjurholms_trend_says_why_2021_and_2022_are_empty(service):
    # Bjurholm's raw values of U21468 end in 2020; the chart runs to 2022
    assert max(raw_years(service.store, "U21468", BJURHOLM)) == 2020
    chart = charts.trend(service, "U21468", area="hemtjanst", municipality=BJURHOLM, year=2022)
    notes = [a for a in go.Figure(chart.figure).layout.annotations if a.xref == "x"]
    assert sorted(int(a.x) for a in notes) == [2021, 2022]
    for year in (2021, 2022):
        assert service.missing_reason("U21468", BJURHOLM, year) in chart.alt_text


def test_vasterviks_trend_says_2021_has_no_survey_results(service):
    chart = charts.trend(service, "U21468", area="hemtjanst", municipality=VASTERVIK, year=2022)
    assert "Ingen kommun har värde för 2021." in chart.alt_text
    assert "▲ Bäst 25 % 2017" in chart.alt_text  # the green marker


# --- the one-pager --------------------------------------------------------------------------

AREAS = ["hemtjanst", "sarskilt-boende", "forskola", "grundskola", "gymnasieskola"]
TREND_WORDS = {"better": "bättre", "worse": "sämre", "same": "oförändrat"}


def onepager_figure(monkeypatch, svc, area: str, municipality: str):
    """The one-pager's figure as export.onepager builds it (the renderer is not called)."""
    seen = []
    monkeypatch.setattr(export, "_to_image", lambda fig, *a: seen.append(fig) or b"%fake")
    export.onepager(svc, area, municipality, 2022)
    return seen[0]


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text).replace("  ", " ")


@pytest.mark.parametrize("municipality", [VASTERVIK, STOCKHOLM, GOTEBORG, BJURHOLM])
def test_onepager_has_legend_trends_and_print_date(monkeypatch, dated_service, municipality):
    fig = onepager_figure(monkeypatch, dated_service, "hemtjanst", municipality)
    texts = [a.text for a in fig.layout.annotations]
    assert set(QUARTILE_LEGEND) <= set(texts)  # the legend: each colour's icon and word ...
    swatches = {s.fillcolor for s in fig.layout.shapes if s.x1 - s.x0 < 0.05}
    assert len(swatches) >= 4  # ... beside a swatch of its colour
    assert any("Utskriven 2026-11-23" in t for t in texts)  # the service's today
    measures = dated_service.area_summary("hemtjanst", municipality, 2022).measures
    quality = measures[measures["kind"] == "quality"]
    tiles = [plain(t) for t in texts if t.startswith("<b>")]
    for label, trend in zip(quality["label"], quality["trend"], strict=True):
        tile = next(t for t in tiles if t.startswith(f" {label} "))
        if trend:
            assert TREND_WORDS[trend] in tile, (label, tile)


@pytest.mark.parametrize(
    ("area", "municipality"), [("hemtjanst", VASTERVIK), ("gymnasieskola", GOTEBORG)]
)
def test_changes_carry_their_sign(service, area, municipality):
    kpis = service.area_kpis(area, municipality, 2022)
    table = kpi_table.printed_table(service, area, municipality, 2022)
    for value, before, cell in zip(
        kpis["value"], kpis["previous_value"], table["Förändring"], strict=False
    ):
        if pd.isna(value) or pd.isna(before):
            continue
        change = value - before  # by hand, from the service's rows
        if round(change, 1) > 0:  # Göteborg's Betygspoäng fell by 0.04: "0,0 poäng", no sign
            assert cell.startswith("+"), cell
        elif round(change, 1) < 0:
            assert cell.startswith("−"), cell
        else:
            assert cell[0].isdigit(), cell


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("municipality", [VASTERVIK, STOCKHOLM, GOTEBORG, BJURHOLM])
def test_onepager_table_is_whole_and_above_the_legend(monkeypatch, service, area, municipality):
    fig = onepager_figure(monkeypatch, service, area, municipality)
    table = kpi_table.printed_table(service, area, municipality, 2022)
    texts = [plain(a.text) for a in fig.layout.annotations]
    for name in table["Nyckeltal"]:  # every KPI's row is drawn, none cut off
        assert any(" ".join(name.split()) == " ".join(t.split()) for t in texts), name
    rows = [s for s in fig.layout.shapes if s.x0 == 0 and s.x1 == 1]
    assert len(rows) == len(table) + 1  # the header and a row per KPI
    legend = next(a for a in fig.layout.annotations if "Färger:" in a.text)
    assert min(s.y0 for s in rows) > legend.y  # the table ends above the legend
    assert min(s.y0 for s in rows) >= 0


def ink_rows(png: bytes) -> list[bool]:
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    return [any(pixels[x, y] < 200 for x in range(0, width, 2)) for y in range(height)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("area", "municipality"),
    [("forskola", VASTERVIK), ("sarskilt-boende", STOCKHOLM), ("hemtjanst", BJURHOLM)],
)
def test_onepager_leaves_no_empty_band(chromium, monkeypatch, service, area, municipality):
    fig = onepager_figure(monkeypatch, service, area, municipality)
    monkeypatch.undo()
    png = export._to_image(fig, "png", *one_page.A4, 1)
    ink = ink_rows(png)
    first, last = ink.index(True), len(ink) - 1 - ink[::-1].index(True)
    band, longest = 0, 0
    for has_ink in ink[first:last]:
        band = 0 if has_ink else band + 1
        longest = max(longest, band)
    assert longest < 0.12 * one_page.A4[1], longest  # no empty band of an eighth of the page
    assert last > one_page.A4[1] * 0.9  # the footer at the bottom


@pytest.mark.slow
def test_rendered_group_chart_has_title_margin_legend_and_values(chromium, service, group_chart):
    svg = export.image(group_chart, "svg").decode("utf-8")
    # the title's top (it hangs from y: dy 0.7em) 32 px from the top and left edges (was 12, 20)
    title = re.search(r'<text class="gtitle" x="([\d.]+)" y="([\d.]+)"[^>]*dy="0.7em"', svg)
    assert title and float(title.group(1)) >= 24 and float(title.group(2)) >= 24
    for word in QUARTILE_LEGEND:
        assert word in svg, word
    found = service.comparison("U21468", VASTERVIK, 2022, "liknande", area="hemtjanst")
    for value in found.members["value"].dropna():
        assert f"{value:.0f}\u00a0%" in svg or f"{value:.0f}&nbsp;%" in svg
