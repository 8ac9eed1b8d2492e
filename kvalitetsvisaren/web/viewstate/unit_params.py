"""The unit page's parameters, read for the reader (a mixin of reader._Reader)."""

from __future__ import annotations

from typing import Any

from .model import (
    _OU,
    MAX_COMPARE,
    MAX_REPEATS_LINKED,
    MAX_SEARCH,
    View,
    _Bad,
)
from .words import (
    _label,
    _shown,
    _unit_name,
    urls_for,
)


class _UnitParams:
    """The parameters of the unit page: the unit, the units compared, the name searched."""

    def unit(self, municipality: str, area: str) -> tuple[str | None, str | None]:
        value = self.single("enhet")
        if value is None:
            return None, None
        svc = self.svc
        without = self.here(enhet=None)
        if not _OU.fullmatch(value):
            raise _Bad(
                f"Enheten {_shown(value)} är inget Kolada-id (t.ex. V21E12398).", 400, [without]
            )
        unit = svc.find_unit(value)
        if unit is None:
            raise _Bad(f"Enheten {_shown(value)} finns inte i Kolada.", 404, [without])
        config_area = svc.area(area)
        if not self.belongs(unit, municipality, area):
            owner = unit["municipality_id"]
            links = [without]
            if unit["id"][:3] == config_area.ou_prefix and owner in svc.kommun_ids:
                links.append(self.here(kommun=owner, enhet=unit["id"]))
            raise _Bad(
                f"Enheten {unit['title']} ({unit['id']}) hör inte till "
                f"{config_area.label.lower()} i {svc.names[municipality]}.",
                404,
                links,
            )
        self.known["enhet"] = unit["id"]
        return unit["id"], unit["title"]

    def compare(self, municipality: str, area: str) -> tuple[str, ...]:
        """The units compared side by side (jamfor=V15E…,V15E…): each a unit of the
        municipality and the area (any letter case), each once, at most MAX_COMPARE."""
        value = self.single("jamfor")
        if value is None:
            return ()
        written = list(dict.fromkeys(c.strip() for c in value.split(",") if c.strip()))
        found = {c: self.svc.find_unit(c) if _OU.fullmatch(c) else None for c in written}
        good = [u["id"] for u in found.values() if u and self.belongs(u, municipality, area)]
        units = list(dict.fromkeys(good))

        def links() -> list[tuple[str, str]]:
            """The comparison without what is wrong (if a unit is left), and none at all."""
            kept = [self.here(jamfor=",".join(units[:MAX_COMPARE]))] if units else []
            return [*kept, self.here(jamfor=None)]

        malformed = [c for c in written if not _OU.fullmatch(c)]
        if malformed:
            raise _Bad(
                "Jämförelsen har värden som inte är Kolada-id för enheter (t.ex. V21E12398): "
                + ", ".join(_shown(c) for c in malformed[:MAX_REPEATS_LINKED])
                + ".",
                400,
                links(),
            )
        wrong = [c for c, u in found.items() if not u or not self.belongs(u, municipality, area)]
        if wrong:
            raise _Bad(
                f"Jämförelsen har enheter som inte hör till {self.svc.area(area).label.lower()} "
                f"i {self.svc.names[municipality]}: "
                + ", ".join(_unit_name(found[c], c) for c in wrong[:MAX_REPEATS_LINKED])
                + ".",
                404,
                links(),
            )
        if len(units) > MAX_COMPARE:
            raise _Bad(
                f"Högst {MAX_COMPARE} enheter kan jämföras åt gången, inte {len(units)}.",
                400,
                links(),
            )
        self.known["jamfor"] = ",".join(units)
        return tuple(units)

    def belongs(self, unit: dict[str, Any], municipality: str, area: str) -> bool:
        prefix = self.svc.area(area).ou_prefix
        return unit["municipality_id"] == municipality and unit["id"][:3] == prefix

    def search(self) -> str | None:
        """The unit list's name search (sok=): any text, its runs of spaces made one; long
        texts are refused (no unit name is that long)."""
        value = self.single("sok")
        if value is None:
            return None
        text = " ".join(value.split())
        if len(text) > MAX_SEARCH:
            raise _Bad(
                f"Söktexten är för lång ({len(text)} tecken, högst {MAX_SEARCH}).",
                400,
                [self.here(sok=None)],
            )
        if text:
            self.known["sok"] = text
        return text or None

    def unit_kpi(self, view: View) -> str:
        value = self.single("kpi") or ""
        kpis = self.svc.unit_kpis(view.area or "")
        if value not in kpis:
            raise _Bad(
                f"Nyckeltalet {_shown(value)} har inga uppgifter per enhet i "
                f"{self.svc.area(view.area or '').label.lower()}.",
                404,
                [(_label(self.svc, view), urls_for(view))],
            )
        return value
