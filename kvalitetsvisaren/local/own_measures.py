"""Own measures (lokala mått): an administrator's file of the municipality's own results that
Kolada does not have, e.g. a unit's yearly user survey. Read, validated and stored here; pure
(no Dash, no I/O at import).

`read_own_measures` checks one file and raises one `OwnMeasuresError` naming every problem,
line by line (nothing of a bad file is used). `load_folder` reads every file of the own-measures
folder, `save_upload` validates an upload (also against the other files) and writes it
atomically, `template_csv` is the example file offered for download.

Filformat
---------
En CSV-fil (UTF-8, med eller utan BOM; avgränsare semikolon ``;`` eller komma ``,``, vilket
läses av från rubrikraden) eller en Excel-fil (.xlsx, första bladet). Spara från Excel som
"CSV UTF-8 (kommaavgränsad)" eller som "Excel-arbetsbok (.xlsx)". Högst 5 MB.

Rad 1 är rubrikraden, därefter ett värde per rad. Kolumnernas namn skrivs som nedan (stora
eller små bokstäver, i valfri ordning):

==================  ============  ====================================================
kolumn              obligatorisk  innehåll
==================  ============  ====================================================
``matt_id``         ja            måttets id: 1–40 tecken a–z, 0–9, ``-`` och ``_``
                                  (inga å, ä, ö eller mellanslag), börjar med en bokstav,
                                  t.ex. ``familj-nojd``. Får inte se ut som ett
                                  Kolada-id (N12345, U12345) och inte vara id för ett
                                  mått i konfigurationen (t.ex. ``trygghet``).
``namn``            ja            måttets namn som det visas, t.ex. "Nöjd med
                                  familjeenhetens stöd"
``omrade``          ja            ett område i konfigurationen, t.ex. ``hemtjanst``,
                                  ``sarskilt-boende`` eller ``grundskola``
``kommun``          ja            kommunkod med 4 siffror, t.ex. ``0883`` (Västervik).
                                  Formatera kolumnen som text i Excel så att nollan
                                  först finns kvar.
``enhet``           nej           en enhet inom området i kommunen: Kolada-id (t.ex.
                                  ``V21E12398``) eller enhetens exakta namn som i Kolada
                                  (t.ex. "Gunnebo Hemtjänst"). Tom = hela kommunen.
``ar``              ja            år, t.ex. ``2024``
``varde``           ja            ett tal: ``85,5`` eller ``85.5``; mellanslag som
                                  tusentalsavgränsare går bra (``1 234,5``). Skriv bara
                                  talet (inget %-tecken; enheten står i ``matt_enhet``).
                                  En cell i Excel som är formaterad som procent läses
                                  som sitt värde (85,5 % = 0,855).
``hogre_ar_battre`` ja            ``ja`` om ett högre värde är bättre, annars ``nej``
                                  (``true``/``false`` och ``1``/``0`` går också)
``svarande``        nej           antal svarande, ett heltal 0 eller större
``matt_enhet``      nej           enhet som visas efter värdet, t.ex. ``%``, ``antal``
                                  eller ``index``
==================  ============  ====================================================

Regler:

- ``namn``, ``omrade``, ``hogre_ar_battre`` och ``matt_enhet`` ska vara desamma på alla rader
  med samma ``matt_id``, även i olika filer.
- Samma ``matt_id``, ``kommun``, ``enhet`` och ``ar`` får bara förekomma en gång (i alla filer
  tillsammans).
- Helt tomma rader hoppas över. Andra kolumner än ovanstående är inte tillåtna (ofta ett
  stavfel).
- Innehåller filen fel används ingenting ur den. Alla fel räknas upp med radnummer (rad 1 =
  rubrikraden), högst 200 åt gången.
- En fil vars rader krockar med en fil som redan finns (samma värde två gånger, eller samma
  ``matt_id`` med ett annat namn) tas inte emot.
- Gränser, som kontrolleras innan filen läses (en fil över en gräns läses inte alls, och felet
  säger vilken gräns det gäller): högst 5 MB; högst 50 000 rader; högst 100 fält på en rad; och
  rader gånger fälten på den längsta raden högst 1 000 000 celler (ta bort tomma kolumner till
  höger om värdena). En Excel-fil får vara högst 20 MB uppackad och rymmer ungefär 6 000 rader
  med 10 kolumner (200 000 XML-element); spara en större fil som CSV.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import io
import itertools
import os
import re
import tempfile
import unicodedata
import warnings
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config.loader import KPI_ID_PATTERN, AppConfig, Area
from ..kolada.frames import typed_frame

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


# --- reading the file into text cells --------------------------------------------------------


def _read_cells(content: bytes, filename: str) -> tuple[pd.DataFrame, str]:
    """Every cell of the file as stripped text (row i of the frame is line i + 1), and a hint
    for a line with more fields than the header has columns."""
    if len(content) > MAX_BYTES:
        raise _fail(filename, too_large_message(len(content)))
    if not content.removeprefix(_BOM).strip():
        raise _fail(filename, "filen är tom")
    hint = ""
    if _file_kind(content, filename) == "xlsx":
        cells = _read_xlsx(content, filename)
    else:
        cells, sep = _read_csv(content, filename)
        if sep == ",":  # the usual cause: 85,5 unquoted in a comma-separated file
            hint = '; i en kommaavgränsad fil skrivs decimaltal med punkt eller inom "citattecken"'
    stripped = {column: _stripped(cells[column]) for column in cells.columns}
    return pd.DataFrame(stripped, index=cells.index, dtype=object), hint


def _stripped(cells: pd.Series) -> np.ndarray:
    """The cells without surrounding whitespace, each distinct text stripped once."""
    codes, distinct = pd.factorize(cells, use_na_sentinel=False)
    return pd.Series(distinct, dtype=object).str.strip().fillna("").to_numpy()[codes]


def _file_kind(content: bytes, filename: str) -> str:
    """Tell "csv" from "xlsx" by the extension, checked against the first bytes."""
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    if suffix == ".xls" or content.startswith(_OLE_MAGIC):
        raise _fail(
            filename,
            "filen är i det gamla Excel-formatet (.xls) eller lösenordsskyddad; "
            f'spara den som "Excel-arbetsbok (.xlsx)" utan lösenord, eller {_SAVE_AS_CSV}',
        )
    if suffix == ".xlsx":
        if not content.startswith(_ZIP_MAGIC):
            raise _fail(filename, f"filen heter .xlsx men är ingen Excel-fil; {_SAVE_AS_CSV}")
        return "xlsx"
    if suffix not in (".csv", ".txt"):
        raise _fail(
            filename, f'filtypen "{suffix or "(ingen)"}" går inte att läsa; använd .csv eller .xlsx'
        )
    if content.startswith(_ZIP_MAGIC):
        raise _fail(
            filename,
            f"filen är en Excel-fil (.xlsx) men heter {suffix}; "
            f"byt filändelsen till .xlsx, eller {_SAVE_AS_CSV}",
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(filename, f'filen är sparad som "Unicode-text" (UTF-16); {_SAVE_AS_CSV}')
    if _looks_binary(content[:4096]):
        raise _fail(filename, "filen är varken en CSV-fil (text) eller en Excel-fil (.xlsx)")
    return "csv"


def _looks_binary(sample: bytes) -> bool:
    """Text never holds NUL and hardly any other control bytes (tab and line ends aside)."""
    controls = sum(b < 32 and b not in b"\t\n\r\f" for b in sample)
    return b"\0" in sample or controls > len(sample) // 100


def _read_csv(content: bytes, filename: str) -> tuple[pd.DataFrame, str]:
    """The cells and the delimiter (';' if the header line has more of them than ',')."""
    body = content.removeprefix(_BOM)
    lines = _line_count(body)
    if lines > MAX_LINES:
        raise _fail(filename, _too_many_lines(_count(lines)))
    text = _decode(body, filename)
    sep = _separator(text)
    widest = _widest_line(body, sep, lines, filename)
    try:
        # names= wide enough for the longest line: a line with extra fields does not stop
        # pandas, it is reported with its line number later (or ignored if they are empty).
        cells = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            names=range(widest),
            dtype=object,  # Python strings: the checks use Python's own str and re semantics
            keep_default_na=False,
            skip_blank_lines=False,  # keeps the line numbers the user sees
        )
    except pd.errors.ParserError as exc:  # e.g. a quote that is never closed
        line = _parser_line(exc)
        message = "filen går inte att läsa som CSV"
        if "EOF inside string" in str(exc):
            message += ': ett citattecken (") på raden stängs aldrig'
        raise _fail(filename, message, line) from None
    return cells, sep


def _line_breaks(body: bytes) -> int:
    """How many line breaks: \\r\\n, \\r or \\n (as pandas reads them)."""
    return body.count(b"\n") + body.count(b"\r") - body.count(b"\r\n")


def _line_count(body: bytes) -> int:
    """The lines an editor shows: a last line needs no line break."""
    return _line_breaks(body) + (not body.endswith((b"\n", b"\r")))


def _separator(text: str) -> str:
    """';' if the header (the first line that is not blank) has more of them than ','."""
    first = re.search(r"\S", text)  # \s is exactly what str.strip() removes
    if first is None:
        return ","
    begin = max(text.rfind("\n", 0, first.start()), text.rfind("\r", 0, first.start())) + 1
    end = _LINE_BREAK.search(text, first.start())
    header = text[begin : end.start() if end else len(text)]
    return ";" if header.count(";") > header.count(",") else ","


def _widest_line(body: bytes, sep: str, lines: int, filename: str) -> int:
    """The most fields on a line; refuses a line of more than MAX_FIELDS, or more cells in all
    than MAX_CELLS."""
    fields = _fields_per_line(body, sep)
    widest = int(fields.max())
    if widest > MAX_FIELDS:
        at = int(np.argmax(fields > MAX_FIELDS))
        raise _fail(filename, _too_many_fields(int(fields[at])), at + 1)
    if lines * widest > MAX_CELLS:
        raise _fail(filename, _too_many_cells(_count(lines), widest))
    return widest


def _fields_per_line(body: bytes, sep: str) -> np.ndarray:
    """Separators + 1 on each line (quotes not minded, so never fewer than pandas finds)."""
    data = np.frombuffer(body, dtype=np.uint8)
    newline = data == ord("\n")
    breaks = newline | (data == ord("\r"))
    breaks[:-1] &= ~((data[:-1] == ord("\r")) & newline[1:])  # \r\n breaks once, at its \n
    ends = np.flatnonzero(breaks)
    line_of_sep = np.searchsorted(ends, np.flatnonzero(data == ord(sep)))
    return np.bincount(line_of_sep, minlength=ends.size + 1) + 1


def _decode(body: bytes, filename: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = (
            "filen är inte sparad som UTF-8: raden har ett tecken (troligen å, ä eller ö) som "
            f"inte är UTF-8; {_SAVE_AS_CSV} och ladda upp den igen"
        )
        raise _fail(filename, message, _line_breaks(body[: exc.start]) + 1) from None


def _parser_line(exc: Exception) -> int | None:
    """The line pandas names: "in line 7" counts from 1, "at row 6" from 0."""
    if found := re.search(r"line (\d+)", str(exc)):
        return int(found[1])
    if found := re.search(r"row (\d+)", str(exc)):
        return int(found[1]) + 1
    return None


def _read_xlsx(content: bytes, filename: str) -> pd.DataFrame:
    """The first sheet's cells as text, as pandas.read_excel(dtype=str) reads them, within the
    limits (checked on the unpacked bytes before openpyxl parses them)."""
    _check_xlsx_parts(content, filename)
    rows = _sheet_rows(content, filename)
    columns = itertools.zip_longest(*rows)  # each row padded to the widest
    text = {i: _excel_text(pd.Series(values, dtype=object)) for i, values in enumerate(columns)}
    return pd.DataFrame(text, index=pd.RangeIndex(len(rows)), dtype=object)


def _check_xlsx_parts(content: bytes, filename: str) -> None:
    """Refuse a workbook whose parts unpack too big, hold a DTD or more XML elements than
    MAX_XLSX_ELEMENTS: what openpyxl would parse is bounded before it starts."""
    parts = _unpacked_parts(content, filename)
    if any(dtd in part for part in parts for dtd in _DTD):
        raise _fail(
            filename,
            "Excel-filen innehåller en DTD (<!DOCTYPE>), som en Excel-arbetsbok aldrig har; "
            f"öppna den i Excel och spara den igen, eller {_SAVE_AS_CSV}",
        )
    # Every start tag begins with "<" not followed by "/": an upper bound on the elements.
    elements = sum(part.count(b"<") - part.count(b"</") for part in parts)
    if elements > MAX_XLSX_ELEMENTS:
        rows = _count(MAX_XLSX_ELEMENTS // (3 * len(OWN_COLUMNS)) // 1000 * 1000)
        raise _fail(
            filename,
            f"Excel-filen har för mycket innehåll för att läsas in (högst ungefär {rows} rader "
            f"med {len(OWN_COLUMNS)} kolumner); dela upp den, eller {_SAVE_AS_CSV} (högst "
            f"{_count(MAX_LINES)} rader)",
        )


def _unpacked_parts(content: bytes, filename: str) -> list[bytes]:
    broken = f"Excel-filen är trasig och går inte att läsa; {_SAVE_AS_CSV}"
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _fail(filename, broken) from None
    with archive:
        # zipfile never unpacks more than an entry claims, so the claims bound the work.
        if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
            raise _fail(
                filename, "Excel-filen är för stor uppackad; dela upp den eller spara som CSV"
            )
        try:
            return [archive.read(info) for info in archive.infolist()]
        except Exception:  # a bad checksum, an unknown compression, encryption, ...
            raise _fail(filename, broken) from None


def _sheet_rows(content: bytes, filename: str) -> list[tuple[Any, ...]]:
    """The values of the first sheet, row by row, within MAX_LINES, MAX_FIELDS and MAX_CELLS."""
    import openpyxl  # as pandas.read_excel does: only a file that is an .xlsx needs it

    unreadable = _fail(
        filename,
        "filen går inte att läsa som Excel-arbetsbok (.xlsx); öppna den i Excel och spara "
        f"den igen, eller {_SAVE_AS_CSV}",
    )
    with warnings.catch_warnings():  # openpyxl warns about features it skips (styles etc.)
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(content), read_only=True, data_only=True, keep_links=False
            )
        except Exception:  # openpyxl raises many types for a damaged or foreign zip
            raise unreadable from None
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # the size the file claims is not trusted (nor by pandas)
            return _bounded_rows(sheet.iter_rows(values_only=True), filename)
        except OwnMeasuresError:
            raise
        except Exception:
            raise unreadable from None
        finally:
            book.close()


def _bounded_rows(rows: Iterator[tuple[Any, ...]], filename: str) -> list[tuple[Any, ...]]:
    """The rows until one is past a limit (then refused). openpyxl hands the sheet over one
    row at a time, each parsed cell by cell in Python already: this loop adds little."""
    kept: list[tuple[Any, ...]] = []
    widest = 0
    for line, row in enumerate(rows, 1):
        widest = max(widest, len(row))
        if line > MAX_LINES:
            raise _fail(filename, _too_many_lines(f"fler än {_count(MAX_LINES)}"))
        if len(row) > MAX_FIELDS:
            raise _fail(filename, _too_many_fields(len(row)), line)
        if line * widest > MAX_CELLS:
            raise _fail(filename, _too_many_cells(f"minst {_count(line)}", widest))
        kept.append(row)
    return kept


def _excel_text(values: pd.Series) -> pd.Series:
    """Sheet values as text the way pandas.read_excel(dtype=str) gives them: a whole float
    without ".0", an empty cell "". (An error cell reads as its text, e.g. "#N/A".)"""
    floats = values.map(type).eq(float).to_numpy()
    whole = floats & values.where(floats, 0.5).map(float.is_integer).to_numpy(dtype=bool)
    text = values.map(str, na_action="ignore").astype(object)
    text[whole] = values[whole].map(int).map(str)
    return text.fillna("")


# --- the header row --------------------------------------------------------------------------


def _split_header(cells: pd.DataFrame, filename: str, hint: str) -> tuple[pd.DataFrame, _Found]:
    """The data rows under the header, columns named by it, index = line number; and the lines
    with values outside the header's columns (left out: their fields are likely shifted)."""
    filled = cells.ne("")
    if not filled.to_numpy().any():
        raise _fail(filename, "filen är tom")
    header_at = int(filled.any(axis=1).to_numpy().argmax())  # blank lines above it are allowed
    names = [str(name).lower() for name in cells.iloc[header_at]]
    problems = _header_problems(names, header_at + 1)
    if problems:  # the rows cannot be read reliably under a wrong header
        raise OwnMeasuresError(filename, problems)
    body = cells.iloc[header_at + 1 :]
    body.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(body))
    strays = _stray_values(body, names, hint)
    body = body.loc[:, [bool(name) for name in names]].drop(index=strays.lines)
    body.columns = [name for name in names if name]
    body = body[body.ne("").any(axis=1)]  # completely empty rows are skipped
    if body.empty and not strays.lines.size:
        raise _fail(filename, "filen har bara en rubrikrad och inga rader med värden")
    return body, strays


def _stray_values(body: pd.DataFrame, names: list[str], hint: str) -> _Found:
    """A problem for each line with a value in a column without a header name."""
    unnamed = [i for i, name in enumerate(names) if not name]
    if not unnamed:
        return _NOTHING
    values = body.iloc[:, unnamed].to_numpy(dtype=object)
    filled = values != ""
    rows = np.flatnonzero(filled.any(axis=1))
    first = filled[rows].argmax(axis=1)  # the first such value on each of those lines

    def word(k: int) -> str:
        value, column = values[rows[k], first[k]], _column_letter(unnamed[first[k]])
        return f"raden har värdet {_quoted(value)} i kolumn {column}, som saknar rubrik{hint}"

    return _Found(body.index.to_numpy()[rows], word)


def _header_problems(names: list[str], line: int) -> list[Problem]:
    problems = []
    for i, name in enumerate(names):
        column = f"kolumn {_column_letter(i)}"
        if name and names.index(name) < i:
            first = _column_letter(names.index(name))
            problems.append(
                (line, f"kolumnen {_quoted(name)} finns två gånger ({first} och {column})")
            )
        elif name and name not in OWN_COLUMNS:
            problems.append(
                (
                    line,
                    f"okänd kolumn {_quoted(name)} ({column}{_did_you_mean(name)}); "
                    f"tillåtna kolumner: {', '.join(OWN_COLUMNS)}",
                )
            )
    missing = [c for c in OWN_COLUMNS if c in REQUIRED_COLUMNS and c not in names]
    if missing:
        quoted = ", ".join(f'"{c}"' for c in missing)
        problems.append((line, f"obligatoriska kolumner saknas: {quoted}"))
    return problems


def _column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _did_you_mean(name: str) -> str:
    # A name twice as long as every column is never 0.7 alike (2 x matches / both lengths):
    # not asking spares difflib, whose cost grows with the name (5 MB took a second).
    if len(name) > 2 * max(map(len, OWN_COLUMNS)):
        return ""
    close = difflib.get_close_matches(name, OWN_COLUMNS, n=1, cutoff=0.7)
    return f'; menade du "{close[0]}"?' if close else ""


def _quoted(raw: str) -> str:
    return f'"{raw}"' if len(raw) <= 60 else f'"{raw[:57]}…"'


# --- the cells: one column at a time, every row at once ------------------------------------
# A column's rules are (mask, reason) pairs; a cell is reported for the first rule it fails,
# as "<column> "<value>" <reason>". A reason is text, or words it from the row's position.

_Reason = str | Callable[[int], str]
_Rule = tuple[Any, _Reason]  # the mask: a numpy or pandas array of bool, one per row


def _fullmatch(raw: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    return raw.str.fullmatch(pattern.pattern, flags=pattern.flags).to_numpy(dtype=bool)


def _measure_ids(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    def configured(i: int) -> str:
        where = ctx.config_measures[raw.iat[i]]
        return f"är redan id för ett mått i konfigurationen ({where}); välj ett annat id"

    return raw, [
        (
            _fullmatch(raw, _KOLADA_ID),
            "ser ut som ett nyckeltals-id i Kolada; välj ett eget id, t.ex. familj-nojd",
        ),
        (
            ~_fullmatch(raw, _MEASURE_ID),
            "får bara innehålla a–z, 0–9, - och _ (inga versaler, å, ä, ö eller mellanslag), "
            "ska börja med en bokstav och vara högst 40 tecken",
        ),
        (raw.isin(list(ctx.config_measures)), configured),
    ]


def _areas(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    def unknown(i: int) -> str:
        by_label = [a.id for a in ctx.areas.values() if a.label.casefold() == raw.iat[i].casefold()]
        hint = f' (menade du "{by_label[0]}"?)' if by_label else ""
        return f"är inget område{hint}; tillåtna: {', '.join(ctx.areas)}"

    lower = raw.str.lower()
    return lower, [(~lower.isin(list(ctx.areas)), unknown)]


def _municipalities(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    def too_short(i: int) -> str:
        return (
            f'har för få siffror: kommunkoder har 4 siffror, t.ex. "{raw.iat[i].zfill(4)}" '
            "(formatera kolumnen som text i Excel så att nollan först finns kvar)"
        )

    def no_code(i: int) -> str:
        name = raw.iat[i].casefold()
        by_name = [
            m for m, (t, k) in ctx.municipalities.items() if k == "K" and t.casefold() == name
        ]
        hint = f' ({raw.iat[i]} har koden "{by_name[0]}")' if by_name else ""
        return f'är ingen kommunkod; ange 4 siffror, t.ex. "0883"{hint}'

    kinds = raw.map(ctx.municipality_types)
    return raw, [
        (_fullmatch(raw, _DIGITS) & raw.str.len().lt(4).to_numpy(), too_short),
        (~_fullmatch(raw, _MUNICIPALITY_ID), no_code),
        (kinds.isna(), "finns inte bland Koladas kommuner"),
        (kinds.ne("K"), lambda i: f"är ingen kommun ({ctx.municipalities[raw.iat[i]][0]})"),
    ]


def _whole_numbers(text: pd.Series, max_digits: int) -> pd.Series:
    """The value of each cell of ASCII digits with at most `max_digits` after leading zeros;
    NaN for any other (int() of 5000 digits is refused, and slow)."""
    short = _fullmatch(text, _DIGITS) & text.str.lstrip("0").str.len().le(max_digits).to_numpy()
    return pd.to_numeric(text.where(short), errors="coerce")


def _years(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    low, high = YEARS
    years = _whole_numbers(raw, 4)
    return years, [(~years.between(low, high), f"är inget årtal (ett heltal {low}–{high})")]


def _numbers(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    # Swedish writing: decimal comma, (non-breaking) spaces between thousands, − as minus.
    text = raw.str.replace(r"\s", "", regex=True).str.replace("\u2212", "-", regex=False)
    comma = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
    text = text.mask(comma, text.str.replace(",", ".", regex=False))
    number = _fullmatch(text, _NUMBER)
    values = np.full(len(raw), np.nan)
    values[number] = text[number].to_numpy(dtype=object).astype(np.float64)  # float() each

    def not_a_number(i: int) -> str:
        hint = (
            " (skriv bara talet; enheten anges i kolumnen matt_enhet)" if "%" in raw.iat[i] else ""
        )
        return f"är inte ett tal{hint}"

    return pd.Series(values), [
        (~number, not_a_number),
        (~np.isfinite(values), "är ett för stort tal"),
    ]


def _yes_no(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    values = raw.str.lower().map(_BOOLEANS)
    return values, [(values.isna(), "ska vara ja eller nej")]


def _respondents(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    text = raw.str.replace(r"\s", "", regex=True)
    counts = _whole_numbers(text, len(str(MAX_RESPONDENTS)))  # also keeps it within Int64
    return counts, [
        (~_fullmatch(text, _DIGITS), "ska vara ett heltal, 0 eller större"),
        (~counts.le(MAX_RESPONDENTS), "är orimligt många svarande"),
    ]


def _text(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    return raw, []


# Column -> (parser, value when the cell is empty; _REQUIRED = the cell must be filled).
_Parser = Callable[[pd.Series, _Context], tuple[pd.Series, list[_Rule]]]
_REQUIRED = object()
_FIELDS: dict[str, tuple[_Parser, Any]] = {
    "matt_id": (_measure_ids, _REQUIRED),
    "namn": (_text, _REQUIRED),
    "omrade": (_areas, _REQUIRED),
    "kommun": (_municipalities, _REQUIRED),
    "ar": (_years, _REQUIRED),
    "varde": (_numbers, _REQUIRED),
    "hogre_ar_battre": (_yes_no, _REQUIRED),
    "svarande": (_respondents, None),
    "matt_enhet": (_text, ""),
}


@dataclass(frozen=True)
class _Column:
    """One column checked: its values (meaningful where `ok`) and its problems."""

    values: pd.Series
    ok: np.ndarray
    found: list[_Found]


def _check_column(column: str, raw: pd.Series, lines: np.ndarray, ctx: _Context) -> _Column:
    parse, default = _FIELDS[column]
    filled = raw.ne("").to_numpy()
    values, rules = _per_distinct_text(raw, parse, ctx)
    found, bad = _apply_rules(column, raw, lines, rules, checked=filled)
    if default is _REQUIRED:
        missing = _found(~filled, lines, lambda i: f"{column} saknas")
        return _Column(values, filled & ~bad, [missing, *found])
    return _Column(values.where(filled, default), ~bad, found)


def _per_distinct_text(
    raw: pd.Series, parse: _Parser, ctx: _Context
) -> tuple[pd.Series, list[_Rule]]:
    """`parse` run once per distinct text of the column (a file repeats most of them: areas,
    municipalities, years), its values and rules spread back to the rows."""
    codes, distinct = pd.factorize(raw)
    values, rules = parse(pd.Series(distinct, dtype=object), ctx)
    rows = [
        (np.asarray(mask, dtype=bool)[codes], _per_row(reason, codes)) for mask, reason in rules
    ]
    return pd.Series(values.to_numpy()[codes], dtype=values.dtype), rows


def _per_row(reason: _Reason, codes: np.ndarray) -> _Reason:
    if isinstance(reason, str):
        return reason
    return lambda i: reason(int(codes[i]))


def _apply_rules(
    column: str, raw: pd.Series, lines: np.ndarray, rules: list[_Rule], checked: np.ndarray
) -> tuple[list[_Found], np.ndarray]:
    """The problems of the `checked` cells and which cells have one."""
    found, bad = [], np.zeros(len(raw), dtype=bool)
    for mask, reason in rules:
        failed = np.asarray(mask, dtype=bool) & checked & ~bad
        bad |= failed
        found.append(_found(failed, lines, _wording(column, raw, reason)))
    return found, bad


def _wording(column: str, raw: pd.Series, reason: _Reason) -> Callable[[int], str]:
    def word(i: int) -> str:
        text = reason if isinstance(reason, str) else reason(i)
        return f"{column} {_quoted(raw.iat[i])} {text}"

    return word


def _check_units(
    raw: pd.Series, lines: np.ndarray, municipality: _Column, area: _Column, ctx: _Context
) -> _Column:
    """enhet: an OU id or an exact title within the row's municipality and area (checked only
    when both of them could be read). The value is the OU id, None for the whole municipality."""
    filled = raw.ne("").to_numpy()
    checked = filled & municipality.ok & area.ok
    if not checked.any():  # most files: no unit named, no unit index built
        return _Column(pd.Series(None, index=raw.index, dtype=object), ~filled, [])
    rows = _UnitRows(raw, municipality.values, area.values, ctx)
    titled = _units_by_title(raw, rows.owners, rows.prefixes, checked & ~rows.known, ctx.units)
    found, bad = _apply_rules("enhet", raw, lines, rows.rules(titled), checked)
    values = rows.ou_ids.where(rows.known, titled["first"]).where(filled, None)
    return _Column(values, ~filled | (checked & ~bad), found)


class _UnitRows:
    """The enhet cells looked up as OU ids, and the rules they are held to."""

    def __init__(self, raw: pd.Series, owners: pd.Series, areas: pd.Series, ctx: _Context):
        self.ctx, self.owners, self.areas = ctx, owners, areas
        self.prefixes = areas.map(ctx.ou_prefixes)
        upper, by_id = raw.str.upper(), ctx.units.by_id
        self.ou_ids, self.ou_owners = upper.map(by_id["ou_id"]), upper.map(by_id["owner"])
        self.known = self.ou_ids.notna().to_numpy()

    def rules(self, titled: pd.DataFrame) -> list[_Rule]:
        known, n_titled = self.known, titled["count"].to_numpy()
        other_owner = known & self.ou_owners.ne(self.owners).to_numpy()
        other_area = known & self.ou_ids.str[:3].str.upper().ne(self.prefixes).to_numpy()
        return [
            (other_owner, self._other_owner),
            (other_area, self._other_area),
            (~known & (n_titled > 1), lambda i: self._several(i, titled["key"].iat[i])),
            (~known & (n_titled == 0), self._unknown),
        ]

    def _where(self, i: int) -> str:
        label = self.ctx.areas[self.areas.iat[i]].label
        return f"{label} i {self.ctx.municipality_name(self.owners.iat[i])}"

    def _other_owner(self, i: int) -> str:
        owner = self.ctx.municipality_name(self.ou_owners.iat[i])
        return f"hör till {owner}, inte till {self._where(i)}"

    def _other_area(self, i: int) -> str:
        area = self.ctx.areas[self.areas.iat[i]]
        return f"är ingen enhet inom {area.label} ({area.ou_prefix}…)"

    def _several(self, i: int, key: str) -> str:
        ids = self.ctx.units.titled(self.owners.iat[i], self.prefixes.iat[i], key)
        return (
            f"är namnet på flera enheter inom {self._where(i)} ({', '.join(ids)}); "
            "ange enhetens Kolada-id i stället"
        )

    def _unknown(self, i: int) -> str:
        return (
            f"finns inte bland enheterna inom {self._where(i)}; ange enhetens Kolada-id "
            f"(t.ex. {self.prefixes.iat[i]}E…) eller exakta namn som i Kolada"
        )


def _units_by_title(
    raw: pd.Series, owners: pd.Series, prefixes: pd.Series, rows: np.ndarray, units: _Units
) -> pd.DataFrame:
    """For `rows`, the title `key` of `raw` and how many units within the row's municipality
    and area have it (`count`; 0 elsewhere) and the `first` of them."""
    pick = np.flatnonzero(rows)
    keys = [owners.iloc[pick], prefixes.iloc[pick], _title_keys(raw.iloc[pick])]
    matches = units.by_title.reindex(pd.MultiIndex.from_arrays(keys)).assign(key=keys[2].to_numpy())
    titled = matches.set_axis(raw.index[pick]).reindex(raw.index)
    return titled.assign(count=titled["count"].fillna(0))


# --- the rows: what a row must agree with in other rows ------------------------------------

_SAME_ON_EVERY_ROW = ("namn", "omrade", "hogre_ar_battre", "matt_enhet")
_ROW_KEY = ("matt_id", "kommun", "enhet", "ar")


def _check(body: pd.DataFrame, ctx: _Context) -> tuple[dict[str, _Column], list[_Found]]:
    """Every column of the body checked; the problems in the order of a line's messages."""
    lines = body.index.to_numpy()
    raw = {
        column: body[column].reset_index(drop=True)
        if column in body
        else pd.Series("", index=pd.RangeIndex(len(body)), dtype=object)
        for column in OWN_COLUMNS
    }
    columns = {column: _check_column(column, raw[column], lines, ctx) for column in _FIELDS}
    columns["enhet"] = _check_units(raw["enhet"], lines, columns["kommun"], columns["omrade"], ctx)
    found = [f for column in columns.values() for f in column.found]
    found += [
        _inconsistent(column, raw[column], columns[column], columns["matt_id"], lines)
        for column in _SAME_ON_EVERY_ROW
    ]
    found.append(_duplicates(columns, lines))
    return columns, found


def _first_of_group(keys: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """For each of `rows`, the first of them with the same keys."""
    frame = pd.DataFrame({i: key for i, key in enumerate(keys)}).assign(row=rows)
    return frame.groupby(list(range(len(keys))), sort=False)["row"].transform("first").to_numpy()


def _inconsistent(
    column: str, raw: pd.Series, checked: _Column, measure: _Column, lines: np.ndarray
) -> _Found:
    """A measure's label, area, direction and unit must agree with its first row (the first
    where both could be read)."""
    rows = np.flatnonzero(measure.ok & checked.ok)
    if not rows.size:
        return _NOTHING
    first = np.zeros(len(raw), dtype=np.int64)
    first[rows] = _first_of_group([measure.values.to_numpy(dtype=object)[rows]], rows)
    values = checked.values.to_numpy(dtype=object)
    differs = np.zeros(len(raw), dtype=bool)
    differs[rows] = values[rows] != values[first[rows]]

    def word(i: int) -> str:
        f = first[i]
        return (
            f"{column} {_quoted(raw.iat[i])} skiljer sig från {_quoted(raw.iat[f])} på rad "
            f'{lines[f]}; matt_id "{measure.values.iat[i]}" ska ha samma {column} på alla rader'
        )

    return _found(differs, lines, word)


def _duplicates(columns: dict[str, _Column], lines: np.ndarray) -> _Found:
    """Each (measure, municipality, unit, year) once: later rows name the first."""
    rows = np.flatnonzero(np.logical_and.reduce([columns[c].ok for c in _ROW_KEY]))
    if not rows.size:
        return _NOTHING
    keys = [columns[c].values.to_numpy(dtype=object)[rows] for c in _ROW_KEY]
    keys[2] = np.where(pd.isna(keys[2]), "", keys[2])  # None (the whole municipality) groups too
    first = np.zeros(len(lines), dtype=np.int64)
    first[rows] = _first_of_group(keys, rows)
    repeated = np.zeros(len(lines), dtype=bool)
    repeated[rows] = first[rows] != rows
    return _found(
        repeated, lines, lambda i: f"samma matt_id, kommun, enhet och ar som rad {lines[first[i]]}"
    )


def _records(columns: dict[str, _Column], lines: np.ndarray, source: str) -> pd.DataFrame:
    values = {column: checked.values for column, checked in columns.items()}
    frame = pd.DataFrame(
        {
            "measure_id": values["matt_id"],
            "label": values["namn"],
            "area": values["omrade"],
            "municipality_id": values["kommun"],
            "ou_id": values["enhet"],
            "year": values["ar"],
            "value": values["varde"],
            "higher_is_better": values["hogre_ar_battre"],
            "respondents": values["svarande"],
            "unit": values["matt_enhet"],
            "source": source,
            "line": lines,
        }
    )
    return typed_frame(frame, RESULT_COLUMNS)


def _empty_frame() -> pd.DataFrame:
    return typed_frame([], RESULT_COLUMNS)


# --- public API ------------------------------------------------------------------------------


def read_own_measures(
    content: bytes,
    filename: str,
    *,
    config: AppConfig,
    ous: pd.DataFrame,
    municipalities: pd.DataFrame,
) -> pd.DataFrame:
    """The validated rows of one file (RESULT_COLUMNS; `source` = `filename`). Raises
    OwnMeasuresError naming every problem in the file; nothing of a bad file is returned."""
    return _read(content, filename, _Context(config, ous, municipalities))


def _read(content: bytes, filename: str, ctx: _Context) -> pd.DataFrame:
    cells, hint = _read_cells(content, filename)
    body, strays = _split_header(cells, filename, hint)
    columns, found = _check(body, ctx)
    _refuse_if_any(filename, [strays, *found])
    return _records(columns, body.index.to_numpy(), filename)


def load_folder(
    folder: Path,
    *,
    config: AppConfig,
    ous: pd.DataFrame,
    municipalities: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, OwnMeasuresError]]:
    """Every .csv/.xlsx file directly in `folder`, by name. Returns the rows of the good files
    and the error of each rejected file by file name. A file is rejected whole, also when it
    repeats a value of an earlier (accepted) file or gives one of its measures another name,
    area, direction or unit. A missing folder has no files."""
    return _load_files(_folder_files(Path(folder)), _Context(config, ous, municipalities))


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [
        path
        for path in folder.iterdir()
        if path.suffix.lower() in FILE_SUFFIXES and not path.name.startswith(".") and path.is_file()
    ]
    return sorted(files, key=lambda path: path.name)


def _load_files(
    paths: list[Path], ctx: _Context
) -> tuple[pd.DataFrame, dict[str, OwnMeasuresError]]:
    accepted = _empty_frame()
    errors: dict[str, OwnMeasuresError] = {}
    for path in paths:
        try:
            frame = _read(_read_bytes(path), path.name, ctx)
            _refuse_if_any(path.name, _conflicts(frame, accepted))
        except OwnMeasuresError as exc:
            errors[path.name] = exc
            continue
        # (concat with an empty frame would warn about its dtypes)
        accepted = frame if accepted.empty else pd.concat([accepted, frame], ignore_index=True)
    return accepted, errors


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # checked before reading a huge file into memory
            raise _fail(path.name, too_large_message(size))
        return path.read_bytes()
    except OSError as exc:
        raise _fail(path.name, f"filen går inte att läsa ({exc.strerror or exc})") from None


_KEY = ["measure_id", "municipality_id", "ou_id", "year"]
_SAME_FOR_A_MEASURE = {
    "label": "namn",
    "area": "omrade",
    "higher_is_better": "hogre_ar_battre",
    "unit": "matt_enhet",
}


def _conflicts(new: pd.DataFrame, accepted: pd.DataFrame) -> list[_Found]:
    """What `new` (one file) contradicts in `accepted` (other files), as problems of `new`."""
    if new.empty or accepted.empty:
        return []
    return [*_measure_conflicts(new, accepted), _duplicate_conflicts(new, accepted)]


def _measure_conflicts(new: pd.DataFrame, accepted: pd.DataFrame) -> list[_Found]:
    pairs = new.drop_duplicates("measure_id").merge(
        accepted.drop_duplicates("measure_id"), on="measure_id", suffixes=("", "_other")
    )
    lines = pairs["line"].to_numpy()
    return [
        _found((pairs[field] != pairs[f"{field}_other"]).to_numpy(), lines, _renamed(pairs, field))
        for field in _SAME_FOR_A_MEASURE
    ]


def _renamed(pairs: pd.DataFrame, field: str) -> Callable[[int], str]:
    column = _SAME_FOR_A_MEASURE[field]

    def word(i: int) -> str:
        row = pairs.iloc[i]
        return (
            f'matt_id "{row["measure_id"]}" har {column} '
            f"{_shown(row[field])} men {_shown(row[f'{field}_other'])} i filen "
            f"{row['source_other']} (rad {row['line_other']}); ett mått ska ha "
            f"samma {column} i alla filer"
        )

    return word


def _duplicate_conflicts(new: pd.DataFrame, accepted: pd.DataFrame) -> _Found:
    # NaN ou_id (the whole municipality) must match NaN: compare on a filled copy.
    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(ou_id=frame["ou_id"].fillna(""))

    same = keyed(new).merge(keyed(accepted), on=_KEY, suffixes=("", "_other"))
    return _found(
        np.ones(len(same), dtype=bool),
        same["line"].to_numpy(),
        lambda i: (
            f"samma matt_id, kommun, enhet och ar finns redan i filen "
            f"{same['source_other'].iat[i]} (rad {same['line_other'].iat[i]})"
        ),
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "ja" if value else "nej"
    return _quoted(str(value))


def safe_filename(filename: str) -> str:
    """The name an upload is stored under: the base name in A–Z, a–z, 0–9, '.', '_' and '-'
    (å, ä, ö -> a, a, o; spaces -> _), never a dot-file, with the extension .xlsx or .csv."""
    base = re.split(r"[/\\]", filename)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"\s+", "_", ascii_stem.strip())
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]", "", ascii_stem).lstrip("._-")[:100]
    extension = ".xlsx" if suffix.lower() == "xlsx" else ".csv"
    return (ascii_stem or "egna-matt") + extension


def save_upload(
    folder: Path,
    filename: str,
    content: bytes,
    *,
    config: AppConfig,
    ous: pd.DataFrame,
    municipalities: pd.DataFrame,
) -> Path:
    """Validate an uploaded file, also against the good files already in `folder` (an existing
    file of the same stored name is replaced, so it is left out), then write it atomically.
    Raises OwnMeasuresError (naming `filename`) and writes nothing if the file cannot be used.
    Returns the written path."""
    folder = Path(folder)
    ctx = _Context(config, ous, municipalities)
    frame = _read(content, filename, ctx)
    name = safe_filename(filename)
    others, _ = _load_files([p for p in _folder_files(folder) if p.name != name], ctx)
    _refuse_if_any(filename, _conflicts(frame, others))
    return _write_atomically(folder, name, content)


def _write_atomically(folder: Path, name: str, content: bytes) -> Path:
    """A reader sees the old file or the new one, never half of it (temp file + os.replace)."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / name
    if dest.parent.resolve() != folder.resolve() or name.startswith("."):
        raise ValueError(f"unsafe file name {name!r}")  # safe_filename never makes one
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the web server reads it too
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return dest


# Two example rows for Västervik: the whole municipality, and a real home-care unit of the
# bundled snapshot (V21E12398, Gunnebo Hemtjänst; an OU id outlives a renamed title).
_TEMPLATE_ROWS = (
    "exempel-nojd;Exempel: Nöjd med stödet;hemtjanst;0883;;2024;85,5;ja;120;%",
    "exempel-nojd;Exempel: Nöjd med stödet;hemtjanst;0883;V21E12398;2024;78;ja;35;%",
)


def template_csv() -> bytes:
    """An example file to fill in: UTF-8 with BOM (so Excel reads å, ä, ö right), ';'-separated
    (what Swedish Excel expects), a header and two example rows."""
    lines = (";".join(OWN_COLUMNS), *_TEMPLATE_ROWS)
    return "".join(f"{line}\r\n" for line in lines).encode("utf-8-sig")
