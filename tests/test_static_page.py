"""Issue 17: `export --format html`, the overview as one self-contained page. Expected colours
and places come from the ranking module on the raw snapshot, verdicts from the service's
rows, names and the data vintage from the store; contrast is computed from the stylesheet
inlined in the page itself (WCAG relative luminance, as tests/test_style.py)."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from test_style import contrast

from kvalitetsvisaren.analysis.ranking import measure_quartiles, quartiles_with_scores
from kvalitetsvisaren.export.static_page import overview_html
from kvalitetsvisaren.labels import QUARTILES

MUNICIPALITIES = ["0180", "1480", "2403", "0883"]
YEAR = 2022


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return " ".join(
            " ".join((c if isinstance(c, str) else c.text()).split()) for c in self.children
        ).strip()

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for c in self.children:
            if isinstance(c, Node):
                if (tag is None or c.tag == tag) and all(
                    c.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()
                ):
                    found.append(c)
                found += c.all(tag, **attrs)
        return found

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class Tree(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "link", "input", "hr"})

    def __init__(self, text: str) -> None:
        super().__init__()
        self.root = self.at = Node("#document", {}, None)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.at)
        self.at.children.append(node)
        if tag not in self.VOID:
            self.at = node

    def handle_endtag(self, tag):
        node = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"</{tag}> closes nothing"
        self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)


@pytest.fixture(scope="module")
def expected(dated_service):
    """(area/measure) -> (colour, rank, n) for every place and year, from the raw values."""
    svc = dated_service
    store, config = svc.store, svc.config
    scores = quartiles_with_scores(store.values, store.municipalities, svc.directions)
    measures = {
        f"{a.id}/{m.id}": m.kpis for a in config.areas for m in a.measures if m.kind == "quality"
    }
    frame = measure_quartiles(scores, measures, svc.directions)
    return frame[frame["year"] == YEAR].assign(
        municipality_id=lambda f: f["municipality_id"].astype(str)
    )


@pytest.fixture(scope="module")
def pages(dated_service):
    made = datetime(2026, 11, 23, tzinfo=UTC)
    return {c: overview_html(dated_service, c, YEAR, made=made) for c in MUNICIPALITIES}


def name_of(svc, code: str) -> str:
    m = svc.store.municipalities
    return str(m.loc[m["id"].astype(str) == code, "title"].iloc[0])


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_the_page_shows_every_tile_with_colour_icon_word_and_place(
    pages, expected, dated_service, code
):
    svc = dated_service
    doc = Tree(pages[code]).root
    assert doc.all("html")[0].attrs.get("lang") == "sv"
    assert doc.all("h1")[0].text() == f"Kvalitet i {name_of(svc, code)} {YEAR}"
    mine = expected[expected["municipality_id"] == code].set_index("measure")
    for area in svc.config.areas:
        section = doc.all("section", data_area=area.id)
        assert len(section) == 1, area.id
        tiles = [t for t in section[0].all("div") if "tile" in t.classes()]
        assert [t.attrs["data-measure"] for t in tiles] == [m.id for m in area.measures]
        for measure, tile in zip(area.measures, tiles, strict=True):
            badge = next(s for s in tile.all("span") if "badge" in s.classes())
            if measure.kind == "context":
                assert tile.attrs["data-quartile"] == "neutral"
                assert badge.text() == " ".join(QUARTILES["neutral"])
                continue
            key = f"{area.id}/{measure.id}"
            colour = str(mine.at[key, "colour"]) if key in mine.index else "grey"
            assert tile.attrs["data-quartile"] == colour, key
            assert badge.attrs["data-quartile"] == colour and f"badge-{colour}" in badge.classes()
            icon, word = QUARTILES[colour]
            assert badge.text() == f"{icon} {word}"  # colour never alone
            place = tile.all("p", **{"class": "tile-rank"})[0].text()
            if colour != "grey":
                rank, n = int(mine.at[key, "rank"]), int(mine.at[key, "n"])
                assert place == f"plats {rank} av {n}", key


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_the_page_has_the_verdicts_the_source_and_the_data_vintage(pages, dated_service, code):
    svc = dated_service
    doc = Tree(pages[code]).root
    verdicts = [p.text() for p in doc.all("p", **{"class": "verdict"})]
    assert verdicts == [" ".join(s.verdict.split()) for s in svc.overview(code, YEAR)]
    source = doc.all("p", **{"class": "source-line"})[0].text()
    assert "Kolada" in source and str(YEAR) in source
    assert svc.store.vintage("values")[:10] in source


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_the_table_says_what_the_tiles_say(pages, code):
    doc = Tree(pages[code]).root
    tiles = [t for t in doc.all("div") if "tile" in t.classes()]
    rows = doc.all("table")[0].all("tbody")[0].all("tr")
    # one row per tile, in the same order, with the same colour
    assert [(r.attrs["data-measure"], r.attrs["data-quartile"]) for r in rows] == [
        (t.attrs["data-measure"], t.attrs["data-quartile"]) for t in tiles
    ]
    for row in rows:
        icon, word = QUARTILES[row.attrs["data-quartile"]]
        assert f"{icon} {word}" in row.all("td")[1].text()
        assert row.all("th")[0].attrs["scope"] == "row"
    heads = [th.text() for th in doc.all("thead")[0].all("th")]
    assert heads[:3] == ["Område", "Mått", "Jämfört med landet"]
    assert doc.all("table")[0].all("caption")


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_the_page_is_self_contained(pages, code):
    text = pages[code]
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", text, re.I)
    assert not re.search(r"\b(src|href)\s*=", text, re.I)  # nothing to load, nowhere to go
    assert not re.search(r"https?://", text)
    assert text.count("<style>") == 1 and "--green:" in text  # the stylesheet inlined


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_headings_go_in_order(pages, code):
    doc = Tree(pages[code]).root
    levels = [int(n.tag[1]) for n in _walk(doc) if re.fullmatch(r"h[1-6]", n.tag)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))


def _walk(node: Node):
    for c in node.children:
        if isinstance(c, Node):
            yield c
            yield from _walk(c)


def _page_css(text: str) -> tuple[dict[str, str], str]:
    css = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css)), css


def _colour(value: str, variables: dict[str, str]) -> str:
    value = value.strip()
    if value.startswith("var(--"):
        value = variables[value[6:-1]]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


def _rule(css: str, selector: str, variables: dict[str, str]) -> dict[str, str]:
    body = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css).group(1)
    return {k.strip(): _colour(v, variables) for k, v in re.findall(r"([a-z-]+):\s*([^;]+);", body)}


@pytest.mark.parametrize("colour", list(QUARTILES))
def test_text_on_every_tile_colour_meets_wcag_aa(pages, colour):
    """The badge is the coloured part of a tile: its word on its colour at least 4.5:1, as
    the page's own (inlined) stylesheet sets them."""
    variables, css = _page_css(pages["0883"])
    style = _rule(css, f".badge-{colour}", variables)
    assert contrast(style["background"], style["color"]) >= 4.5, style


def test_the_rest_of_the_text_meets_wcag_aa(pages):
    variables, _ = _page_css(pages["0883"])
    tile, page = "#ffffff", _colour("var(--page)", variables)  # a tile is white, on the page
    for text in ("var(--ink)", "var(--muted)"):
        for background in (tile, page):
            assert contrast(_colour(text, variables), background) >= 4.5, (text, background)


@pytest.mark.slow
def test_export_format_html_writes_the_page_and_a_manifest(tmp_path):
    from kvalitetsvisaren.cli import main

    out = tmp_path / "ut"
    args = ["export", "--kommun", "0883", "--ar", str(YEAR), "--format", "html"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = [f for entry in manifest["diagram"] for f in entry["filer"].values()]
    assert files == [f"vastervik_{YEAR}_oversikt.html"]
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", *files])
    text = (out / files[0]).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and f"Kvalitet i Västervik {YEAR}" in text
