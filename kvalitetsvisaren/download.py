"""The web side of the export: GET /export/<kind>?kommun=&ar=&...&format= returns one file
(an image, its data, its alt text, or the one-pager PDF) with a telling file name. Plain links
to it serve keyboard users, bookmarks and batch scripts alike."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Response, abort, request

from . import charts, export
from .runtime import get_service
from .service import UnknownError
from .urls import BadParameter, parse_params

log = logging.getLogger("kvalitetsvisaren.export")
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
    """The Flask view. Bad parameters get a Swedish 404/400 text, never a traceback."""
    svc = get_service()
    args = request.args.to_dict()
    fmt = args.pop("format", "png")
    try:
        p = parse_params(
            svc.config.default_municipality,
            svc.years()[0],
            args.get("kommun"),
            args.get("ar"),
            args.get("grupp"),
        )
        args |= {"kommun": p.kommun, "ar": str(p.ar)}
        if kind == "en-sida":
            name, body = export.onepager(svc, args.get("area", ""), p.kommun, p.ar)
            return _file(body, name, "application/pdf")
        if fmt not in FORMATS:
            raise export.ExportError(f"Formatet {fmt!r} finns inte; välj bland {FORMATS}.")
        chart = charts.build(svc, kind, args)
        if chart is None:
            abort(_text(404, "Diagrammet har inget att visa för det här valet."))
        body = (  # the chart carries the vintage of the data it shows
            export.image(chart, fmt)
            if fmt in export.IMAGE_FORMATS
            else export.data_file(chart, fmt)
        )
        return _file(body, export.filename(chart, fmt), export.mime_type(fmt))
    except (UnknownError, BadParameter, export.ExportError) as exc:
        log.warning("Bad export request %s %s: %s", kind, request.args.to_dict(), exc)
        abort(_text(404 if isinstance(exc, UnknownError) else 400, str(exc)))


def _file(body: bytes, name: str, mime: str) -> Response:
    response = Response(body, mimetype=mime.split(";")[0])
    if "charset" in mime:
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _text(status: int, message: str) -> Response:
    return Response(f"Kvalitetsvisaren: {message}\n", status=status, mimetype="text/plain")
