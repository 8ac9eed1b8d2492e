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
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config.models import AppConfig
from ..kolada.frames import typed_frame
from .own_cells import (
    _FIELDS,
    _check_column,
    _check_units,
    _Column,
    _quoted,
    _split_header,
)
from .own_files import (
    _read_cells,
)
from .own_rules import (
    _NOTHING,
    FILE_SUFFIXES,
    MAX_BYTES,
    OWN_COLUMNS,
    RESULT_COLUMNS,
    OwnMeasuresError,
    _Context,
    _fail,
    _Found,
    _found,
    _refuse_if_any,
    too_large_message,
)

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
