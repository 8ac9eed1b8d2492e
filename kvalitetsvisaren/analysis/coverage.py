"""Pure: which years have data, for whom, and why a value is missing.

Every year a page offers and every sentence about an empty cell comes from the data and the KPI
metadata (its Kolada description names who collects it), never from a claim written here:
"Inga resultat för 2021 från <källa>" is said only when no municipality has a value of any KPI
from that source in 2021 while the years before and after have some.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from .surveys import source_of


class Coverage:
    def __init__(
        self, ranked: pd.DataFrame, units: pd.DataFrame, ous: pd.DataFrame, kpis: pd.DataFrame
    ) -> None:
        """ranked: kpi, municipality_id, year, value (type-K municipalities); units: kpi, ou_id,
        year, value, unit_type; ous: id, municipality_id; kpis: id, description."""
        has = ranked.loc[ranked["value"].notna(), ["kpi", "municipality_id", "year"]]
        self._mine = _Grouped.of(has)
        self._national = has.groupby("kpi")["year"].agg(["min", "max"])
        self._count = has.groupby(["kpi", "year"]).size()
        u = units.loc[units["value"].notna(), ["kpi", "ou_id", "year", "unit_type"]]
        u = u.assign(municipality_id=u["ou_id"].map(ous.set_index("id")["municipality_id"]))
        self._units = u.drop(columns="ou_id").drop_duplicates()
        self._unit_pairs: dict[str, dict[str | None, frozenset[tuple[str, int]]]] = {}
        self._unit_span = u.groupby("kpi")["year"].agg(["min", "max"])
        self._sources = kpis.set_index("id")["description"].map(source_of).dropna()
        self._gaps = _source_gaps(has, self._sources)

    # --- years -----------------------------------------------------------------------------

    def years_of(self, municipality: str, kpis: tuple[str, ...]) -> list[int]:
        """Years in which the municipality has a value of any of the KPIs, newest first."""
        years = self._mine.years_of(municipality, kpis)
        return sorted(np.unique(years).tolist(), reverse=True)

    def kpi_years(self, kpi: str) -> list[int]:
        """Years in which any municipality has a value of the KPI, newest first."""
        years = self._count.loc[kpi].index if kpi in self._national.index else []
        return sorted((int(y) for y in years), reverse=True)

    def unit_years(
        self, unit_type: str, kpis: tuple[str, ...], municipality: str | None = None
    ) -> list[int]:
        """Years in which a unit of the type (of the municipality, if given) has a value of
        any of the KPIs, newest first."""
        of_type = self._units_of_type(unit_type)
        pairs = of_type.get(municipality, ()) if municipality is not None else of_type[None]
        return sorted({year for kpi, year in pairs if kpi in kpis}, reverse=True)

    def _units_of_type(self, unit_type: str) -> dict[str | None, frozenset[tuple[str, int]]]:
        """(kpi, year) pairs with a value of a unit of the type, per municipality and (None)
        for all: read once per type, as every overview asks for each area's unit years."""
        if unit_type not in self._unit_pairs:
            u = self._units[self._units["unit_type"] == unit_type]
            u = u[["municipality_id", "kpi", "year"]].astype({"kpi": str, "year": int})
            u = u.drop_duplicates()
            by_place: dict[str | None, frozenset] = {
                str(m): frozenset(zip(part["kpi"], part["year"], strict=True))
                for m, part in u.groupby("municipality_id", observed=True)
            }
            by_place[None] = frozenset(zip(u["kpi"], u["year"], strict=True))
            self._unit_pairs[unit_type] = by_place
        return self._unit_pairs[unit_type]

    # --- why a value is missing --------------------------------------------------------------

    def missing(self, kpi: str, municipality_name: str, year: int) -> str:
        """One short sentence: why the municipality has no value of the KPI for the year."""
        return self.missing_reasons([kpi], [municipality_name], [False], year)[0]

    def missing_reasons(
        self, kpis: Iterable[str], names: Iterable[str], has_value: Iterable[bool], year: int
    ) -> list[str]:
        """`missing` of each row without a value ("" for a row with one), each KPI's case
        decided once for all the rows."""
        reasons: dict[str, str | None] = {}
        others: dict[str, int] = {}
        out = []
        for kpi, name, has in zip(kpis, names, has_value, strict=True):
            if has:
                out.append("")
                continue
            if kpi not in reasons:
                reasons[kpi] = self._why_missing(kpi, year)
                others[kpi] = int(self._count.get((kpi, year), 0))
            reason = reasons[kpi]
            if reason is None:  # others have a value: the sentence names the municipality
                reason = f"{name} har inget värde för {year} ({others[kpi]} kommuner har)."
            out.append(reason)
        return out

    def _why_missing(self, kpi: str, year: int) -> str | None:
        """Why no municipality's value of the KPI is there for the year, or None when others
        have one (the sentence then names the municipality)."""
        national = self._national.loc[kpi] if kpi in self._national.index else None
        if national is None:
            if kpi not in self._unit_span.index:
                return "Inga värden i datan för nyckeltalet."
            first, last = self._unit_span.loc[kpi]
            if year < first:
                return f"Nyckeltalet finns i datan från {first}, bara per enhet."
            return f"Nyckeltalet finns i datan bara per enhet ({_span(first, last)})."
        if year < national["min"]:
            return f"Nyckeltalet finns i datan från {national['min']}."
        if year > national["max"]:
            return f"Senaste värde i datan är från {national['max']}."
        if not int(self._count.get((kpi, year), 0)):
            return f"Ingen kommun har värde för {year}."
        return None

    def gap(self, kpi: str, year: int) -> str | None:
        """When no municipality has a value of any KPI from the KPI's source that year, though
        the years before and after have: the sentence saying so; else None."""
        source = self._sources.get(kpi)
        found = self._gaps.get((source, year)) if source else None
        if found is None:
            return None
        before, after = found
        return (
            f"Inga resultat för {year}: {source} har inga värden för någon kommun det året "
            f"(men för {before} och {after})."
        )


@dataclass(frozen=True)
class _Grouped:
    """A table's (kpi, year) rows grouped by municipality: codes sorted, so that one
    municipality's rows are a binary search away (years_of runs for every page view). Places
    and KPIs looked up in dicts and KPIs compared as integer codes: np.isin on the ids as
    Python strings and pandas' get_indexer took 5.5 ms per call, this 0.1 ms."""

    place_at: dict[str, int]
    starts: np.ndarray
    kpi_code: dict[str, int]
    kpis: np.ndarray  # codes of kpi_code
    years: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Grouped:
        place = table["municipality_id"].astype("category")
        codes = place.cat.codes.to_numpy()
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(len(place.cat.categories) + 1))
        kpi_codes, kpi_ids = pd.factorize(table["kpi"].astype(str).to_numpy(dtype=object))
        return cls(
            {str(p): i for i, p in enumerate(place.cat.categories)},
            starts,
            {str(k): i for i, k in enumerate(kpi_ids)},
            kpi_codes[order],
            table["year"].to_numpy()[order],
        )

    def years_of(self, municipality: str, kpis: tuple[str, ...]) -> np.ndarray:
        at = self.place_at.get(municipality)
        if at is None:
            return self.years[:0]
        wanted = [code for code in map(self.kpi_code.get, kpis) if code is not None]
        mine = slice(self.starts[at], self.starts[at + 1])
        return self.years[mine][np.isin(self.kpis[mine], wanted)]


def _source_gaps(has: pd.DataFrame, sources: pd.Series) -> dict[tuple[str, int], tuple[int, int]]:
    """(source, year) -> (the year before, the year after with values) for every year inside a
    source's span in which none of its KPIs has a value for any municipality."""
    years = has.assign(source=has["kpi"].map(sources)).dropna(subset=["source"])
    gaps = {}
    for source, part in years.groupby("source"):
        present = sorted(part["year"].unique().tolist())
        for before, after in pairwise(present):
            for year in range(before + 1, after):
                gaps[(source, year)] = (before, after)
    return gaps


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"
