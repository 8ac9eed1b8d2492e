"""Dash pieces for issue 16: how sure a colour is, the interval of a value, a change within
the margin of error. Words always: a mark never stands alone (its explanation is in the text
beside it and, on hover or focus, in its tooltip). The words come from certainty_view."""

from __future__ import annotations

from typing import Any

from dash import html

from ..labels import change_text, is_missing
from ..service import certainty_view as cv
from .components import trend_mark

MARKS = {"sure": "✓", "unsure": "≈"}


def attrs(certainty: Any) -> dict[str, str]:
    """The `data-certainty` attribute beside a `data-quartile`."""
    return {"data-certainty": cv.attribute(certainty)}


def certainty_note(row: Any, colour: str, class_name: str) -> html.P | None:
    """ "≈ osäker: Felmarginalen når över en kvartilgräns: färgen kan vara en annan." for a
    tile or a measure; None when there is nothing to say (no interval, not a survey)."""
    certainty = cv.attribute(_get(row, "certainty"))
    sources = _get(row, "interval_sources", None)
    source = _get(row, "interval_source", None)
    if source is None:
        source = cv.HIDDEN if sources and cv.HIDDEN in sources else cv.WILSON
    explanation = cv.certainty_explanation(colour, certainty, source)
    if not explanation:
        return None
    word = cv.certainty_word(colour, certainty) or "okänd säkerhet"
    mark = MARKS.get(certainty, "?")
    return html.P(
        [
            html.Span(
                [html.Span(mark, **{"aria-hidden": "true"}), f" {word}"],
                className="certainty-mark",
                tabIndex="0",
                title=f"{word}: {explanation}",
                **{"data-tip": explanation},
            ),
            html.Span(f" {explanation}", className="certainty-text"),
        ],
        className=f"{class_name} certainty certainty-{certainty}",
        **attrs(certainty),
    )


def certainty_words(row: Any, colour: str) -> html.Small | None:
    """The short word under a badge in a table cell ("säker", "osäker", "säkert i mitten"),
    with its explanation on hover/focus; None without one."""
    certainty = cv.attribute(_get(row, "certainty"))
    word = cv.certainty_word(colour, certainty)
    if not word:
        return None
    explanation = cv.certainty_explanation(colour, certainty, _get(row, "interval_source"))
    return html.Small(
        f"{MARKS.get(certainty, '')} {word}",
        className=f"certainty-word certainty-{certainty}",
        title=explanation,
        tabIndex="0",
        **attrs(certainty),
    )


def interval_words(row: Any, unit: str) -> str:
    """ "felmarginal 89–96 %" for a row whose interval may be shown, else ""."""
    lo, hi = cv.shown_interval(row)
    return cv.interval_text(lo, hi, unit)


def change_mark(row: Any) -> html.Span:
    """The change of value; a survey share that moved within its margin of error says so
    ("↓ −2 p.e. (oförändrat inom felmarginalen)") instead of "sämre"."""
    change = _get(row, "change")
    if not cv.change_text(row) or is_missing(change):
        return trend_mark(row.trend, change, row.unit)
    return html.Span(
        f"{change_text(change, row.unit)} ({cv.change_text(row)})",
        className="trend trend-same trend-margin",
        title="Förändringen är mindre än felmarginalen (tvåprocentstest, 95 %).",
    )


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)
