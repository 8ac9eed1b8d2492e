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
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import io
import math
import os
import re
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import KPI_ID_PATTERN, AppConfig, Area
from .kolada.frames import typed_frame

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
MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: 5 MB packed can unpack to gigabytes. No real sheet of values needs this.
MAX_XLSX_UNPACKED = 50 * 1024 * 1024
MAX_FIELDS = 200  # per CSV line; bounds the frame pandas allocates for a hostile file
MAX_PROBLEMS = 200
YEARS = (1990, 2100)
MAX_RESPONDENTS = 100_000_000

Problem = tuple[int | None, str]

_MEASURE_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}", re.ASCII)
_KOLADA_ID = re.compile(KPI_ID_PATTERN, re.ASCII | re.IGNORECASE)
_MUNICIPALITY_ID = re.compile(r"\d{4}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", re.ASCII | re.IGNORECASE)
_BOOLEANS = {"ja": True, "nej": False, "true": True, "false": False, "1": True, "0": False}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as pandas reads CSV (an old Mac file ends lines in \r)
_BOM = b"\xef\xbb\xbf"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # old .xls, and password-protected .xlsx
_SAVE_AS_CSV = 'spara den från Excel som "CSV UTF-8 (kommaavgränsad)"'


class OwnMeasuresError(ValueError):
    """A file of own measures cannot be used. `problems` holds (line, message) pairs; line 1 is
    the header row, None a problem of the whole file."""

    def __init__(self, filename: str, problems: Iterable[Problem]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], (None, f"… och {more} fel till")]
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(_problem_text(filename, p) for p in problems))


def _problem_text(filename: str, problem: Problem) -> str:
    line, message = problem
    return f"{filename}: {message}" if line is None else f"{filename}: rad {line}: {message}"


def _fail(filename: str, message: str, line: int | None = None) -> OwnMeasuresError:
    return OwnMeasuresError(filename, [(line, message)])


# --- the lookups the rows are checked against -----------------------------------------------


class _Context:
    """What the cells are checked against, indexed once per file or folder."""

    def __init__(self, config: AppConfig, ous: pd.DataFrame, municipalities: pd.DataFrame) -> None:
        self.areas: dict[str, Area] = {a.id: a for a in config.areas}
        self.municipalities: dict[str, tuple[str, str]] = {  # id -> (title, type)
            i: (t, k) for i, t, k in municipalities[["id", "title", "type"]].itertuples(index=False)
        }
        self.config_measures = _config_measures(config)
        self._ous = ous

    @functools.cached_property
    def units(self) -> _Units:
        """Indexed when a row names a unit (most files may not: the whole municipality)."""
        return _Units.build(self._ous)

    def municipality_name(self, municipality_id: str) -> str:
        title = self.municipalities.get(municipality_id, ("kommun",))[0]
        return f"{title} ({municipality_id})"


@dataclass(frozen=True)
class _Units:
    by_id: dict[str, tuple[str, str]]  # upper-case OU id -> (OU id, municipality id)
    by_title: dict[tuple[str, str, str], list[str]]  # (municipality, prefix, title key) -> ids

    @classmethod
    def build(cls, ous: pd.DataFrame) -> _Units:
        ids, owners = ous["id"].tolist(), ous["municipality_id"].tolist()
        by_title: dict[tuple[str, str, str], list[str]] = {}
        for ou_id, owner, title in zip(ids, owners, ous["title"].tolist(), strict=True):
            by_title.setdefault((owner, ou_id[:3].upper(), _title_key(title)), []).append(ou_id)
        by_id = {i.upper(): (i, m) for i, m in zip(ids, owners, strict=True)}
        return cls(by_id, by_title)


def _config_measures(config: AppConfig) -> dict[str, str]:
    """Configured measure id -> where it is first used ("Hemtjänst: Trygghet")."""
    found: dict[str, str] = {}
    for area in config.areas:
        for measure in area.measures:
            found.setdefault(measure.id, f"{area.label}: {measure.label}")
    return found


def _title_key(title: str) -> str:
    """Unit titles match case-insensitively and whatever the spacing."""
    return " ".join(title.split()).casefold()


# --- reading the file into text cells --------------------------------------------------------


def _read_cells(content: bytes, filename: str) -> tuple[pd.DataFrame, str]:
    """Every cell of the file as stripped text (row i of the frame is line i + 1), and a hint
    for a line with more fields than the header has columns."""
    if len(content) > MAX_BYTES:
        size = len(content) / 1024 / 1024
        raise _fail(filename, f"filen är för stor ({size:.1f} MB); högst 5 MB går att läsa in")
    if not content.removeprefix(_BOM).strip():
        raise _fail(filename, "filen är tom")
    hint = ""
    if _file_kind(content, filename) == "xlsx":
        cells = _read_xlsx(content, filename)
    else:
        cells, sep = _read_csv(content, filename)
        if sep == ",":  # the usual cause: 85,5 unquoted in a comma-separated file
            hint = '; i en kommaavgränsad fil skrivs decimaltal med punkt eller inom "citattecken"'
    return cells.map(lambda cell: cell.strip() if isinstance(cell, str) else ""), hint


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
    text = _decode(content, filename)
    lines = _LINE_BREAK.split(text)
    header = next((line for line in lines if line.strip()), "")
    sep = ";" if header.count(";") > header.count(",") else ","
    counts = [line.count(sep) for line in lines]
    if max(counts) >= MAX_FIELDS:
        line = next(i for i, n in enumerate(counts, 1) if n >= MAX_FIELDS)
        raise _fail(filename, f"raden har fler än {MAX_FIELDS} fält", line)
    try:
        # names= wide enough for the longest line: a line with extra fields does not stop
        # pandas, it is reported with its line number later (or ignored if they are empty).
        cells = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            names=range(max(counts) + 1),
            dtype=str,
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


def _decode(content: bytes, filename: str) -> str:
    body = content.removeprefix(_BOM)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = len(_LINE_BREAK.findall(body[: exc.start].decode("ascii", "replace"))) + 1
        message = (
            "filen är inte sparad som UTF-8: raden har ett tecken (troligen å, ä eller ö) som "
            f"inte är UTF-8; {_SAVE_AS_CSV} och ladda upp den igen"
        )
        raise _fail(filename, message, line) from None


def _parser_line(exc: Exception) -> int | None:
    """The line pandas names: "in line 7" counts from 1, "at row 6" from 0."""
    if found := re.search(r"line (\d+)", str(exc)):
        return int(found[1])
    if found := re.search(r"row (\d+)", str(exc)):
        return int(found[1]) + 1
    return None


def _read_xlsx(content: bytes, filename: str) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _fail(
            filename, f"Excel-filen är trasig och går inte att läsa; {_SAVE_AS_CSV}"
        ) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise _fail(filename, "Excel-filen är för stor uppackad; dela upp den eller spara som CSV")
    try:
        with warnings.catch_warnings():  # openpyxl warns about features it skips (styles etc.)
            warnings.simplefilter("ignore")
            return pd.read_excel(
                io.BytesIO(content),
                sheet_name=0,
                header=None,
                dtype=str,
                keep_default_na=False,
                engine="openpyxl",
            )
    except Exception:  # openpyxl raises many types for a damaged or foreign zip
        raise _fail(
            filename,
            "filen går inte att läsa som Excel-arbetsbok (.xlsx); öppna den i Excel och spara "
            f"den igen, eller {_SAVE_AS_CSV}",
        ) from None


# --- the header row --------------------------------------------------------------------------


def _split_header(
    cells: pd.DataFrame, filename: str, hint: str
) -> tuple[pd.DataFrame, list[Problem]]:
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
    body = body.loc[:, [bool(name) for name in names]].drop(index=[line for line, _ in strays])
    body.columns = [name for name in names if name]
    body = body[body.ne("").any(axis=1)]  # completely empty rows are skipped
    if body.empty and not strays:
        raise _fail(filename, "filen har bara en rubrikrad och inga rader med värden")
    return body, strays


def _stray_values(body: pd.DataFrame, names: list[str], hint: str) -> list[Problem]:
    """A problem for each line with a value in a column without a header name."""
    unnamed = [i for i, name in enumerate(names) if not name]
    problems = []
    for line, values in zip(body.index, body.iloc[:, unnamed].to_numpy(), strict=True):
        filled = np.flatnonzero(values != "")
        if filled.size:
            value, column = values[filled[0]], _column_letter(unnamed[filled[0]])
            message = f"raden har värdet {_quoted(value)} i kolumn {column}, som saknar rubrik"
            problems.append((int(line), message + hint))
    return problems


def _header_problems(names: list[str], line: int) -> list[Problem]:
    problems = []
    for i, name in enumerate(names):
        column = f"kolumn {_column_letter(i)}"
        if name and names.index(name) < i:
            first = _column_letter(names.index(name))
            problems.append((line, f'kolumnen "{name}" finns två gånger ({first} och {column})'))
        elif name and name not in OWN_COLUMNS:
            problems.append(
                (
                    line,
                    f'okänd kolumn "{name}" ({column}{_did_you_mean(name)}); '
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
    close = difflib.get_close_matches(name, OWN_COLUMNS, n=1, cutoff=0.7)
    return f'; menade du "{close[0]}"?' if close else ""


# --- one cell at a time ----------------------------------------------------------------------


class _Invalid(ValueError):
    """A cell's value is wrong; the message follows the column name and the quoted value."""


def _quoted(raw: str) -> str:
    return f'"{raw}"' if len(raw) <= 60 else f'"{raw[:57]}…"'


def _measure_id(raw: str, ctx: _Context) -> str:
    if _KOLADA_ID.fullmatch(raw):
        raise _Invalid("ser ut som ett nyckeltals-id i Kolada; välj ett eget id, t.ex. familj-nojd")
    if not _MEASURE_ID.fullmatch(raw):
        raise _Invalid(
            "får bara innehålla a–z, 0–9, - och _ (inga versaler, å, ä, ö eller mellanslag), "
            "ska börja med en bokstav och vara högst 40 tecken"
        )
    if raw in ctx.config_measures:
        raise _Invalid(
            f"är redan id för ett mått i konfigurationen ({ctx.config_measures[raw]}); "
            "välj ett annat id"
        )
    return raw


def _area(raw: str, ctx: _Context) -> str:
    if raw.lower() in ctx.areas:
        return raw.lower()
    by_label = [a.id for a in ctx.areas.values() if a.label.casefold() == raw.casefold()]
    hint = f' (menade du "{by_label[0]}"?)' if by_label else ""
    raise _Invalid(f"är inget område{hint}; tillåtna: {', '.join(ctx.areas)}")


def _municipality(raw: str, ctx: _Context) -> str:
    if raw.isascii() and raw.isdigit() and len(raw) < 4:
        raise _Invalid(
            f'har för få siffror: kommunkoder har 4 siffror, t.ex. "{raw.zfill(4)}" '
            "(formatera kolumnen som text i Excel så att nollan först finns kvar)"
        )
    if not _MUNICIPALITY_ID.fullmatch(raw):
        by_name = [
            i
            for i, (t, k) in ctx.municipalities.items()
            if k == "K" and t.casefold() == raw.casefold()
        ]
        hint = f' ({raw} har koden "{by_name[0]}")' if by_name else ""
        raise _Invalid(f'är ingen kommunkod; ange 4 siffror, t.ex. "0883"{hint}')
    if raw not in ctx.municipalities:
        raise _Invalid("finns inte bland Koladas kommuner")
    title, kind = ctx.municipalities[raw]
    if kind != "K":
        raise _Invalid(f"är ingen kommun ({title})")
    return raw


def _year(raw: str, ctx: _Context) -> int:
    low, high = YEARS
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        raise _Invalid(f"är inget årtal (ett heltal {low}–{high})")
    return int(raw)


def _number(raw: str, ctx: _Context) -> float:
    # Swedish writing: decimal comma, (non-breaking) spaces between thousands, − as minus.
    text = re.sub(r"\s", "", raw).replace("\u2212", "-")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        hint = " (skriv bara talet; enheten anges i kolumnen matt_enhet)" if "%" in raw else ""
        raise _Invalid(f"är inte ett tal{hint}")
    value = float(text)
    if not math.isfinite(value):
        raise _Invalid("är ett för stort tal")
    return value


def _yes_no(raw: str, ctx: _Context) -> bool:
    try:
        return _BOOLEANS[raw.lower()]
    except KeyError:
        raise _Invalid("ska vara ja eller nej") from None


def _respondents(raw: str, ctx: _Context) -> int:
    text = re.sub(r"\s", "", raw)
    if not (text.isascii() and text.isdigit()):
        raise _Invalid("ska vara ett heltal, 0 eller större")
    if int(text) > MAX_RESPONDENTS:  # also keeps it within Int64
        raise _Invalid("är orimligt många svarande")
    return int(text)


def _text(raw: str, ctx: _Context) -> str:
    return raw


# Column -> (parser, value when the cell is empty; _REQUIRED = the cell must be filled).
_REQUIRED = object()
_FIELDS: dict[str, tuple[Callable[[str, _Context], Any], Any]] = {
    "matt_id": (_measure_id, _REQUIRED),
    "namn": (_text, _REQUIRED),
    "omrade": (_area, _REQUIRED),
    "kommun": (_municipality, _REQUIRED),
    "ar": (_year, _REQUIRED),
    "varde": (_number, _REQUIRED),
    "hogre_ar_battre": (_yes_no, _REQUIRED),
    "svarande": (_respondents, None),
    "matt_enhet": (_text, ""),
}


def _unit(raw: str, municipality_id: str, area: Area, ctx: _Context) -> str:
    """The OU id that `raw` (an OU id or an exact title) names within the municipality and area."""
    where = f"{area.label} i {ctx.municipality_name(municipality_id)}"
    known = ctx.units.by_id.get(raw.upper())
    if known:
        ou_id, owner = known
        if owner != municipality_id:
            raise _Invalid(f"hör till {ctx.municipality_name(owner)}, inte till {where}")
        if ou_id[:3].upper() != area.ou_prefix:
            raise _Invalid(f"är ingen enhet inom {area.label} ({area.ou_prefix}…)")
        return ou_id
    matches = ctx.units.by_title.get((municipality_id, area.ou_prefix, _title_key(raw)), [])
    if len(matches) > 1:
        raise _Invalid(
            f"är namnet på flera enheter inom {where} ({', '.join(matches)}); "
            "ange enhetens Kolada-id i stället"
        )
    if not matches:
        raise _Invalid(
            f"finns inte bland enheterna inom {where}; ange enhetens Kolada-id "
            f"(t.ex. {area.ou_prefix}E…) eller exakta namn som i Kolada"
        )
    return matches[0]


# --- rows ------------------------------------------------------------------------------------


class _Rows:
    """Checks the rows in order, remembering what later rows must agree with: each measure's
    first label, area, direction and unit, and the lines of the (measure, municipality, unit,
    year) keys seen."""

    def __init__(self, ctx: _Context, source: str) -> None:
        self.ctx, self.source = ctx, source
        self.records: list[dict[str, Any]] = []
        self.problems: list[Problem] = []
        self.first: dict[tuple[str, str], tuple[int, str, Any]] = {}  # (measure, column)
        self.keys: dict[tuple[Any, ...], int] = {}

    def check(self, line: int, cells: dict[str, str]) -> None:
        values, errors = self._parse(cells)
        errors += self._inconsistencies(line, cells, values)
        errors += self._duplicate(line, values)
        self.problems += [(line, message) for message in errors]
        if not errors:
            self.records.append(_record(values, self.source, line))

    def _parse(self, cells: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
        """The values that could be read (a column is absent if not) and what is wrong."""
        values: dict[str, Any] = {}
        errors = []
        for column, (parse, default) in _FIELDS.items():
            raw = cells.get(column, "")
            if not raw and default is _REQUIRED:
                errors.append(f"{column} saknas")
            elif not raw:
                values[column] = default
            else:
                try:
                    values[column] = parse(raw, self.ctx)
                except _Invalid as exc:
                    errors.append(f"{column} {_quoted(raw)} {exc}")
        self._parse_unit(cells.get("enhet", ""), values, errors)
        return values, errors

    def _parse_unit(self, raw: str, values: dict[str, Any], errors: list[str]) -> None:
        if not raw:
            values["enhet"] = None
        elif "kommun" in values and "omrade" in values:  # else reported: cannot be checked
            area = self.ctx.areas[values["omrade"]]
            try:
                values["enhet"] = _unit(raw, values["kommun"], area, self.ctx)
            except _Invalid as exc:
                errors.append(f"enhet {_quoted(raw)} {exc}")

    def _inconsistencies(
        self, line: int, cells: dict[str, str], values: dict[str, Any]
    ) -> list[str]:
        """A measure's label, area, direction and unit must agree with its first row."""
        measure_id = values.get("matt_id")
        errors = []
        for column in ("namn", "omrade", "hogre_ar_battre", "matt_enhet"):
            if measure_id is None or column not in values:
                continue
            raw = cells.get(column, "")
            first_line, first_raw, first_value = self.first.setdefault(
                (measure_id, column), (line, raw, values[column])
            )
            if values[column] != first_value:
                errors.append(
                    f"{column} {_quoted(raw)} skiljer sig från {_quoted(first_raw)} på rad "
                    f'{first_line}; matt_id "{measure_id}" ska ha samma {column} på alla rader'
                )
        return errors

    def _duplicate(self, line: int, values: dict[str, Any]) -> list[str]:
        if not {"matt_id", "kommun", "enhet", "ar"} <= values.keys():
            return []
        key = (values["matt_id"], values["kommun"], values["enhet"], values["ar"])
        first_line = self.keys.setdefault(key, line)
        if first_line == line:
            return []
        return [f"samma matt_id, kommun, enhet och ar som rad {first_line}"]


def _record(values: dict[str, Any], source: str, line: int) -> dict[str, Any]:
    return {
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
        "line": line,
    }


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
    body, problems = _split_header(cells, filename, hint)
    rows = _Rows(ctx, filename)
    for line, cells in zip(body.index, body.to_dict("records"), strict=True):
        rows.check(int(line), cells)
    if problems or rows.problems:
        problems = sorted(problems + rows.problems, key=lambda p: p[0] or 0)
        raise OwnMeasuresError(filename, problems)
    return typed_frame(rows.records, RESULT_COLUMNS)


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
            problems = _conflicts(frame, accepted)
            if problems:
                raise OwnMeasuresError(path.name, problems)
        except OwnMeasuresError as exc:
            errors[path.name] = exc
            continue
        # (concat with an empty frame would warn about its dtypes)
        accepted = frame if accepted.empty else pd.concat([accepted, frame], ignore_index=True)
    return accepted, errors


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:  # checked before reading a huge file into memory
            raise _fail(path.name, "filen är för stor; högst 5 MB går att läsa in")
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


def _conflicts(new: pd.DataFrame, accepted: pd.DataFrame) -> list[Problem]:
    """What `new` (one file) contradicts in `accepted` (other files), as problems of `new`."""
    if new.empty or accepted.empty:
        return []
    problems = _measure_conflicts(new, accepted) + _duplicate_conflicts(new, accepted)
    return sorted(problems, key=lambda p: p[0] or 0)


def _measure_conflicts(new: pd.DataFrame, accepted: pd.DataFrame) -> list[Problem]:
    pairs = new.drop_duplicates("measure_id").merge(
        accepted.drop_duplicates("measure_id"), on="measure_id", suffixes=("", "_other")
    )
    problems: list[Problem] = []
    for row in pairs.to_dict("records"):
        for field, column in _SAME_FOR_A_MEASURE.items():
            if row[field] != row[f"{field}_other"]:
                problems.append(
                    (
                        int(row["line"]),
                        f'matt_id "{row["measure_id"]}" har {column} '
                        f"{_shown(row[field])} men {_shown(row[f'{field}_other'])} i filen "
                        f"{row['source_other']} (rad {row['line_other']}); ett mått ska ha "
                        f"samma {column} i alla filer",
                    )
                )
    return problems


def _duplicate_conflicts(new: pd.DataFrame, accepted: pd.DataFrame) -> list[Problem]:
    # NaN ou_id (the whole municipality) must match NaN: compare on a filled copy.
    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(ou_id=frame["ou_id"].fillna(""))

    same = keyed(new).merge(keyed(accepted), on=_KEY, suffixes=("", "_other"))
    return [
        (
            int(row["line"]),
            f"samma matt_id, kommun, enhet och ar finns redan i filen {row['source_other']} "
            f"(rad {row['line_other']})",
        )
        for row in same.to_dict("records")
    ]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
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
    problems = _conflicts(frame, others)
    if problems:
        raise OwnMeasuresError(filename, problems)
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
