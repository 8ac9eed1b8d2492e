"""A PowerPoint presentation of one area, or of every area, for a municipality and year
(python-pptx): a title slide, the level-1 tiles as an image, the KPI table as an editable
table (the one-pager's table: Swedish headings, values as the page formats them), the
strongest and weakest results as the verdict names them with their charts at print
resolution, the municipality's own analyses and targets when the local layer has them, and
the source line on every slide. Images come from the export (kaleido), stamped as published.
"""

from __future__ import annotations

import io
import math

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.slide import Slide
from pptx.table import _Cell
from pptx.util import Emu, Inches, Pt

from ..labels import number, source_text
from ..present import charts
from ..rows import records
from ..service import kpi_table
from ..service.facade import IndicatorService
from ..service.records import rank_text
from ..service.tables import strongest_and_weakest
from . import render as export

MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.45)
ROWS_PER_SLIDE = 12  # table rows under the heading row: readable at 11 pt
PRINT = "png-tryck"  # images at print resolution (2400×1350)
GREY = RGBColor(0x4D, 0x4D, 0x4D)
DARK = RGBColor(0x1F, 0x1F, 0x1F)
HEADING_FILL = RGBColor(0xF0, 0xF0, 0xF0)
TARGET_WORDS = {"met": "uppnått", "not_met": "inte uppnått"}
_TITLE_ONLY, _TITLE = 5, 0  # layouts of python-pptx's default template
# the one-pager's column widths: the KPI name widest; with a target column, one more
_COLUMNS_6 = (3.2, 1.2, 1.6, 1.6, 1.1, 1.5)
_COLUMNS_7 = (3.6, 1.0, 1.4, 1.5, 0.9, 1.1, 0.9)


def presentation(
    svc: IndicatorService, municipality: str, year: int, area: str | None = None
) -> tuple[str, bytes]:
    """The file name and the .pptx of `area`, or of every area (area None)."""
    name = svc.check_municipality(municipality)
    area_ids = [area] if area else [a.id for a in svc.config.areas]
    for a in area_ids:
        svc.area(a)
    source = source_text(year, svc.store.vintage("values"))
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    if area is None:
        summaries = [svc.area_summary(a, municipality, year) for a in area_ids]
        _title_slide(
            deck,
            f"Kvalitet i {name} {year}",
            "Alla områden jämförda med landets kommuner. Kvalitetsvisaren.",
            source,
        )
        overview = _content_slide(deck, f"Översikt: {name} {year}", source)
        _bullets(overview, [f"{s.label}: {s.verdict}" for s in summaries], top=Inches(1.3))
    for a in area_ids:
        _area_slides(deck, svc, a, municipality, year, source)
    buffer = io.BytesIO()
    deck.save(buffer)
    which = area or "alla-omraden"
    return f"{charts.slugify(name)}_{year}_{which}_presentation.pptx", buffer.getvalue()


def _area_slides(
    deck: Presentation, svc: IndicatorService, area: str, municipality: str, year: int, source: str
) -> None:
    name = svc.check_municipality(municipality)
    summary = svc.area_summary(area, municipality, year)
    where = {"municipality": municipality, "year": year}
    _title_slide(deck, f"{summary.label} i {name} {year}", summary.verdict, source)
    tiles = charts.tiles(svc, area, **where)
    _picture_slide(deck, f"{summary.label}: måtten jämförda med landet", tiles, source)
    table = kpi_table.printed_table(svc, area, municipality, year)
    pages = max(math.ceil(len(table) / ROWS_PER_SLIDE), 1)
    for page in range(pages):
        title = f"{summary.label}: nyckeltalen" + (f" ({page + 1} av {pages})" if pages > 1 else "")
        slide = _content_slide(deck, title, source)
        part = table.iloc[page * ROWS_PER_SLIDE : (page + 1) * ROWS_PER_SLIDE]
        _table(slide, part)
    for heading, measure in _extremes(summary.measures):
        chart = charts.measure(svc, area, measure, **where)
        _picture_slide(deck, heading, chart, source)
    lines = _targets(svc, area, municipality, year) + export.analyses(svc, area, municipality, year)
    if lines:
        slide = _content_slide(deck, f"{summary.label}: våra mål och vår analys", source)
        _bullets(slide, lines, top=Inches(1.3))


def _extremes(measures: pd.DataFrame) -> list[tuple[str, str]]:
    """(slide title, measure id) of the strongest and weakest as the verdict words them:
    "Starkast: Kontakt, plats 59 av 286", "Svagast: …", or the only ranked one."""
    found = strongest_and_weakest(measures)
    if found is None:
        return []
    by_id = {r.measure: r for r in records(measures)}

    def place(measure: str) -> str:
        r = by_id[measure]
        return f"{r.label}, {rank_text(r.rank, r.n)}"

    best, worst = found
    if best == worst:
        return [(f"Enda rangordnade mått: {place(best)}", best)]
    return [(f"Starkast: {place(best)}", best), (f"Svagast: {place(worst)}", worst)]


def _targets(svc: IndicatorService, area: str, municipality: str, year: int) -> list[str]:
    """The municipality's targets for the year (the local layer), each with the value and
    whether it is met: "Bemötande: Bra bemötande: mål 80 %, värde 99 % (uppnått)"."""
    kpis = svc.area_kpis(area, municipality, year)
    own = svc.own_measures(area, municipality, year)
    rows = [
        (f"{r.measure_label}: {r.label}", r.target, r.value, r.unit, r.target_status)
        for r in records(kpis)
        if pd.notna(r.target)
    ] + [
        (f"Lokal uppgift: {r.label}", r.target, r.value, r.unit, r.target_status)
        for r in records(own)
        if pd.notna(r.target)
    ]
    lines = []
    for label, target, value, unit, status in rows:
        judged = TARGET_WORDS.get(status, "bedöms inte")
        lines.append(f"{label}: mål {number(target, unit)}, värde {number(value, unit)} ({judged})")
    return lines


# --- slides ---------------------------------------------------------------------------------


def _title_slide(deck: Presentation, title: str, subtitle: str, source: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE])
    heading, sub = slide.placeholders[0], slide.placeholders[1]
    heading.left, heading.top = MARGIN, Inches(1.8)
    heading.width, heading.height = WIDTH - 2 * MARGIN, Inches(1.5)
    heading.text = title
    sub.left, sub.top = MARGIN, Inches(3.5)
    sub.width, sub.height = WIDTH - 2 * MARGIN, Inches(2.2)
    sub.text = subtitle
    for paragraph in sub.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(20)
    _source(slide, source)
    return slide


def _content_slide(deck: Presentation, title: str, source: str) -> Slide:
    """A slide with its title in the title placeholder (screen readers and the outline
    view read it) and the source line at the bottom."""
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    heading = slide.shapes.title
    heading.left, heading.top = MARGIN, Inches(0.25)
    heading.width, heading.height = WIDTH - 2 * MARGIN, Inches(0.85)
    heading.text = title
    paragraph = heading.text_frame.paragraphs[0]
    paragraph.alignment = 1  # left
    paragraph.runs[0].font.size = Pt(28)
    _source(slide, source)
    return slide


def _source(slide: Slide, source: str) -> None:
    box = slide.shapes.add_textbox(MARGIN, HEIGHT - Inches(0.5), WIDTH - 2 * MARGIN, Inches(0.35))
    box.name = "Källa"
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = source
    run = frame.paragraphs[0].runs[0]
    run.font.size, run.font.color.rgb = Pt(11), GREY


def _picture_slide(deck: Presentation, title: str, chart: charts.Chart, source: str) -> None:
    """The chart as published (its own title, legend and source line in the image), as large
    as fits under the slide title; its alt text as the picture's description."""
    slide = _content_slide(deck, title, source)
    top, bottom = Inches(1.15), HEIGHT - Inches(0.6)
    height = bottom - top
    width = Emu(int(height * export.WIDTH / export.HEIGHT))
    picture = slide.shapes.add_picture(
        io.BytesIO(export.image(chart, PRINT)), (WIDTH - width) // 2, top, width, height
    )
    picture.name = chart.title
    picture._element.nvPicPr.cNvPr.set("descr", chart.alt_text)


def _table(slide: Slide, table: pd.DataFrame) -> None:
    """An editable PowerPoint table: the heading row, then one row per KPI."""
    rows, columns = len(table) + 1, len(table.columns)
    weights = _COLUMNS_6 if columns == 6 else _COLUMNS_7 if columns == 7 else (1,) * columns
    width = WIDTH - 2 * MARGIN
    shape = slide.shapes.add_table(rows, columns, MARGIN, Inches(1.2), width, Inches(0.4) * rows)
    shape.name = "Nyckeltal"
    grid = shape.table
    for i, weight in enumerate(weights):
        grid.columns[i].width = Emu(int(width * weight / sum(weights)))
    for c, heading in enumerate(table.columns):
        _cell(grid.cell(0, c), heading, bold=True, fill=HEADING_FILL)
    for r, values in enumerate(table.itertuples(index=False), start=1):
        for c, value in enumerate(values):
            _cell(grid.cell(r, c), "" if pd.isna(value) else str(value))


def _cell(cell: _Cell, text: str, *, bold: bool = False, fill: RGBColor | None = None) -> None:
    cell.text = text
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    if fill is not None:
        cell.fill.solid()
        cell.fill.fore_color.rgb = fill
    else:
        cell.fill.background()
    for paragraph in cell.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(11), bold, DARK


def _bullets(slide: Slide, lines: list[str], *, top: Emu) -> None:
    box = slide.shapes.add_textbox(MARGIN, top, WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.7))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = f"• {line}"
        paragraph.space_after = Pt(8)
        for run in paragraph.runs:
            run.font.size = Pt(18)
