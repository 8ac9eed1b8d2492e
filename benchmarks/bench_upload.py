"""Upload benchmark: the CPU cost of checking worst-case own-measure files, main vs this tree.

    python benchmarks/bench_upload.py [--old-timeout 120] [--only NAME]

Builds files at the upload limits (own_rules: MAX_BYTES, MAX_LINES, MAX_FIELDS, MAX_CELLS,
MAX_XLSX_ELEMENTS) against the real snapshot's config, units and municipalities, and checks
each with `read_own_measures` of main (`git show main:kvalitetsvisaren/local/own_measures.py`,
loaded into a temporary module) and of this tree, side by side on the same machine in one run.
Each check runs in a forked child and is timed there with time.process_time (its own CPU only); a
check of main that runs longer than --old-timeout seconds is stopped and shown as "> N".
Goal: every case < 2 s of CPU for this tree.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import openpyxl

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.data.store import load_store
from kvalitetsvisaren.local import own_files, own_measures, own_rules
from kvalitetsvisaren.local.own_rules import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_FIELDS,
    MAX_LINES,
    MAX_XLSX_ELEMENTS,
    OWN_COLUMNS,
)
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG, ROOT

HEADER = ";".join(OWN_COLUMNS)


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    content: bytes


def load_main_version() -> ModuleType:
    """main's own_measures.py as the module kvalitetsvisaren.local._own_measures_main (its relative
    imports resolve inside the package)."""
    source = subprocess.run(
        ["git", "show", "main:kvalitetsvisaren/local/own_measures.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "own_measures_main.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("kvalitetsvisaren.local._own_measures_main", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def padded_rows(
    row: Callable[[int], str], size: int = MAX_BYTES, lines: int = MAX_LINES, pad: str = "x"
) -> bytes:
    """HEADER and lines - 1 rows of row(i), each stretched at its marker "~" with `pad` so
    that the file is just under `size` bytes (UTF-8)."""
    width = (size - len(HEADER) - 2) // (lines - 1) - 1  # bytes per row without its "\n"
    body = []
    for i in range(lines - 1):
        line = row(i)
        body.append(line.replace("~", pad * max(1, width - len(line.encode()) + 1), 1))
    return ("\n".join([HEADER, *body]) + "\n").encode()


def valid_row(municipalities: list[str]) -> Callable[[int], str]:
    """Distinct (measure, municipality, year) keys; the value padded with leading zeros."""

    def row(i: int) -> str:
        kommun = municipalities[i % len(municipalities)]
        measure, year = divmod(i // len(municipalities), 111)
        return (
            f"matt-{measure};Mått {measure};hemtjanst;{kommun};;{1990 + year};"
            f"~{i % 997},5;ja;{i % 300};%"
        )

    return row


def error_row(i: int) -> str:
    """An error in every column: odd rows a bad id, year, value, direction and respondents and
    a unit not in the municipality; even rows a bad area, municipality, year, value, direction
    and respondents, and another name and unit for the measure than its first row."""
    if i % 2:
        return f"Nojd {i};Namn ~;hemtjanst;0883;Okänd enhet {i};24;hög;kanske;-3;%"
    return "familj-nojd;Nöjd " + f"{i} ~;hemtjänst;883;V21E0109;2101;85 %;?;12,5;{i}"


def cases(municipalities: list[str]) -> list[Case]:
    fields_line = ";".join(["familj-nojd", "Nöjd ~", "hemtjanst", "0883", "", "2024", "1"])
    cap_lines = MAX_CELLS // MAX_FIELDS
    at_field_cap = padded_rows(
        lambda i: fields_line + ";ja;;%" + ";" * (MAX_FIELDS - 11) + f";extra{i}",
        lines=cap_lines,
    )
    return [
        Case("header + blank lines", "tom.csv", (HEADER + "\n" * MAX_BYTES)[:MAX_BYTES].encode()),
        Case(
            "valid rows at the line cap",
            "giltig.csv",
            padded_rows(valid_row(municipalities), pad="0"),
        ),
        Case("an error in every column", "fel.csv", padded_rows(error_row)),
        Case(f"{cap_lines} lines of {MAX_FIELDS} fields", "falt.csv", at_field_cap),
        Case(
            "one long line (a 5 MB number)",
            "lang.csv",
            (HEADER + "\nfamilj-nojd;Nöjd;hemtjanst;0883;;2024;" + "1" * MAX_BYTES)[
                : MAX_BYTES - 10
            ].encode()
            + b"x;ja;;%\n",
        ),
        Case(
            "one long line of separators",
            "avgr.csv",
            (HEADER + "\n" + ";" * MAX_BYTES)[:MAX_BYTES].encode(),
        ),
        Case(
            "a 5 MB column name", "rubrik.csv", ("matt_id;" + "x" * (MAX_BYTES - 9) + "\n").encode()
        ),
        Case("xlsx at the element cap", "stor.xlsx", xlsx_at_cap(municipalities)),
        Case("xlsx, a cell in its last row", "glest.xlsx", xlsx_cells((1_048_576, 1))),
        Case(
            "xlsx, rows of a cell in column XFD",
            "bred.xlsx",
            xlsx_cells(*((r, 16_384) for r in range(2, 502))),
        ),
    ]


def xlsx_book(rows: int, municipalities: list[str]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(OWN_COLUMNS))
    for i in range(rows):
        kommun = municipalities[i % len(municipalities)]
        year = 1990 + (i // len(municipalities)) % 111
        sheet.append(["familj-nojd", "Nöjd", "hemtjanst", kommun, None, year, 85.5, "ja", 120, "%"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_cells(*places: tuple[int, int]) -> bytes:
    """A header and a 1 at each (row, column): the sheet spans from A1 to the farthest."""
    book = openpyxl.Workbook()
    book.active.append(list(OWN_COLUMNS))
    for row, column in places:
        book.active.cell(row=row, column=column, value=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_at_cap(municipalities: list[str]) -> bytes:
    """The largest such book under MAX_XLSX_ELEMENTS (a row is 10 cells, 2-3 elements each)."""
    rows = MAX_XLSX_ELEMENTS // 26
    while True:
        content = xlsx_book(rows, municipalities)
        try:
            own_files._check_xlsx_parts(content, "stor.xlsx")
            return content
        except own_rules.OwnMeasuresError:
            rows -= 100


def timed(module: ModuleType, case: Case, lookups: dict, send) -> None:
    start = time.process_time()
    try:
        frame = module.read_own_measures(case.content, case.filename, **lookups)
        outcome = f"accepted, {len(frame)} rows"
    except module.OwnMeasuresError as exc:
        first = exc.problems[0]
        outcome = f"refused, {len(exc.problems)} problems: {first[1][:70]}"
    send.send((time.process_time() - start, outcome))


def measure(module: ModuleType, case: Case, lookups: dict, timeout: float) -> tuple[str, str]:
    """CPU seconds of one check in a forked child (stopped after `timeout` s of wall time)."""
    fork = multiprocessing.get_context("fork")
    receive, send = fork.Pipe(duplex=False)
    child = fork.Process(target=timed, args=(module, case, lookups, send))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {timeout:.0f}", "stopped"
    seconds, outcome = receive.recv()
    return f"{seconds:.2f}", outcome


def lines_of(content: bytes) -> str:
    if content.startswith(b"PK"):
        return "-"
    return str(content.count(b"\n") + content.count(b"\r") - content.count(b"\r\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-timeout", type=float, default=120)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()

    store = load_store(BUNDLED_SNAPSHOT)
    lookups = {
        "config": load_config(DEFAULT_CONFIG),
        "ous": store.ous,
        "municipalities": store.municipalities,
    }
    kommuner = store.municipalities
    municipalities = sorted(kommuner.loc[kommuner["type"] == "K", "id"])
    old = load_main_version()
    print(
        f"{'case':36} {'MB':>5} {'lines':>9} {'main s':>8} {'new s':>7} {'ratio':>7}  new outcome"
    )
    for case in cases(municipalities):
        if args.only and args.only not in case.name:
            continue
        old_s, _ = measure(old, case, lookups, args.old_timeout)
        new_s, outcome = measure(own_measures, case, lookups, 600)
        ratio = float(old_s.lstrip("> ")) / max(float(new_s), 0.005)
        shown = f"{'>' if old_s.startswith('>') else ''}{ratio:.{0 if ratio >= 10 else 1}f}x"
        size = len(case.content) / 1024 / 1024
        print(
            f"{case.name:36} {size:5.2f} {lines_of(case.content):9} {old_s:>8} {new_s:>7} "
            f"{shown:>7}  {outcome}",
            flush=True,
        )


if __name__ == "__main__":
    main()
