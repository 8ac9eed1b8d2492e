"""The level-1 tiles as a figure (and the drawing the one-pager shares)."""

from __future__ import annotations

import textwrap

import pandas as pd

from ...labels import QUARTILES, esc, quartile_label
from ...rows import records
from .base import (
    Figure,
    _figure,
    _trace,
    annotate,
    draw,
)


def add_tiles(
    fig: Figure,
    tiles: pd.DataFrame,
    *,
    per_row: int,
    top: float,
    height: float,
    gap: float,
    font_size: int = 12,
    inset: tuple[float, float] = (0.012, 0.008),
    wrap: int = 0,
) -> None:
    """The level-1 tiles as filled boxes in paper coordinates, `per_row` to a row from `top`
    down: each with the measure's name, its quartile's icon and word (colour is never the only
    cue) and its place. tiles: label, colour, rank_text. `wrap`: characters per line of the
    name and the place (plotly does not wrap; 0: no wrapping)."""

    def lines(text: str) -> str:
        return "<br>".join(esc(line) for line in textwrap.wrap(text, wrap)) if wrap else esc(text)

    step = 0.99 / per_row
    for i, tile in enumerate(records(tiles)):
        row, col = divmod(i, per_row)
        x0, y1 = 0.01 + col * step, top - row * (height + gap)
        dark = tile.colour in ("green", "red")
        draw(
            fig,
            type="rect",
            xref="paper",
            yref="paper",
            x0=x0,
            x1=x0 + step - 0.0125,
            y0=y1 - height,
            y1=y1,
            fillcolor=TILE_FILL.get(tile.colour, "#e4e4e4"),
            line={"width": 0},
        )
        icon, word = QUARTILES.get(tile.colour, QUARTILES["grey"])
        annotate(
            fig,
            x=x0 + inset[0],
            y=y1 - inset[1],
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            text=f"<b>{lines(tile.label)}</b><br>{icon} {word}<br>{lines(tile.rank_text)}"
            + (f"<br>{lines(trend)}" if (trend := getattr(tile, "trend_text", "")) else ""),
            font={"size": font_size, "color": "white" if dark else "#1f1f1f"},
        )


TILE_LEGEND = ("green", "yellow", "red", "grey")  # the colours a quality tile can have


def tiles_figure(tiles: pd.DataFrame, *, title: str) -> Figure:
    """An area's level-1 tiles as a chart of their own (export: publication_figure adds the
    subtitle and the source line). The legend gives each tile colour with its icon and word;
    it is drawn by empty traces, so it sits where every published chart has its legend."""
    n = len(tiles)
    per_row = 4 if n <= 12 else 5
    rows = max(-(-n // per_row), 1)
    gap = 0.04
    height = min((1 - gap * (rows - 1)) / rows, 0.36)
    fig = _figure(
        [
            _trace(
                "scatter",
                x=[None],
                y=[None],
                mode="markers",
                name=quartile_label(colour),
                marker={
                    "symbol": "square",
                    "size": 16,
                    "color": TILE_FILL[colour],
                    "line": {"width": 1, "color": "#777777"},
                },
                showlegend=True,
            )
            for colour in TILE_LEGEND
        ],
        title,
        675,
        xaxis={"visible": False, "range": [0, 1]},
        yaxis={"visible": False, "range": [0, 1]},
        showlegend=True,
    )
    add_tiles(
        fig,
        tiles,
        per_row=per_row,
        top=1,
        height=height,
        gap=gap,
        font_size=16,
        inset=(0.01, 0.03),
        wrap=30,
    )
    return fig


TILE_FILL = {
    "green": "#1b7a3e",
    "yellow": "#f6d35b",
    "red": "#b3261e",
    "grey": "#e4e4e4",
    "neutral": "#dbe7f3",
}
