"""Publication-ready files: chart images that can be published as they are (title, subtitle,
legend and the source line are part of the image), the plotted data as CSV and Excel, the alt
text, an A4 one-pager per area, and a batch writing all of it with a manifest.

Images are rendered by kaleido in Debian's Chromium. One persistent kaleido server per process
is started on the first export (never at import, never before a gunicorn fork) and reused:
the first image costs about two seconds, each one after that a fraction of a second.
"""

from __future__ import annotations

import atexit
import csv
import io
import re
import threading
import warnings
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from ..labels import TRENDS, esc, is_missing, source_text
from ..present import charts, figures
from ..present.charts import Chart
from ..service import certainty_view
from ..service.facade import IndicatorService
from ..service.kpi_table import certainty_cell, printed_table
from ..service.records import rank_text
from . import one_page

WIDTH, HEIGHT = 1200, 675


BOTTOM = 135  # px under the plot: the axis title, the legend and the source line
INSET = 32  # px between the title and the image's top and left edges
TOP = 115  # px over the plot: the inset, the title and the subtitle
IMAGE_FORMATS = {  # name: (kaleido format, scale, file suffix, MIME type)
    "png": ("png", 1, ".png", "image/png"),
    "png-tryck": ("png", 2, "_tryck.png", "image/png"),
    "svg": ("svg", 1, ".svg", "image/svg+xml"),
    "pdf": ("pdf", 1, ".pdf", "application/pdf"),
}
DOCUMENT_FORMATS = ("pptx",)  # per area, not per chart: the presentation (deck.py)
DATA_FORMATS = {  # name: (file suffix, MIME type)
    "csv": (".csv", "text/csv; charset=utf-8"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "txt": ("_alt-text.txt", "text/plain; charset=utf-8"),
}
PAGE_FORMATS = ("html",)  # the overview as one self-contained page (static_page.py)
MANIFEST_MARK = "kvalitetsvisaren export"  # tells an earlier export of ours (check_output_folder)
_KOPTS = "The kopts argument is ignored if using a server"
_kaleido_lock = threading.Lock()
_kaleido_started = False


class ExportError(ValueError):
    """A request the export cannot serve (unknown format, nothing to draw); Swedish message."""


def publication_figure(chart: Chart) -> go.Figure:
    """The chart as it is published: title and subtitle on top, INSET px from the image's top
    and left edges; legend and source line at the bottom, placed relative to the whole image
    so they never meet the plot. A chart needing more room on the right (labels beside the
    plot) keeps it."""
    fig = figures.plotly_figure(chart.figure)
    title = (
        f"<b>{esc(chart.title)}</b><br><span style='font-size:15px'>{esc(chart.subtitle)}</span>"
    )
    right = max(40, fig.layout.margin.r or 0)
    fig.update_layout(
        title={
            "text": title,
            "xref": "container",
            "yref": "container",
            "x": INSET / WIDTH,
            "xanchor": "left",
            "y": 1 - INSET / HEIGHT,
            "yanchor": "top",
            "font": {"size": 20},
        },
        width=WIDTH,
        height=HEIGHT,
        margin={"l": 60, "r": right, "t": TOP, "b": BOTTOM},
        legend={
            "orientation": "h",
            "x": INSET / WIDTH,
            "xanchor": "left",
            "yref": "container",
            "y": 0.075,
            "yanchor": "bottom",
        },
    )
    fig.add_annotation(  # annotations have no container coordinates: shift in pixels
        text=esc(source_text(chart.year, chart.vintage, chart.universe)),
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        yshift=-(BOTTOM - 12),
        showarrow=False,
        font={"size": 12, "color": "#4d4d4d"},
    )
    return fig


def _to_image(fig: go.Figure, fmt: str, width: int, height: int, scale: int) -> bytes:
    global _kaleido_started
    import kaleido

    with _kaleido_lock, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_KOPTS)
        if not _kaleido_started:
            kaleido.start_sync_server(silence_warnings=True)
            atexit.register(kaleido.stop_sync_server, silence_warnings=True)
            _kaleido_started = True
        return fig.to_image(format=fmt, width=width, height=height, scale=scale)


def image(chart: Chart, fmt: str) -> bytes:
    if fmt not in IMAGE_FORMATS:
        raise ExportError(f"Bildformatet {fmt!r} finns inte; välj bland {list(IMAGE_FORMATS)}.")
    kind, scale, _, _ = IMAGE_FORMATS[fmt]
    content = _to_image(publication_figure(chart), kind, WIDTH, HEIGHT, scale)
    return titled_pdf(content, chart.title, chart.subtitle) if kind == "pdf" else content


def titled_pdf(pdf: bytes, title: str, subject: str = "") -> bytes:
    """The PDF with `title` (and `subject`) in its metadata: kaleido's Chromium names every
    PDF "Kaleido-fier", and a PDF reader shows that title in its window and tab. Bytes that
    are no PDF (a test's stand-in renderer) come back as they are."""
    if not pdf.startswith(b"%PDF-"):
        return pdf
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": title, "/Subject": subject, "/Creator": "Kvalitetsvisaren"})
    writer.root_object[NameObject("/Lang")] = TextStringObject("sv-SE")  # Chromium says en-US
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def data_file(chart: Chart, fmt: str) -> bytes:
    """CSV (Swedish Excel: semicolon, decimal comma, UTF-8 with BOM), Excel (the data and a
    sheet saying what it is), or the alt text. Every one carries the source line with the
    data's vintage (under the data) and places and counts as whole numbers ("4", not "4,0")."""
    lines = source_lines(chart)
    source = "\n".join(lines)
    data = _whole_places(chart.data)
    if fmt == "csv":
        text = _inert_text(data).to_csv(sep=";", decimal=",", index=False, lineterminator="\n")
        under = io.StringIO()
        csv.writer(under, delimiter=";", lineterminator="\n").writerows([[], *([x] for x in lines)])
        return (text + under.getvalue()).encode("utf-8-sig")
    if fmt == "xlsx":
        return _excel(chart, data, lines)
    if fmt == "txt":
        return f"{chart.alt_text}\n\n{source}\n".encode()
    raise ExportError(f"Dataformatet {fmt!r} finns inte; välj bland {list(DATA_FORMATS)}.")


def source_lines(chart: Chart) -> list[str]:
    """The source line (Kolada, the year, when the data was fetched, our colouring) and, for
    a chart with intervals, what the intervals are (issue 16)."""
    lines = [source_text(chart.year, chart.vintage, chart.universe)]
    if any(str(c).startswith(certainty_view.LOW) for c in chart.data.columns):
        lines.append(certainty_view.footnote())
    return lines


_WHOLE = ("Placering", "Plats", "Antal")  # places and counts: whole numbers, blank if none


def _whole_places(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric place and count columns as whole numbers (a missing place leaves the column
    float, which a CSV writes "4,0"); text columns ("plats 4 av 8") are left alone."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if str(column).startswith(_WHOLE) and pd.api.types.is_numeric_dtype(values):
            known = values.dropna()
            if (known == known.round()).all():
                out[column] = values.astype("Int64")
    return out


def _excel(chart: Chart, data: pd.DataFrame, lines: list[str]) -> bytes:
    about = pd.DataFrame(
        {
            "": ["Diagram", "Avser", "Beskrivning", "Källa och fotnot"],
            " ": [chart.title, chart.subtitle, chart.alt_text, "\n".join(lines)],
        }
    )
    buffer = io.BytesIO()
    # Text stays text: a name like "=HYPERLINK(...)" must not become a formula or link.
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        data.to_excel(writer, sheet_name="Data", index=False)
        sheet = writer.sheets["Data"]
        for i, column in enumerate(data.columns):
            sheet.set_column(i, i, _width([column, *data[column]]))
        for i, line in enumerate(lines):  # under the data, after an empty row
            sheet.write_string(len(data) + 2 + i, 0, line)
        about.to_excel(writer, sheet_name="Om diagrammet", index=False, header=False)
        wrap = writer.book.add_format({"text_wrap": True, "valign": "top"})
        writer.sheets["Om diagrammet"].set_column(0, 0, _width(about[""]))
        writer.sheets["Om diagrammet"].set_column(1, 1, 100, wrap)
    return buffer.getvalue()


def _width(cells: Iterable[object]) -> float:
    """A column width (in characters) that fits its longest cell, with a little air."""
    longest = max((len(_cell_text(c)) for c in cells), default=0)
    return min(longest, 80) + 2


def _cell_text(value: object) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe (the
    usual guard against CSV injection); numbers are untouched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def filename(chart: Chart | str, fmt: str) -> str:
    stem = chart if isinstance(chart, str) else chart.slug
    suffix = IMAGE_FORMATS[fmt][2] if fmt in IMAGE_FORMATS else DATA_FORMATS[fmt][0]
    return stem + suffix


def mime_type(fmt: str) -> str:
    return IMAGE_FORMATS[fmt][3] if fmt in IMAGE_FORMATS else DATA_FORMATS[fmt][1]


# --- the one-pager for the council ----------------------------------------------------


def onepager(svc: IndicatorService, area: str, municipality: str, year: int) -> tuple[str, bytes]:
    """An A4 PDF: the area's level-1 tiles, its KPI table and the source line."""
    name = svc.check_municipality(municipality)
    summary = svc.area_summary(area, municipality, year)
    quality = summary.measures[summary.measures["kind"] == "quality"].assign(
        rank_text=lambda m: [rank_text(r, n) for r, n in zip(m["rank"], m["n"], strict=True)]
    )
    kpis = svc.area_kpis(area, municipality, year)
    table = printed_table(svc, area, municipality, year)
    quality["rank_text"] = [  # the tiles say how sure their colour is (issue 16)
        t + certainty_cell(c, k)
        for t, c, k in zip(
            quality["rank_text"], quality["colour"], quality["certainty"], strict=True
        )
    ]
    quality["trend_text"] = [
        _trend_word(t, x) for t, x in zip(quality["trend"], quality["trend_text"], strict=True)
    ]
    notes = analyses(svc, area, municipality, year)
    if kpis["certainty"].isin(["sure", "unsure"]).any():
        notes.append(certainty_view.footnote())
    page_title = f"{summary.label} i {name} {year}"
    fig = one_page.onepager_figure(
        page_title,
        summary.verdict,
        quality,
        table,
        source_text(year, svc.store.vintage("values")),
        notes,
        printed=svc.today.isoformat(),
    )
    page = figures.plotly_figure(fig)
    pdf = titled_pdf(_to_image(page, "pdf", *one_page.A4, 1), page_title, "En sida för nämnden")
    return f"{charts.slugify(name)}_{year}_{area}_en-sida.pdf", pdf


def analyses(svc: IndicatorService, area: str, municipality: str, year: int) -> list[str]:
    """The municipality's own analyses of the area's KPIs and own measures (the local layer),
    as "Vår analys, <nyckeltal>: <text>"; none without a local layer."""
    kpis = svc.area_kpis(area, municipality, year)
    mine = svc.own_measures(area, municipality, year)
    return [
        f"Vår analys, {label}: {comment}"
        for label, comment in [
            *zip(kpis["label"], kpis["comment"], strict=True),
            *zip(mine["label"], mine["comment"], strict=True),
        ]
        if comment
    ]


def _trend_word(trend: str, text: str) -> str:
    """A tile's trend in short: the arrow and the word ("↓ sämre sedan 2020"); "" without one."""
    if not trend or not text:
        return ""
    since = re.search(r"(sedan|än) (\d{4})", text)
    return f"{text[0]} {TRENDS.get(trend, trend)}" + (f" sedan {since.group(2)}" if since else "")
