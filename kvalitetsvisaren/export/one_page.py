"""The one-pager for the council: one A4 page of an area, laid out in pixels as plotly data
(title, verdict, tiles, the KPI table, a colour legend, notes and the source line); render.py
turns it into a PDF. Export only: the browser never draws it."""

from __future__ import annotations

import textwrap
from itertools import pairwise

import pandas as pd

from ..labels import LOCAL as LOCAL_WORD
from ..labels import QUARTILES, esc, quartile_label
from ..present import figures
from ..rows import records

A4 = (794, 1123)  # px at 96 dpi
_PAGE_MARGIN = 40
_PAPER = (A4[0] - 2 * _PAGE_MARGIN, A4[1] - 2 * _PAGE_MARGIN)  # the page inside its margins
_CHAR = 0.53  # an average character's width in Arial, in font sizes
_COLUMNS = (3.0, 1.1, 2.0, 1.6, 1.0, 1.2)
READING_GUIDE = (
    "Så läser du sidan: färgen jämför kommunens värde med landets kommuners samma år. "
    "▲ Bäst 25 %: bland den fjärdedel som har bäst värde. ■ Mellan 50 %: den mittersta "
    "hälften. ▼ Sämst 25 %: bland den fjärdedel som har sämst värde. ○ Saknas: inget värde. "
    "◇ Sammanhang: nyckeltal som beskriver förutsättningar och inte rangordnas. Placering: "
    "plats 1 är bäst. (osäker): felmarginalen räcker till en annan färg. Förändring: mot "
    "föregående mätning, p.e. = procentenheter."
)
_COLUMNS_WITH_TARGET = (3.0, 1.0, 1.9, 1.5, 0.9, 1.1, 1.0)


def onepager_figure(
    title: str,
    verdict: str,
    tiles: pd.DataFrame,
    table: pd.DataFrame,
    source: str,
    notes: list[str] = (),
    printed: str = "",
) -> figures.Figure:
    """One A4 page for the council, laid out top down in pixels: the title and verdict; the
    area's level-1 tiles (colour, icon, word, place and, with a `trend_text` column, the
    measure's trend); its KPI table, its rows as tall as the page allows (down to the bottom
    block, so no third of the page is left empty); at the bottom a colour legend (colour,
    icon and word), the `notes` (analyses, footnotes) and the source line with the `printed`
    date. tiles: label, colour, rank_text (trend_text); table: Swedish columns."""
    height = _PAPER[1]
    fig: figures.Figure = {"data": [], "layout": {}}
    y = 0.0  # px from the top of the paper area

    verdict_lines = [esc(line) for line in textwrap.wrap(verdict, 105)]
    title_text = f"<b style='font-size:22px'>{esc(title)}</b><br>" + "<br>".join(verdict_lines)
    _page_text(fig, 1, "top", title_text, {"size": 13})
    y += 30 + 17 * len(verdict_lines) + 18

    per_row, gap, wrap = 4, 8, 27
    tile_lines = max((_tile_lines(t, wrap) for t in records(tiles)), default=3)
    tile_height = 14 + 16 * tile_lines
    figures.add_tiles(
        fig,
        tiles,
        per_row=per_row,
        top=1 - y / height,
        height=tile_height / height,
        gap=gap / height,
        wrap=wrap,
    )
    y += -(-len(tiles) // per_row) * (tile_height + gap) + 12

    legend = _onepager_legend(table)
    lines = _wrapped(notes, width=125, most=12)
    bottom = 22 + 13 * len(lines) + (8 if lines else 0) + 30  # legend, notes, source
    weights = _COLUMNS if len(table.columns) == 6 else _COLUMNS_WITH_TARGET
    room = height - y - bottom - 10
    used = _draw_table(fig, table, weights, y, room)
    if room - used > 110:  # a short table: under it, how to read the page
        guide = _wrapped([READING_GUIDE], width=125)
        _page_text(fig, 1 - (y + used + 14) / height, "top", "<br>".join(guide), {"size": 10})

    _legend_row(fig, legend, (bottom - 4) / height)
    if lines:
        _page_text(fig, (bottom - 26) / height, "top", "<br>".join(lines), {"size": 10})
    footer = esc(source) + (f"<br>Utskriven {esc(printed)}" if printed else "")
    _page_text(fig, 0.0, "bottom", footer, {"size": 10, "color": "#4d4d4d"})
    fig["layout"] |= {
        "width": A4[0],
        "height": A4[1],
        "margin": dict.fromkeys("lrtb", _PAGE_MARGIN),
        "font": figures.FONT,
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "showlegend": False,
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
    }
    return fig


def _tile_lines(tile: object, wrap: int) -> int:
    """How many lines a tile's text takes: name, icon and word, place, trend."""
    texts = [tile.label, tile.rank_text, getattr(tile, "trend_text", "") or ""]
    return 1 + sum(len(textwrap.wrap(t, wrap)) for t in texts if t)


def _draw_table(
    fig: figures.Figure,
    table: pd.DataFrame,
    weights: tuple[float, ...],
    top: float,
    room: float,
) -> float:
    """The table drawn as text and boxes from `top` (px under the paper's top), at most
    `room` px tall: every row and its height are known here, so nothing is cut off (plotly's
    own table cuts rows that do not fit, and its wrapped rows are taller than it reckons).
    The largest type at which the table fits; rows up to 30 px taller to fill the room.
    Returns the height used."""
    width, height = _PAPER
    edges = [0.0]
    for w in weights:
        edges.append(edges[-1] + w / sum(weights) * width)
    for font in (12, 11, 10, 9, 8, 7):
        line, pad = 1.3 * font, 5
        per_line = [max(int((b - a - 8) / (font * 0.52)), 4) for a, b in pairwise(edges)]
        rows = [
            [_broken(v, n) for v, n in zip(row, per_line, strict=True)]
            for row in [list(table.columns), *table.itertuples(index=False)]
        ]
        tall = [max(c.count("<br>") + 1 for c in row) * line + 2 * pad for row in rows]
        if sum(tall) <= room:
            break
    extra = min(max((room - sum(tall)) / len(rows), 0), 30)
    y, shapes, notes = top, [], []
    for i, (row, row_height) in enumerate(zip(rows, tall, strict=True)):
        row_height += extra
        fill = "#f0f0f0" if i == 0 else ("#ffffff" if i % 2 else "#f3f6f9")
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": 1 - (y + row_height) / height,
                "y1": 1 - y / height,
                "fillcolor": fill,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes += [
            {
                "x": (left + 4) / width,
                "y": 1 - (y + pad + extra / 2) / height,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "align": "left",
                "text": f"<b>{text}</b>" if i == 0 else text,
                "font": {"size": font},
            }
            for text, left in zip(row, edges, strict=False)
        ]
        y += row_height
    # at once: adding a hundred annotations one by one validates them all each time
    fig["layout"].setdefault("shapes", []).extend(shapes)
    fig["layout"].setdefault("annotations", []).extend(notes)
    return y - top


def _broken(text: object, width: int) -> str:
    """Escaped text with a line break where it would pass `width` characters."""
    return "<br>".join(esc(part) for part in textwrap.wrap(str(text), width)) or esc(text)


def _onepager_legend(table: pd.DataFrame) -> list[tuple[str, str]]:
    """The one-pager's colour legend: (fill, "icon word") for every quartile colour, plus the
    context and local ones when the table has them."""
    colours = ["green", "yellow", "red", "grey"]
    compared = " ".join(table.get("Jämfört med landet", pd.Series(dtype=str)).astype(str))
    if QUARTILES["neutral"][1] in compared:
        colours.append("neutral")
    entries = [(figures.TILE_FILL[c], quartile_label(c)) for c in colours]
    if LOCAL_WORD[0] in " ".join(table.iloc[:, 0].astype(str)):
        entries.append(("#ffffff", " ".join(LOCAL_WORD)))
    return entries


def _legend_row(fig: figures.Figure, entries: list[tuple[str, str]], top: float) -> None:
    """The colour legend as one row of swatches, each followed by its icon and word."""
    width, height = _PAPER
    _page_text(fig, top, "top", "<b>Färger:</b>", {"size": 10})
    x = 50.0
    for fill, text in entries:
        figures.draw(
            fig,
            type="rect",
            xref="paper",
            yref="paper",
            x0=x / width,
            x1=(x + 12) / width,
            y0=top - 13 / height,
            y1=top - 1 / height,
            fillcolor=fill,
            line={"width": 1, "color": "#777777"},
        )
        figures.annotate(
            fig,
            x=(x + 16) / width,
            y=top,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            text=esc(text),
            font={"size": 10},
        )
        x += 22 + len(text) * 10 * _CHAR + 14


def _page_text(fig: figures.Figure, y: float, anchor: str, text: str, font: dict) -> None:
    """Left-aligned text across the page at height `y` (0 bottom, 1 top)."""
    figures.annotate(
        fig,
        x=0,
        y=y,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor=anchor,
        showarrow=False,
        align="left",
        text=text,
        font=font,
    )


def _wrapped(notes: list[str], width: int = 120, most: int = 10) -> list[str]:
    """Escaped lines of at most `width` characters, at most `most` of them (plotly does not
    wrap annotations)."""
    lines = [esc(line) for note in notes for line in textwrap.wrap(note, width)]
    return lines if len(lines) <= most else [*lines[: most - 1], "…"]
