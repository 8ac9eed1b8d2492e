"""The web side of the export: GET /export/<kind>?kommun=&ar=&...&format= returns one file
(an image, its data, its alt text, the one-pager PDF or the presentation) with a telling
file name. Plain links to it serve keyboard users, bookmarks and batch scripts alike."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Response, request

from ..export import render as export
from ..present import charts
from ..service.records import UnknownError
from .runtime import get_service
from .viewstate import Explanation, read_export

log = logging.getLogger("kvalitetsvisaren.export.render")
FORMATS = [*export.IMAGE_FORMATS, *export.DATA_FORMATS]
LABELS = {
    "png": "PNG för webben (1200×675)",
    "png-tryck": "PNG för tryck (2400×1350)",
    "svg": "SVG",
    "pdf": "PDF",
    "csv": "Data som CSV",
    "xlsx": "Data som Excel",
    "txt": "Alt-text",
}


def export_url(kind: str, params: dict[str, str], fmt: str) -> str:
    return f"/export/{kind}?{urlencode({**params, 'format': fmt})}"


def serve(kind: str) -> Response:
    """The Flask view. The parameters are read exactly as the page the chart is on reads
    them (viewstate); anything else gets the Swedish explanation as text, never a traceback."""
    svc = get_service()
    wanted = read_export(svc, kind, request.args.to_dict(flat=False), FORMATS)
    if isinstance(wanted, Explanation):
        log.warning("Bad export request %s %s: %s", kind, request.args.to_dict(), wanted.message)
        return _explained(wanted)
    p, fmt = wanted.view.params, wanted.format
    try:
        if kind == "en-sida":
            name, body = export.onepager(svc, wanted.view.area or "", p.municipality, p.year)
            return _file(body, name, "application/pdf")
        if kind in ("presentation", "presentation-alla"):
            from ..export import deck  # python-pptx (13 MB) loaded when a deck is first asked for

            name, body = deck.presentation(svc, p.municipality, p.year, wanted.view.area)
            return _file(body, name, deck.MIME)
        chart = charts.build(svc, kind, wanted.chart_params())
    except UnknownError as exc:  # the boundary checked everything a URL can name
        log.error("Export %s failed although its parameters were valid: %s", kind, exc)
        return _explained(Explanation(str(exc), status=404))
    if chart is None:
        return _explained(Explanation("Diagrammet har inget att visa för det här valet."))
    body = export.image(chart, fmt) if fmt in export.IMAGE_FORMATS else export.data_file(chart, fmt)
    return _file(body, export.filename(chart, fmt), export.mime_type(fmt))


def _explained(why: Explanation) -> Response:
    links = "".join(f"\n- {text}: {href}" for text, href in why.links)
    more = f"\nDu kan gå vidare härifrån:{links}" if links else ""
    return Response(
        f"Kvalitetsvisaren: {why.message}{more}\n", status=why.status, mimetype="text/plain"
    )


def _file(body: bytes, name: str, mime: str) -> Response:
    response = Response(body, mimetype=mime.split(";")[0])
    if "charset" in mime:
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
