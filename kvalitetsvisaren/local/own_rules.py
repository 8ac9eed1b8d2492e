"""The rules of an own-measures file: its columns, its limits (checked on counts of bytes
before anything is parsed), the Swedish words of its problems, the lookups rows are checked
against. Used by own_files, own_cells and own_measures."""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.models import KPI_ID_PATTERN, AppConfig, Area

OWN_COLUMNS: tuple[str, ...] = (
    "matt_id",
    "namn",
    "omrade",
    "kommun",
    "enhet",
    "ar",
    "varde",
    "hogre_ar_battre",
    "svarande",
    "matt_enhet",
)
REQUIRED_COLUMNS: frozenset[str] = frozenset(OWN_COLUMNS) - {"enhet", "svarande", "matt_enhet"}
RESULT_COLUMNS: dict[str, str] = {
    "measure_id": "str",
    "label": "str",
    "area": "str",
    "municipality_id": "str",
    "ou_id": "str",  # missing (NaN) for the whole municipality
    "year": "int64",
    "value": "float64",
    "higher_is_better": "bool",
    "respondents": "Int64",
    "unit": "str",
    "source": "str",
    "line": "int64",
}
FILE_SUFFIXES = (".csv", ".xlsx")  # what load_folder reads and save_upload writes

# --- limits, checked on counts of bytes before anything is parsed -------------------------------
# Checking must stay cheap whatever arrives (a 5 MB file of blank lines once cost a minute of
# CPU): each limit is one clear refusal, found without reading a single cell.
MAX_BYTES = 5 * 1024 * 1024
# For Flask's MAX_CONTENT_LENGTH: the file arrives base64-encoded (4 bytes for 3) in a Dash
# callback body; 1 MB more for the rest of that body (file name, key, outputs).
MAX_REQUEST_BYTES = 4 * -(-MAX_BYTES // 3) + 1024 * 1024
# A municipality's own measures are at most a few thousand rows (30 measures for 50 units over
# 10 years is 15 000): 50 000 leaves room, and a file of millions of blank lines is refused
# before pandas makes a row of each.
MAX_LINES = 50_000
# The header has at most the 10 known columns (Excel may write empty ones to their right): a line
# of more than 100 fields is no table of own measures.
MAX_FIELDS = 100
# The cells read are lines x the widest line (a short line is padded): 50 000 lines of 20
# fields. Bounds the memory and time a file of long runs of separators costs.
MAX_CELLS = 1_000_000
# An .xlsx is a zip: 5 MB packed can unpack to gigabytes. No real sheet of values needs this.
MAX_XLSX_UNPACKED = 20 * 1024 * 1024
# openpyxl parses the XML of a workbook in Python, a few µs per element (a cell is 2-3 of them):
# 200 000 elements, about 6 000 rows of 10 columns, take about a second. Larger files go as CSV.
MAX_XLSX_ELEMENTS = 200_000
MAX_PROBLEMS = 200
YEARS = (1990, 2100)
MAX_RESPONDENTS = 100_000_000

Problem = tuple[int | None, str]

_MEASURE_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}", re.ASCII)
_KOLADA_ID = re.compile(KPI_ID_PATTERN, re.ASCII | re.IGNORECASE)
_MUNICIPALITY_ID = re.compile(r"\d{4}", re.ASCII)
_DIGITS = re.compile(r"[0-9]+")  # what str.isascii() and str.isdigit() both accept
# [+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?, written so that a long run of digits that fails to match
# costs linear time, not quadratic backtracking (a 5 MB cell would take days).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.ASCII | re.IGNORECASE)
_BOOLEANS = {"ja": True, "nej": False, "true": True, "false": False, "1": True, "0": False}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as pandas reads CSV (an old Mac file ends lines in \r)
_BOM = b"\xef\xbb\xbf"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # old .xls, and password-protected .xlsx
# A DTD can declare entities that expand into elements the byte count does not see. Excel never
# writes one; expat reads UTF-8 and UTF-16, so these are all the ways to spell it.
_DTD = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_SAVE_AS_CSV = 'spara den från Excel som "CSV UTF-8 (kommaavgränsad)"'


class OwnMeasuresError(ValueError):
    """A file of own measures cannot be used. `problems` holds (line, message) pairs; line 1 is
    the header row, None a problem of the whole file. `total` is how many problems were found
    when `problems` holds only the first of them (else all are given)."""

    def __init__(
        self, filename: str, problems: Iterable[Problem], *, total: int | None = None
    ) -> None:
        problems = list(problems)
        total = len(problems) if total is None else total
        if total > MAX_PROBLEMS:
            more = total - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], (None, f"… och {more} fel till")]
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(_problem_text(filename, p) for p in problems))


def _problem_text(filename: str, problem: Problem) -> str:
    line, message = problem
    return f"{filename}: {message}" if line is None else f"{filename}: rad {line}: {message}"


def _fail(filename: str, message: str, line: int | None = None) -> OwnMeasuresError:
    return OwnMeasuresError(filename, [(line, message)])


def too_large_message(size: int) -> str:
    """Why a file of `size` bytes is refused (Swedish), for a page that refuses it before it
    arrives here (the browser's or the request's size limit)."""
    size_mb = f"{size / 1024 / 1024:.1f}".replace(".", ",")  # 6,0 MB, as the upload page says
    return (
        f"filen är för stor ({size_mb} MB); högst {MAX_BYTES // (1024 * 1024)} MB går att läsa in"
    )


def _count(n: int) -> str:
    """A count as Swedish writes it: 120 000."""
    return f"{n:,}".replace(",", " ")


def _too_many_lines(lines: str) -> str:
    return f"filen har för många rader ({lines}); högst {_count(MAX_LINES)} går att läsa in"


def _too_many_fields(fields: int) -> str:
    return (
        f"raden har fler än {MAX_FIELDS} fält ({_count(fields)}); "
        f"en fil med egna mått har {len(OWN_COLUMNS)} kolumner"
    )


def _too_many_cells(lines: str, widest: int) -> str:
    return (
        f"filen har för många celler ({lines} rader × {widest} fält på den längsta raden); "
        f"högst {_count(MAX_CELLS)} går att läsa in; ta bort tomma kolumner till höger om "
        "värdena"
    )


# --- problems found by masks -----------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """Problems found all at once: the line of each, and how to word the k-th (only the first
    MAX_PROBLEMS of a file are ever worded)."""

    lines: np.ndarray
    word: Callable[[int], str]


_NOTHING = _Found(np.zeros(0, dtype=np.int64), lambda k: "")  # (never worded)


def _found(mask: np.ndarray, lines: np.ndarray, message: Callable[[int], str]) -> _Found:
    """A problem on each row of `mask`; `message` words it from the row's position."""
    rows = np.flatnonzero(mask)
    return _Found(lines[rows], lambda k: message(int(rows[k])))


def _refuse_if_any(filename: str, found: list[_Found]) -> None:
    """Raise OwnMeasuresError with the problems ordered by line (in `found` order within a
    line), the first MAX_PROBLEMS worded."""
    sizes = [f.lines.size for f in found]
    if not sum(sizes):
        return
    lines = np.concatenate([f.lines for f in found])
    source = np.repeat(np.arange(len(found)), sizes)
    offset = np.arange(lines.size) - np.repeat(np.cumsum([0, *sizes[:-1]]), sizes)
    first = np.argsort(lines, kind="stable")[:MAX_PROBLEMS]
    problems = [(int(lines[j]), found[source[j]].word(int(offset[j]))) for j in first]
    raise OwnMeasuresError(filename, problems, total=lines.size)


# --- the lookups the rows are checked against -----------------------------------------------


class _Context:
    """What the cells are checked against, indexed once per file or folder."""

    def __init__(self, config: AppConfig, ous: pd.DataFrame, municipalities: pd.DataFrame) -> None:
        self.areas: dict[str, Area] = {a.id: a for a in config.areas}
        self.municipalities: dict[str, tuple[str, str]] = {  # id -> (title, type)
            i: (t, k) for i, t, k in municipalities[["id", "title", "type"]].itertuples(index=False)
        }
        self.municipality_types = {i: k for i, (_, k) in self.municipalities.items()}
        self.ou_prefixes = {a.id: a.ou_prefix for a in config.areas}
        self.config_measures = _config_measures(config)
        self._ous = ous

    @functools.cached_property
    def units(self) -> _Units:
        """Indexed when a row names a unit (most files may not: the whole municipality)."""
        return _units_of(self._ous)

    def municipality_name(self, municipality_id: str) -> str:
        title = self.municipalities.get(municipality_id, ("kommun",))[0]
        return f"{title} ({municipality_id})"


@dataclass(frozen=True)
class _Units:
    by_id: pd.DataFrame  # index: upper-case OU id; columns ou_id, owner (municipality id)
    # index (municipality, OU prefix, title key): how many OUs have that title, and the first
    by_title: pd.DataFrame
    titles: pd.DataFrame  # owner, prefix, key and id of every OU, in `ous` order

    @classmethod
    def build(cls, ous: pd.DataFrame) -> _Units:
        ids = ous["id"].astype(object)
        upper = ids.str.upper()
        owners = ous["municipality_id"].astype(object)
        by_id = pd.DataFrame({"ou_id": ids, "owner": owners}).set_axis(upper)
        by_id = by_id[~by_id.index.duplicated(keep="last")]
        keys = _title_keys(ous["title"].astype(object))
        titles = pd.DataFrame({"owner": owners, "prefix": upper.str[:3], "key": keys, "id": ids})
        grouped = titles.groupby(["owner", "prefix", "key"], sort=False)["id"]
        return cls(by_id, grouped.agg(count="size", first="first"), titles)

    def titled(self, owner: str, prefix: str, key: str) -> list[str]:
        """Every OU id with that title key within the municipality and prefix."""
        t = self.titles
        return t.loc[
            (t["owner"] == owner) & (t["prefix"] == prefix) & (t["key"] == key), "id"
        ].tolist()


# The unit index of each OU table in use (~0.3 s to build for 100k units), made once per table:
# a store's tables are never changed in place (a new sync is a new store). Keyed by the
# table's identity, kept while the table lives.
_UNIT_INDEXES: dict[int, tuple[weakref.ref, _Units]] = {}


def _units_of(ous: pd.DataFrame) -> _Units:
    key = id(ous)
    found = _UNIT_INDEXES.get(key)
    if found is not None and found[0]() is ous:  # (an id is reused once its table is gone)
        return found[1]
    units = _Units.build(ous)
    _UNIT_INDEXES[key] = (weakref.ref(ous, lambda _, key=key: _UNIT_INDEXES.pop(key, None)), units)
    return units


def _config_measures(config: AppConfig) -> dict[str, str]:
    """Configured measure id -> where it is first used ("Hemtjänst: Trygghet")."""
    found: dict[str, str] = {}
    for area in config.areas:
        for measure in area.measures:
            found.setdefault(measure.id, f"{area.label}: {measure.label}")
    return found


def _title_keys(titles: pd.Series) -> pd.Series:
    """Unit titles match case-insensitively and whatever the spacing."""
    return titles.str.split().str.join(" ").str.casefold()
