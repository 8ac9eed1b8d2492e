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
    problem = _shape_problem(body, output, callback)
    if problem is None and output == ROUTER and not _is_location(body):
        problem = "the page location is not a path"
    if (
        problem is None
        and output.startswith("{")
        and not _pattern_ids_match(body, output, callback)
    ):
        problem = "the ids do not match the callback's pattern"
    return problem


def _shape_problem(body: dict, output: str, callback: Mapping[str, Any]) -> str | None:
    for part in ("inputs", "state"):
        given, expected = body.get(part, []), callback.get(part, [])
        if not isinstance(given, list) or len(given) != len(expected):
            return f"{part} do not match the callback"
        if not all(map(_is_dependency, given, expected)):
            return f"{part} are not all id/property objects"
    problem = _outputs_problem(output, body.get("outputs"))
    if problem:
        return problem
    if not isinstance(body.get("changedPropIds", []), list):
        return "changedPropIds is not a list"
    return None


def _is_dependency(item: Any, expected: Mapping[str, Any]) -> bool:
    """One input or state: an id/property object; for a pattern-matching id with ALL (such as
    {"type": ..., "ou": ALL}) a list of them, the components it matches."""
    items = item if isinstance(item, list) and _is_all(_parsed(expected.get("id"))) else [item]
    return all(isinstance(i, dict) and {"id", "property"} <= i.keys() for i in items)


def _outputs_problem(output: str, outputs: Any) -> str | None:
    """The outputs a body names must be the callback's own (Dash raises, a 500, otherwise): its
    ids, for a MATCH pattern one id of it, for an ALL pattern a list of ids of it."""
    if outputs is None:
        return None
    if not isinstance(outputs, dict | list):
        return "outputs is neither an object nor a list"
    parts = output.removeprefix("..").removesuffix("..").split("...")
    declared = [_declared(part) for part in parts]
    given = outputs if output.startswith("..") else [outputs]
    if not isinstance(given, list) or len(given) != len(declared):
        return "outputs do not match the callback"
    if not all(_fits(g, d) for g, d in zip(given, declared, strict=True)):
        return "outputs do not match the callback"
    return None


def _parsed(id_: Any) -> Any:
    return json.loads(id_) if isinstance(id_, str) and id_.startswith("{") else id_


def _is_all(pattern: Any) -> bool:
    return isinstance(pattern, dict) and any(
        v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values()
    )


def _declared(part: str) -> tuple[Any, str]:
    """ "a.children", "a.data@<hash>" (a duplicate output) or '{"kpi":["ALL"],...}.children'."""
    name, _, prop = part.split("@")[0].rpartition(".")
    return _parsed(name), prop


def _fits(given: Any, declared: tuple[Any, str]) -> bool:
    pattern, prop = declared
    if not _is_all(pattern):
        return (
            isinstance(given, dict) and _id_fits(given.get("id"), pattern) and _prop(given) == prop
        )
    return isinstance(given, list) and all(
        isinstance(g, dict) and _prop(g) == prop and _id_fits(g.get("id"), pattern) for g in given
    )


def _prop(given: dict) -> str | None:
    prop = given.get("property")
    return prop.split("@")[0] if isinstance(prop, str) else None


def _pattern_ids_match(body: dict, output: str, callback: Mapping[str, Any]) -> bool:
    """A pattern-matching callback (ours use MATCH only): every id in the request is an object
    with the pattern's keys, the pattern's values where it has one and a plain value where it
    has MATCH, one MATCH value for all (Dash raises on anything else, before our code runs)."""
    patterns = [part.rsplit(".", 1)[0] for part in output.strip(".").split("...")]
    patterns += [i["id"] for i in (*callback.get("inputs", []), *callback.get("state", []))]
    given = [o.get("id") if isinstance(o, dict) else None for o in _as_list(body.get("outputs"))]
    given += [
        i.get("id") if isinstance(i, dict) else None
        for i in (*body.get("inputs", []), *body.get("state", []))
    ]
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
    """A concrete id of a pattern: the same keys, equal where the pattern has no wildcard,
    a plain value (no bool) where it has one."""
    if isinstance(pattern, str):
        return given == pattern
    if not isinstance(given, dict) or given.keys() != pattern.keys():
        return False
    for key, wanted in pattern.items():
        value = given[key]
        if wanted in (["MATCH"], ["ALL"], ["ALLSMALLER"]):
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


def not_found_page(index: Callable[[], str]) -> Callable[[Exception], Any]:
    """A path no route takes (Dash's catch-all cannot take a newline) gets the page shell with
    404, whose router then explains in Swedish, not Werkzeug's English text. Missing files of
    Dash or the assets keep their plain 404."""

    def answer(error: Exception) -> Any:
        if request.path.startswith(("/_dash-", "/assets/", "/_favicon")):
            return error
        return index(), 404

    return answer
