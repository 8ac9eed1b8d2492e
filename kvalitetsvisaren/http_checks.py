"""Checks on the HTTP requests Dash itself answers: a callback request must have the shape of
one of the app's callbacks before Dash reads it (else 400, never a 500 with a traceback), and
a page's HTML answer carries the status its URL earns (404 for a path or a code the data does
not have, 400 for a malformed one), so that a wrong link is no soft 404."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, jsonify, request

from .response_cache import DASH_UPDATE
from .runtime import get_service
from .viewstate import Explanation, match_path, read_view

log = logging.getLogger("kvalitetsvisaren.http")
ROUTER = ".._pages_content.children..._pages_store.data.."  # Dash Pages' routing callback


def callback_body_problem(body: Any, callback_map: Mapping[str, Any]) -> str | None:
    """Why a /_dash-update-component body cannot be one of the app's callbacks (None if it
    can): its output must name a server callback, and its inputs, state and ids match it."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "the output names no callback"
    callback = callback_map[output]
    if "callback" not in callback:  # a clientside callback: the browser runs it, not we
        return "the output names no server callback"
    problem = _shape_problem(body, callback)
    if problem is None and output == ROUTER and not _is_location(body):
        problem = "the page location is not a path"
    if (
        problem is None
        and output.startswith("{")
        and not _pattern_ids_match(body, output, callback)
    ):
        problem = "the ids do not match the callback's pattern"
    return problem


def _shape_problem(body: dict, callback: Mapping[str, Any]) -> str | None:
    for part in ("inputs", "state"):
        given, expected = body.get(part, []), callback.get(part, [])
        if not isinstance(given, list) or len(given) != len(expected):
            return f"{part} do not match the callback"
        if not all(isinstance(i, dict) and {"id", "property"} <= i.keys() for i in given):
            return f"{part} are not all id/property objects"
    outputs = body.get("outputs")
    if outputs is not None and not isinstance(outputs, dict | list):
        return "outputs is neither an object nor a list"
    if not isinstance(body.get("changedPropIds", []), list):
        return "changedPropIds is not a list"
    return None


def _pattern_ids_match(body: dict, output: str, callback: Mapping[str, Any]) -> bool:
    """A pattern-matching callback (ours use MATCH only): every id in the request is an object
    with the pattern's keys, the pattern's values where it has one and a plain value where it
    has MATCH, one MATCH value for all (Dash raises on anything else, before our code runs)."""
    patterns = [part.rsplit(".", 1)[0] for part in output.strip(".").split("...")]
    patterns += [i["id"] for i in (*callback.get("inputs", []), *callback.get("state", []))]
    given = [o.get("id") if isinstance(o, dict) else None for o in _as_list(body.get("outputs"))]
    given += [i.get("id") for i in (*body.get("inputs", []), *body.get("state", []))]
    wanted = [json.loads(p) if p.startswith("{") else p for p in patterns]
    if len(given) != len(wanted) or not all(map(_id_fits, given, wanted)):
        return False
    matched = {
        json.dumps(g[k])
        for g, w in zip(given, wanted, strict=True)
        if isinstance(w, dict)
        for k, v in w.items()
        if v == ["MATCH"]
    }
    return len(matched) <= 1


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _id_fits(given: Any, pattern: dict | str) -> bool:
    if isinstance(pattern, str):
        return given == pattern
    if not isinstance(given, dict) or given.keys() != pattern.keys():
        return False
    for key, wanted in pattern.items():
        value = given[key]
        if wanted == ["MATCH"]:
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                return False
        elif value != wanted:
            return False
    return True


def _is_location(body: dict) -> bool:
    """Dash's own router reads its location before any code of ours runs: the path must be
    text starting with "/", the query text."""
    values = [*body.get("inputs", []), *body.get("state", [])]
    if not all(isinstance(i.get("value"), str) for i in values):
        return False
    paths = [i["value"] for i in values if i.get("property") == "pathname"]
    return all(p.startswith("/") for p in paths)


def guard_callbacks(callback_map: Callable[[], Mapping[str, Any]]) -> Callable[[], Any]:
    def check() -> Response | None:
        if request.method != "POST" or request.path != DASH_UPDATE:
            return None
        problem = callback_body_problem(request.get_json(silent=True), callback_map())
        if problem is None:
            return None
        log.warning("Refused a callback request (%s)", problem)
        response = jsonify(error=f"Ogiltig begäran: {problem}")
        response.status_code = 400
        return response

    return check


def page_status(response: Response) -> Response:
    """The HTML of a page that names no view answers 404 or 400 (the page itself, rendered
    by the browser, explains why)."""
    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return response
    matched = match_path(request.path)
    if matched is None:
        response.status_code = 404
        return response
    route, segments = matched
    view = read_view(get_service(), route, segments, request.args.to_dict(flat=False))
    if isinstance(view, Explanation):
        response.status_code = view.status
    return response
