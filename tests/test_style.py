"""WCAG 2.1 AA: text on every quartile colour has a contrast of at least 4.5:1, computed from
the stylesheet itself (relative luminance as defined by WCAG)."""

from __future__ import annotations

import re

import pytest

from kvalitetsvisaren.paths import ASSETS

CSS = (ASSETS / "style.css").read_text(encoding="utf-8")


def variables() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def resolve(value: str) -> str:
    value = value.strip()
    if value.startswith("var(--"):
        value = variables()[value[6:-1]]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):  # #333 -> #333333
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


def rule(selector: str) -> dict[str, str]:
    body = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS).group(1)
    return {k.strip(): resolve(v) for k, v in re.findall(r"([a-z-]+):\s*([^;]+);", body)}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_on_known_pairs():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("colour", ["green", "yellow", "red", "grey", "neutral"])
def test_badge_text_meets_wcag_aa(colour):
    style = rule(f".badge-{colour}")
    assert contrast(style["background"], style["color"]) >= 4.5
