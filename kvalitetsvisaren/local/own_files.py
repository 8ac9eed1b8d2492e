"""Reading an own-measures file into text cells: CSV (separator, encoding, line and field
counts) or xlsx (its parts checked before they are unpacked), bounded by own_rules' limits."""

from __future__ import annotations

import io
import itertools
import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .own_rules import (
    _BOM,
    _DTD,
    _LINE_BREAK,
    _OLE_MAGIC,
    _SAVE_AS_CSV,
    _ZIP_MAGIC,
    MAX_BYTES,
    MAX_CELLS,
    MAX_FIELDS,
    MAX_LINES,
    MAX_XLSX_ELEMENTS,
    MAX_XLSX_UNPACKED,
    OWN_COLUMNS,
    OwnMeasuresError,
    _count,
    _fail,
    _too_many_cells,
    _too_many_fields,
    _too_many_lines,
    too_large_message,
)

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
    text = {i: [_excel_text(value) for value in values] for i, values in enumerate(columns)}
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


def _excel_text(value: Any) -> str:
    """A sheet value as text the way pandas.read_excel(dtype=str) gives it: a whole float
    without ".0", an empty cell "". (An error cell reads as its text, e.g. "#N/A".) One plain
    call per cell: openpyxl hands over Python objects, so pandas' per-column steps only add
    overhead (a third of reading a small file)."""
    if value is None or (type(value) is float and value != value):  # empty, or NaN
        return ""
    if type(value) is float and value.is_integer():
        return str(int(value))
    return str(value)
