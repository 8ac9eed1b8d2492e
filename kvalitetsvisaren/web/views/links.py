"""Links every level shows: the one-pager, the area's and the overview's downloads."""

from __future__ import annotations

from dash import html

from ...config.models import Area
from ..download import export_url
from ..urls import Params


def onepager_link(area: Area, p: Params) -> html.A:
    params = {"area": area.id, "kommun": p.municipality, "ar": str(p.year)}
    return html.A(
        f"Ladda ner {area.label.lower()} på en sida (PDF för nämnden)",
        href=export_url("en-sida", params, "pdf"),
        download="",
        className="onepager-link",
    )


def area_downloads(area: Area, p: Params, *, tiles: bool = True) -> html.P:
    """Under the one-pager's link: the area's tiles as images (level 1 only, where the tiles
    are) and its presentation."""
    params = {"area": area.id, "kommun": p.municipality, "ar": str(p.year)}
    name = area.label.lower()
    images = [
        html.A(
            f"Ladda ner rutorna för {name} ({text})",
            href=export_url("rutor", params, fmt),
            download="",
            className="tiles-link",
        )
        for fmt, text in (("png", "PNG"), ("png-tryck", "PNG för tryck"), ("svg", "SVG"))
    ]
    deck = html.A(
        f"Ladda ner presentation om {name} (PowerPoint)",
        href=export_url("presentation", params, "pptx"),
        download="",
        className="deck-link",
    )
    links = [*(images if tiles else []), deck]
    spaced = [part for link in links for part in (" · ", link)][1:]
    return html.P(spaced, className="area-downloads")


def overview_deck_link(p: Params) -> html.A:
    params = {"kommun": p.municipality, "ar": str(p.year)}
    return html.A(
        "Ladda ner presentation med alla områden (PowerPoint)",
        href=export_url("presentation-alla", params, "pptx"),
        download="",
        className="deck-link",
    )
