"""A chart's "Visa som tabell" is one Markdown table (components.data_table): whatever text the
data holds (markup, pipes, backslashes, line breaks, non-ASCII; synthetic, generated), each row
reads back as exactly its own cells under GFM's rules (a backslash escapes the next character,
an unescaped | ends a cell)."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kvalitetsvisaren.web.components import data_table

BREAKS = "\r\n\t\v\f\x1c\x1d\x1e\x85\u2028\u2029"
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=30
)


def read_row(line: str) -> list[str]:
    """A GFM table row's cells, unescaped (the reader's side, written from the spec)."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, text, escaped = [], "", False
    for char in line[2:-2]:
        if escaped:
            text, escaped = text + char, False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(text)
            text = ""
        else:
            text += char
    assert not escaped, line
    cells.append(text)
    return [c.strip() for c in cells]


def as_html_text(cell: str) -> str:
    return cell.replace("&lt;", "<").replace("&amp;", "&")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=0, max_size=8), texts)
def test_synthetic_any_cell_text_reads_back_as_its_own_cell(rows, title):
    frame = pd.DataFrame(rows, columns=["Kommun", "Värde"])
    block = data_table(frame, title)
    caption, markdown = block.children
    assert caption.children == title  # a Dash component's text: React shows it as text
    lines = markdown.children.split("\n")
    assert len(lines) == len(rows) + 2  # header, rule, one line per row: breaks never split one
    assert read_row(lines[0]) == ["Kommun", "Värde"]
    for line, (name, value) in zip(lines[2:], rows, strict=True):
        want = []
        for text in (name, value):
            want.append(re.sub(f"[{BREAKS}]+", " ", text).strip())  # a run of breaks: a space
        assert [as_html_text(c) for c in read_row(line)] == want
