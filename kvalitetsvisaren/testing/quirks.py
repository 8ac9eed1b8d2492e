"""Switches for the stand-in: ways a real Kolada v3 server could plausibly differ from what is
documented (docs/kolada-api.md §2, §3) without being wrong, so that the client is tested
against each of them and their combinations.

Paging:

``next_style``     how next_url is written: ``"absolute"`` (default) or ``"relative"``
                   (``/v3/data/...?...``);
``encoded_commas`` commas in next_url percent-encoded (``%2C``);
``reordered``      next_url's parameters in another order (``page`` and ``per_page`` first);
``page_twice``     next_url keeps the request's own ``page`` and appends ``page=N+1``;
``last_next``      what marks the last page: ``"null"`` (default), ``""`` (an empty string),
                   ``"full"`` (a full last page still announces a next one), ``"always"``
                   (every page announces a next one);
``past_end``       a page after the last: ``"empty"`` (200, no values; default), ``"404"``,
                   ``"422"``.

Data items (all lossless; the client must read them as the documented ones):

``string_periods`` ``"period": "2022"``; ``float_counts`` ``"count": 1.0``;
``int_isdeleted``  ``"isdeleted": 0`` / ``1``; ``null_gender`` the total sent as
                   ``"gender": null`` instead of ``"T"``;
``group_rows``     a data query without a municipality segment also answers for some
                   municipality groups (``G…`` rows, an unweighted mean of their members, as v2
                   did).

Load and change feed:

``oudata_cost_limit`` an /oudata query that selects more items than this answers 504 (a
                      gateway timeout), on every page;
``from_date_after``   ``from_date`` counts the changes after that day, not from it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any
from urllib.parse import quote, urlencode

NEXT_STYLES = ("absolute", "relative")
LAST_NEXT = ("null", "", "full", "always")
PAST_END = ("empty", "404", "422")


@dataclass(frozen=True)
class Quirks:
    next_style: str = "absolute"
    encoded_commas: bool = False
    reordered: bool = False
    page_twice: bool = False
    last_next: str = "null"
    past_end: str = "empty"
    string_periods: bool = False
    float_counts: bool = False
    int_isdeleted: bool = False
    null_gender: bool = False
    group_rows: bool = False
    oudata_cost_limit: int | None = None
    from_date_after: bool = False

    def __post_init__(self) -> None:
        for name, allowed in (
            ("next_style", NEXT_STYLES),
            ("last_next", LAST_NEXT),
            ("past_end", PAST_END),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quirks:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown quirks {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def retypes(self) -> bool:
        return self.string_periods or self.float_counts or self.int_isdeleted or self.null_gender

    def announces_more(self, start: int, shown: int, total: int, per_page: int) -> bool:
        """Whether the page showing items start..start+shown of `total` carries a next_url."""
        if self.last_next == "always":
            return True
        if self.last_next == "full":
            return shown == per_page
        return start + shown < total

    def next_url(
        self,
        host_url: str,
        path: str,
        args: list[tuple[str, str]],
        page: int,
        next_page: int | None,
        per_page: int,
    ) -> str | None:
        """next_url for a request to `path` with query `args` (without page and per_page)."""
        if next_page is None:
            return "" if self.last_next == "" else None
        paging = [("page", str(next_page)), ("per_page", str(per_page))]
        if self.page_twice:
            query = [*args, ("page", str(page)), ("per_page", str(per_page)), paging[0]]
        elif self.reordered:
            query = [*paging, *args]
        else:
            query = [*args, *paging]
        safe = "/" if self.encoded_commas else "/,"
        text = f"{quote(path, safe=safe)}?{urlencode(query, safe=safe.strip('/'))}"
        return text if self.next_style == "relative" else host_url.rstrip("/") + text

    def retype(self, body: bytes) -> bytes:
        """A data page's items with the type switches applied (the items are encoded by
        `encoded.DataIndex`, so the patterns below are exact)."""
        for on, pattern, replacement in _RETYPES:
            if getattr(self, on):
                body = pattern.sub(replacement, body)
        return body


# Each pattern starts with its literal delimiter rather than a lookbehind: a literal prefix
# lets the regex engine skip ahead, which makes a whole sync's retyping several times faster.
_RETYPES = [
    ("string_periods", re.compile(rb',"period":(\d+)'), rb',"period":"\1"'),
    ("float_counts", re.compile(rb',"count":(\d+)'), rb',"count":\1.0'),
    ("int_isdeleted", re.compile(rb',"isdeleted":false'), b',"isdeleted":0'),
    ("int_isdeleted", re.compile(rb',"isdeleted":true'), b',"isdeleted":1'),
    ("null_gender", re.compile(rb'\{"gender":"T"'), b'{"gender":null'),
]
