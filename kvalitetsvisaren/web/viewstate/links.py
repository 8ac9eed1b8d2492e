"""The links an explanation offers (a mixin of reader._Reader)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .. import urls
from ..urls import Params
from .model import (
    Explanation,
    Raw,
    _Bad,
)
from .words import (
    _home_link,
    _label,
    urls_for,
)


class _Links:
    """The links an explanation offers: home, the area, this page with a change."""

    def links_with(
        self, name: str, values: list[str], source: Mapping[str, Raw] | None
    ) -> list[tuple[str, str]]:
        """One link per value that makes a valid view on its own."""
        links = [self.here(**{name: value}) for value in values]
        return [link for link in links if link != self.home] or [self.home]

    # -- each parameter -------------------------------------------------------------------

    def with_way_home(self, why: Explanation) -> Explanation:
        """Every explanation offers the overview of the municipality (if known) as well."""
        links = tuple(dict.fromkeys([*why.links, self.home]))
        return replace(why, links=links)

    @property
    def home(self) -> tuple[str, str]:
        return _home_link(self.svc, self.known.get("kommun"))

    def area_link(self, area: str) -> tuple[str, str]:
        municipality = self.known.get("kommun", self.svc.config.default_municipality)
        p = Params(municipality, (self.svc.area_years(area, municipality) or self.svc.years())[0])
        return self.svc.area(area).label, urls.area_url(area, p)

    def here(self, **changes: Any) -> tuple[str, str]:
        """A link to this view with `changes`, made of the parts known to be valid (the others
        left to their defaults); only a link that makes a valid view is offered."""
        segment_names = {"area", "kpi", "matt"}
        segments = {k: v for k, v in self.known.items() if k in segment_names}
        query = {k: str(v) for k, v in self.known.items() if k not in segment_names}
        for name, value in changes.items():
            target = segments if name in segment_names else query
            if value is None:
                target.pop(name, None)
            else:
                target[name] = str(value)
        if self.depth >= 2:
            return self.home
        try:
            found = type(self)(self.svc, self.route, segments, query, depth=self.depth + 1).view()
        except _Bad:
            return self.home
        return _label(self.svc, found), urls_for(found)
