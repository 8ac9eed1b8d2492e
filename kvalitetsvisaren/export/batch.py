"""The batch export: every chart of a municipality (and its presentations and page) written
to a folder at once, with a manifest; never deleting a file it did not write."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from ..config.models import AppConfig
from ..data.atomic import write_directory
from ..labels import source_text
from ..present import charts
from ..service.catalog import check_kommun, checked_area, kommun_ids_of
from ..service.facade import IndicatorService
from ..service.records import UnknownError
from .render import (
    DATA_FORMATS,
    DOCUMENT_FORMATS,
    IMAGE_FORMATS,
    MANIFEST_MARK,
    PAGE_FORMATS,
    ExportError,
    data_file,
    filename,
    image,
    onepager,
)

# --- batch --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: int
    charts: int


def export_all(
    svc: IndicatorService,
    municipality: str,
    year: int,
    areas: Iterable[str] | None,
    formats: Iterable[str],
    out: str | Path,
    *,
    progress: bool = True,
) -> ExportResult:
    """Every chart of the areas (the tiles first) as images in `formats` plus CSV, Excel
    and alt text and an A4 one-pager per area; with "pptx" among `formats`, a presentation
    per area too; with "html", the overview as one static page (only those: no charts); and
    manifest.json listing every file. Checks
    everything first and writes into a temporary directory swapped in when complete: nothing
    half-written is left."""
    from . import deck  # deck builds on this module

    check_output_folder(Path(out))
    images, documents, pages = _split_formats(formats)
    name = svc.check_municipality(municipality)
    area_ids = list(areas) if areas else [a.id for a in svc.config.areas]
    for area in area_ids:
        svc.area(area)
    if year not in svc.years():
        raise UnknownError(f"Det finns inga uppgifter för år {year}.")
    # Only documents or pages asked for (pptx, html): those, no chart files
    todo = list(charts.all_charts(svc, municipality, year, area_ids)) if images else []

    def write(tmp: Path) -> None:
        manifest = []
        for chart in tqdm(
            todo, desc=f"Diagram för {name} {year}", unit=" diagram", disable=not progress
        ):
            files = {}
            for fmt in images:
                files[fmt] = _write(tmp, filename(chart, fmt), image(chart, fmt))
            for fmt in DATA_FORMATS:
                files[fmt] = _write(tmp, filename(chart, fmt), data_file(chart, fmt))
            manifest.append(
                {
                    "diagram": chart.title,
                    "avser": chart.subtitle,
                    "typ": chart.kind,
                    "alt_text": chart.alt_text,
                    "filer": files,
                }
            )
        for area in area_ids if images else []:
            file, pdf = onepager(svc, area, municipality, year)
            manifest.append(
                {
                    "diagram": f"{svc.area(area).label}: en sida för nämnden",
                    "avser": f"{name} {year}",
                    "typ": "en-sida",
                    "filer": {"pdf": _write(tmp, file, pdf)},
                }
            )
        for area in area_ids if "pptx" in documents else []:
            file, pptx = deck.presentation(svc, municipality, year, area)
            manifest.append(
                {
                    "diagram": f"{svc.area(area).label}: presentation",
                    "avser": f"{name} {year}",
                    "typ": "presentation",
                    "filer": {"pptx": _write(tmp, file, pptx)},
                }
            )
        if "html" in pages:
            manifest.append(_static_page(svc, tmp, municipality, year, area_ids))
        (tmp / "manifest.json").write_text(
            json.dumps(
                {
                    "skapad_av": MANIFEST_MARK,
                    "kommun": municipality,
                    "namn": name,
                    "ar": year,
                    "omraden": area_ids,
                    "format": [*images, *documents, *pages],
                    "skapad": datetime.now(UTC).isoformat(timespec="seconds"),
                    "kalla": source_text(year, svc.store.vintage("values")),
                    "diagram": manifest,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )

    path = write_directory(out, write)
    files = sum(1 for p in path.iterdir() if p.is_file())
    return ExportResult(path, files, len(todo))


def _static_page(
    svc: IndicatorService, tmp: Path, municipality: str, year: int, areas: list[str]
) -> dict:
    from .static_page import overview_html

    name = svc.check_municipality(municipality)
    file = f"{charts.slugify(name)}_{year}_oversikt.html"
    page = overview_html(svc, municipality, year, areas).encode("utf-8")
    return {
        "diagram": f"Översikten för {name} {year} som en fristående webbsida",
        "avser": f"{name} {year}",
        "typ": "oversikt-html",
        "filer": {"html": _write(tmp, file, page)},
    }


def _split_formats(formats: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """The batch's formats, each once, as (images, documents, pages); ExportError for an
    unknown one or none at all."""
    formats = list(dict.fromkeys(formats))
    known = [*IMAGE_FORMATS, *DOCUMENT_FORMATS, *PAGE_FORMATS]
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise ExportError(f"Okända format {unknown}; välj bland {', '.join(known)}.")
    return (
        [f for f in formats if f in IMAGE_FORMATS],  # none: no charts, no one-pagers
        [f for f in formats if f in DOCUMENT_FORMATS],
        [f for f in formats if f in PAGE_FORMATS],
    )


def check_request(
    config: AppConfig,
    municipalities: pd.DataFrame,
    municipality: str,
    areas: Iterable[str],
    formats: Iterable[str],
) -> None:
    """A batch's formats, areas and municipality checked on the config and the store's
    municipality list alone, the same checks export_all makes: a typo is said at once, not
    after the seconds the service takes to build."""
    _split_formats(formats)
    for area in areas:
        checked_area(config, area)
    check_kommun(kommun_ids_of(municipalities), municipality)


def check_output_folder(out: Path) -> None:
    """The batch replaces `out` whole: allowed for a new or empty folder, or an earlier
    export of ours (its manifest lists every file in it). Anything else would lose files the
    export did not write, so it is refused (ExportError, Swedish)."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise ExportError(f"{out} finns redan och är ingen mapp; välj en ny eller tom mapp.")
    present = sorted(p.name for p in out.iterdir())
    if not present:
        return
    ours = _files_of_export(out / "manifest.json")
    foreign = [name for name in present if name not in ours]
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" och {len(foreign) - 3} till" if len(foreign) > 3 else ""
        )
        raise ExportError(
            f"Mappen {out} innehåller filer som exporten inte har skrivit ({shown}); inget "
            "ändrades. Välj en ny eller tom mapp, eller en mapp med en tidigare export."
        )


def _files_of_export(manifest: Path) -> set[str]:
    """The files an earlier export of ours wrote (manifest.json included); none if `manifest`
    is missing or not ours."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict) or data.get("skapad_av") != MANIFEST_MARK:
        return set()
    files = {"manifest.json"}
    for entry in data.get("diagram", []):
        listed = entry.get("filer", {}) if isinstance(entry, dict) else {}
        files |= (
            {f for f in listed.values() if isinstance(f, str)}
            if isinstance(listed, dict)
            else set()
        )
    return files


def _write(directory: Path, file: str, content: bytes) -> str:
    (directory / file).write_bytes(content)
    return file
