"""Pure: the URL is the state. Builders for every view's URL (viewstate reads them back).

/oversikt?kommun=0883&ar=2022                       level 1
/omrade/<area>?kommun=&ar=                          level 2
/nyckeltal/<kpi>?kommun=&ar=&grupp=&omrade=         level 2:2 (grupp: liknande, lan or ids)
/enheter/<area>?kommun=&ar=&enhet=&jamfor=&sok=    level 2:3 (enhet: one unit's page;
                                                    jamfor: units compared; sok: a name)
/lokalt/<matt>?kommun=&ar=&enhet=                   an own measure (lokal uppgift)
/ladda-upp                                          add own measures (upload)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

OVERVIEW = "/oversikt"
GROUPS = ("liknande", "lan")


@dataclass(frozen=True)
class Params:
    """A view's query parameters; `municipality` and `year` are kommun and ar in the URL."""

    municipality: str
    year: int
    grupp: str = "liknande"
    enhet: str | None = None
    omrade: str | None = None

    def as_query(self) -> dict[str, object]:
        """Every parameter by its name in the URL (a page's params Store holds these)."""
        return {
            "kommun": self.municipality,
            "ar": self.year,
            "grupp": self.grupp,
            "enhet": self.enhet,
            "omrade": self.omrade,
        }

    def query(self, *, keep: tuple[str, ...] = ()) -> str:
        """kommun and ar always; the other parameters only if named in `keep` and set."""
        pairs = {"kommun": self.municipality, "ar": str(self.year)}
        for name in keep:
            value = getattr(self, name)
            if value and not (name == "grupp" and value == "liknande"):
                pairs[name] = value
        return urlencode(pairs)

    def with_(self, **changes: object) -> Params:
        return replace(self, **changes)


def overview_url(p: Params) -> str:
    return f"{OVERVIEW}?{p.query()}"


def area_url(area: str, p: Params, anchor: str | None = None) -> str:
    return f"/omrade/{area}?{p.query()}" + (f"#{anchor}" if anchor else "")


def kpi_url(kpi: str, p: Params, area: str | None = None) -> str:
    return f"/nyckeltal/{kpi}?{p.with_(omrade=area or p.omrade).query(keep=('grupp', 'omrade'))}"


def units_url(
    area: str,
    p: Params,
    unit: str | None = None,
    *,
    compare: tuple[str, ...] = (),
    search: str | None = None,
) -> str:
    """Level 2:3; `compare`: the units side by side, `search`: the list's name search."""
    query = p.with_(enhet=unit).query(keep=("enhet",))
    extra = {"jamfor": ",".join(compare), "sok": search or ""}
    more = urlencode({k: v for k, v in extra.items() if v}, safe=",")  # ids stay readable
    return f"/enheter/{area}?{query}" + (f"&{more}" if more else "")


def own_url(measure: str, p: Params) -> str:
    return f"/lokalt/{measure}?{p.query(keep=('enhet',))}"
