"""A local stand-in for the Kolada v3 API, serving a store directory over loopback HTTP.

It speaks v3 as documented in docs/kolada-api.md §1–§4: the ``{values, count, next_url,
previous_url}`` envelope, ``page``/``per_page`` paging (max 5000), at most 25 ids per path segment
or query list (422 otherwise, with a FastAPI-like body), 404 for data queries with a single
dimension, and the path and query forms of ``/v3/data`` and ``/v3/oudata``.

Every item is encoded to JSON bytes once at start-up; a page is the join of byte strings, so a
5000-item page costs a few milliseconds. Faults (see `faults.py`) and latency are injected by a
WSGI layer in front of the Flask app, which also keeps the request log.

Use it in-process::

    with StandinServer("data/snapshot") as server:
        requests.get(server.base_url + "/data/kpi/U21468/year/2020")

or in the foreground from a shell::

    python -m kvalitetsvisaren.testing.standin --data data/snapshot --port 8765

Admin endpoints (not logged, never faulted): ``GET|DELETE /_standin/requests``,
``GET|POST|DELETE /_standin/faults``, ``GET|POST /_standin/latency`` (``{"seconds": x}``),
``GET|POST /_standin/quirks`` (see `quirks.py`), ``POST /_standin/reset`` and
``GET /_standin/status``.

Quirks (`quirks.Quirks`, ``server.quirks = Quirks(...)``) switch on plausible departures from
the documented API: how next_url is written and what ends the paging, what a page past the end
answers, lossless variants of the value types, municipality group rows, a cost limit on
/oudata queries that answers 504, and an exclusive from_date.

Kolada's change feed: ``server.apply_changes("data", upserts, deletes, on="2026-11-01")``
publishes revised and deleted values dated `on`; a query with ``from_date`` then returns what
changed since that day, deletions flagged ``isdeleted`` (see `changes.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

import pandas as pd
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.test import run_wsgi_app

from ..data.store import Store, load_store
from .changes import ChangeLog
from .encoded import DataIndex, catalogs, js_literal
from .faults import FaultPlan, FaultRule, as_plan
from .quirks import Quirks

API_PREFIX = "/v3"
ADMIN_PREFIX = "/_standin"
MAX_PER_PAGE = 5000
MAX_IDS = 25
DEPRECATED = {"error": "This endpoint is deprecated. Please use /v3 instead."}
GATEWAY_TIMEOUT_HTML = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
GROUPS_SERVED = 5  # municipality groups answered for when Quirks.group_rows is on
BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
# Data routes: the allowed sequences of path dimensions (at least 2 of the 3).
DATA_ROUTES = {
    "data": {
        ("kpi", "municipality", "year"),
        ("kpi", "year"),
        ("kpi", "municipality"),
        ("municipality", "year"),
    },
    "oudata": {("kpi", "ou", "year"), ("kpi", "ou"), ("kpi", "year")},
}
QUERY_NAMES = {
    "data": {"kpi_id": "kpi", "municipality_id": "municipality", "year": "year"},
    "oudata": {"kpi_id": "kpi", "ou_id": "ou", "year": "year"},
}
ID_LABEL = {"kpi": "kpi ids", "municipality": "municipality ids", "ou": "ou ids", "year": "years"}
PATH_LOC = {"kpi": "kpi_id", "municipality": "municipality_id", "ou": "ou_id", "year": "year"}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer: status plus a JSON body (FastAPI style, ``{"detail": ...}``)."""

    def __init__(self, status: int, detail: Any, headers: Mapping[str, str] | None = None):
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return _json_response({"detail": self.detail}, self.status, self.headers)


def _issue(where: str, name: str, msg: str, type_: str, value: Any) -> dict[str, Any]:
    return {"type": type_, "loc": [where, name], "msg": msg, "input": value}


def _json_response(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None):
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status=status, headers=dict(headers or {}), mimetype="application/json")


# ---------------------------------------------------------------------------------------------
# Request parsing
# ---------------------------------------------------------------------------------------------


def _split(raw: Iterable[str]) -> list[str]:
    return [part.strip() for chunk in raw for part in chunk.split(",") if part.strip()]


def _int_param(name: str, default: int, low: int, high: int | None, issues: list) -> int:
    given = request.args.getlist(name)
    if not given:
        return default
    raw = given[-1]  # a parameter given twice: the last counts, as in FastAPI
    try:
        value = int(raw)
    except ValueError:
        issues.append(
            _issue(
                "query",
                name,
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
                raw,
            )
        )
        return default
    if value < low:
        issues.append(
            _issue(
                "query",
                name,
                f"Input should be greater than or equal to {low}",
                "greater_than_equal",
                raw,
            )
        )
    elif high is not None and value > high:
        issues.append(
            _issue(
                "query",
                name,
                f"Input should be less than or equal to {high} ({name} is at most {high})",
                "less_than_equal",
                raw,
            )
        )
    return value


def _paging() -> tuple[int, int, list[dict[str, Any]]]:
    issues: list[dict[str, Any]] = []
    page = _int_param("page", 1, 1, None, issues)
    per_page = _int_param("per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE, issues)
    return page, per_page, issues


def _id_list(dim: str, values: list[str], where: str, issues: list) -> list[str] | list[int]:
    if len(values) > MAX_IDS:
        unit = "segment" if where == "path" else "query parameter"
        issues.append(
            _issue(
                where,
                PATH_LOC.get(dim, dim),
                f"at most {MAX_IDS} ids per {unit}, got {len(values)} {ID_LABEL.get(dim, dim)}",
                "too_many_ids",
                ",".join(values),
            )
        )
    if dim != "year":
        return values
    years = []
    for v in values:
        try:
            years.append(int(v))
        except ValueError:
            issues.append(
                _issue(
                    where,
                    "year",
                    "Input should be a valid integer, unable to parse string as an integer",
                    "int_parsing",
                    v,
                )
            )
    return years


def _from_date(issues: list) -> date | None:
    raw = request.args.get("from_date")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        issues.append(
            _issue("query", "from_date", "Input should be a valid date", "date_from_string", raw)
        )
        return None


def _base_date(store: Store) -> date:
    """The day the served data was taken (its values count as changed then)."""
    raw = str(store.meta.get("fetched_at") or "")[:10]
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return date(2000, 1, 1)


def _page_url(quirks: Quirks, page: int, next_page: int | None, per_page: int) -> str | None:
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "per_page")]
    return quirks.next_url(request.host_url, request.path, args, page, next_page, per_page)


def _group_values(store: Store) -> pd.DataFrame:
    """Values of the first GROUPS_SERVED municipality groups: the unweighted mean of their
    members' values, count = members with a value (Kolada's v2 group rows)."""
    groups = store.municipality_groups.sort_values("id").head(GROUPS_SERVED)
    members = groups[["id", "members"]].explode("members").dropna()
    members = members.rename(columns={"id": "group", "members": "municipality_id"})
    rows = store.values.merge(members, on="municipality_id").dropna(subset=["value"])
    keys = ["kpi", "group", "year", "gender"]
    means = rows.groupby(keys, as_index=False).agg(value=("value", "mean"), count=("value", "size"))
    return means.rename(columns={"group": "municipality_id"}).assign(status="")


# ---------------------------------------------------------------------------------------------
# The application state + Flask app
# ---------------------------------------------------------------------------------------------


class RequestRecord(NamedTuple):
    """One API request as the stand-in saw it. `status` is None if no complete response was
    sent (a dropped connection, or still in progress); `fault` names the rules that fired."""

    method: str
    path: str
    status: int | None
    fault: str | None


class StandinApp:
    """The WSGI application: Flask for routing, wrapped by the fault/latency/logging layer."""

    def __init__(
        self, store: Store, faults: FaultPlan | Iterable[Any] | None = None, latency: float = 0.0
    ) -> None:
        started = time.perf_counter()
        self.store = store
        self.values = DataIndex(store.values, "municipality_id", "municipality")
        self.ou_values = DataIndex(store.ou_values, "ou_id", "ou")
        self._pristine = {"data": self.values, "oudata": self.ou_values}  # put back by reset()
        base = _base_date(store)
        self.changes = {
            "data": ChangeLog(store.values, "municipality_id", base),
            "oudata": ChangeLog(store.ou_values, "ou_id", base),
        }
        self.catalogs = catalogs(store)
        self.build_seconds = time.perf_counter() - started
        self._feeds: dict[tuple[str, date], DataIndex] = {}
        self._feeds_lock = threading.Lock()
        self.faults = as_plan(faults)
        self.latency = float(latency)
        self.quirks = Quirks()
        self._groups: DataIndex | None = None
        self.stopping = threading.Event()
        self._log: list[list[Any]] = []
        self._log_lock = threading.Lock()
        self.flask = self._make_flask()

    # -- request log ----------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        with self._log_lock:
            return [RequestRecord(*entry) for entry in self._log]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log = []

    def _log_start(self, method: str, target: str, fault: str | None) -> list[Any]:
        entry = [method, target, None, fault]
        with self._log_lock:
            self._log.append(entry)
        return entry

    def reset(self) -> None:
        self.clear_requests()
        self.faults = FaultPlan()
        self.latency = 0.0
        self.quirks = Quirks()
        for level, log in self.changes.items():
            if log.changed:
                log.reset()
                self._set_index(level, self._pristine[level])

    # -- published changes (Kolada revising or deleting values) ---------------------------
    def apply_changes(
        self,
        level: str,
        upserts: pd.DataFrame | None = None,
        deletes: pd.DataFrame | None = None,
        on: date | str | None = None,
    ) -> None:
        """Publish changes dated `on` (default today) to "data" or "oudata": `upserts` are
        contract rows that replace or add values, `deletes` the keys of values to delete."""
        log = self.changes[level]
        empty = log.original.iloc[0:0]
        day = date.fromisoformat(on) if isinstance(on, str) else (on or date.today())
        upserts = empty if upserts is None else upserts
        deletes = empty if deletes is None else deletes
        log.apply(upserts, deletes, day)
        pairs = [
            pair
            for frame in (upserts, deletes)
            for pair in zip(frame["kpi"], frame[log.loc_col], strict=True)
        ]
        index = self.values if level == "data" else self.ou_values
        self._set_index(level, index.with_pairs_from(log.current, log.loc_col, pairs))

    def _feed(self, level: str, from_date: date, loc_key: str) -> DataIndex:
        """The changes since `from_date`, encoded once for all pages of a query."""
        after = self.quirks.from_date_after
        key = (level, from_date, after)
        with self._feeds_lock:
            if key not in self._feeds:
                log = self.changes[level]
                changes = log.since(from_date, after=after)
                self._feeds[key] = DataIndex(changes, log.loc_col, loc_key)
            return self._feeds[key]

    def _group_index(self) -> DataIndex:
        if self._groups is None:
            self._groups = DataIndex(_group_values(self.store), "municipality_id", "municipality")
        return self._groups

    def _set_index(self, level: str, index: DataIndex) -> None:
        with self._feeds_lock:
            self._feeds.clear()
        if level == "data":
            self.values = index
        else:
            self.ou_values = index

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stopping.wait(seconds)

    # -- WSGI: faults, latency and the log in front of Flask -------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return self.flask.wsgi_app(environ, start_response)
        raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if not raw:
            query = environ.get("QUERY_STRING", "")
            raw = path + (f"?{query}" if query else "")
        target = unquote(raw)
        decision = self.faults.decide(target)
        entry = self._log_start(environ.get("REQUEST_METHOD", "GET"), target, decision.label)
        self.sleep(self.latency + decision.extra_latency)
        rule = decision.rule

        def logged_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            entry[2] = int(status.split(None, 1)[0])
            return start_response(status, headers, exc_info)

        if rule is None:
            return self.flask.wsgi_app(environ, logged_start)
        return self._faulted(rule, environ, logged_start)

    def _normal(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        app_iter, status, headers = run_wsgi_app(self.flask.wsgi_app, environ, buffered=True)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return int(status.split(None, 1)[0]), list(headers.items()), body

    def _faulted(
        self, rule: FaultRule, environ: dict[str, Any], start_response: Callable
    ) -> Iterable[bytes]:
        kind = rule.kind
        if kind == "timeout":
            self.sleep(float(rule.seconds or 0.0))
            return self.flask.wsgi_app(environ, start_response)
        if kind in ("cycle", "empty_next", "repeat"):
            environ["standin.fault"] = rule
            return self.flask.wsgi_app(environ, start_response)
        if kind == "drop":
            self._drop(rule, environ)
        response = self._fault_response(rule, environ)
        return response(environ, start_response)

    def _fault_response(self, rule: FaultRule, environ: dict[str, Any]) -> Response:
        kind = rule.kind
        if kind == "status":
            code = int(rule.status)
            headers = {}
            if code in (429, 503):
                headers["Retry-After"] = f"{rule.retry_after:g}"
            try:
                phrase = HTTPStatus(code).phrase
            except ValueError:
                phrase = "Error"
            return _json_response({"detail": phrase, "fault": rule.label}, code, headers)
        if kind == "malformed":
            if rule.variant == "garbage":
                return Response(b"\x00<<garbage>>\xff{not json", mimetype="application/json")
            return Response(BAD_GATEWAY_HTML, mimetype="text/html")
        if kind == "error_body":
            return _json_response(DEPRECATED)
        if kind == "truncated":
            status, headers, body = self._normal(environ)
            cut = body[: min(len(body) - 1, max(1, int(len(body) * rule.fraction)))]
            return Response(cut, status=status, mimetype="application/json")
        if kind == "wrong_shape":
            return self._wrong_shape(rule, environ)
        raise AssertionError(f"unhandled fault kind {kind}")  # pragma: no cover

    def _wrong_shape(self, rule: FaultRule, environ: dict[str, Any]) -> Response:
        if rule.variant == "values_not_list":
            body: dict[str, Any] = {
                "values": {"unexpected": "object"},
                "count": 1,
                "next_url": None,
                "previous_url": None,
            }
        elif rule.variant == "missing_values":
            body = {"count": 0, "next_url": None, "previous_url": None}
        else:  # items_missing_keys: the normal page, each item reduced to its first key
            _, _, raw = self._normal(environ)
            body = json.loads(raw)
            if isinstance(body.get("values"), list):
                body["values"] = [dict(list(item.items())[:1]) for item in body["values"]]
        return _json_response(body)

    def _drop(self, rule: FaultRule, environ: dict[str, Any]) -> None:
        sock: socket.socket | None = environ.get("werkzeug.socket")
        if sock is None:  # not under the werkzeug server (e.g. a test client): nothing to cut
            raise ConnectionAbortedError("drop fault without a socket")
        try:
            if rule.variant == "partial":
                _, _, body = self._normal(environ)
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                ).encode()
                sock.sendall(head + body[: len(body) // 2])
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        # werkzeug treats ConnectionError as "the connection was dropped" and sends nothing.
        raise ConnectionAbortedError("connection dropped by the stand-in (fault injection)")

    # -- Flask ---------------------------------------------------------------------------
    def _make_flask(self) -> Flask:
        app = Flask(__name__)
        app.url_map.strict_slashes = False

        @app.errorhandler(ApiError)
        def _api_error(exc: ApiError):
            return exc.response()

        @app.errorhandler(HTTPException)
        def _http_error(exc: HTTPException):
            return _json_response({"detail": exc.name}, exc.code or 500)

        @app.route(f"{API_PREFIX}/", defaults={"rest": ""}, methods=["GET"])
        @app.route(f"{API_PREFIX}/<path:rest>", methods=["GET"])
        def api(rest: str):
            return self.dispatch(rest)

        self._admin_routes(app)
        return app

    def _admin_routes(self, app: Flask) -> None:
        routes = {
            "requests": (self._admin_requests, ["GET", "DELETE"]),
            "faults": (self._admin_faults, ["GET", "POST", "DELETE"]),
            "latency": (self._admin_latency, ["GET", "POST"]),
            "quirks": (self._admin_quirks, ["GET", "POST"]),
            "reset": (self._admin_reset, ["POST"]),
            "status": (self._admin_status, ["GET"]),
        }
        for name, (view, methods) in routes.items():
            app.add_url_rule(f"{ADMIN_PREFIX}/{name}", f"admin_{name}", view, methods=methods)

    def _admin_requests(self) -> Response:
        if request.method == "DELETE":
            self.clear_requests()
            return _json_response({"cleared": True})
        return _json_response([r._asdict() for r in self.requests])

    def _admin_faults(self) -> Response:
        if request.method == "POST":
            try:
                self.faults = FaultPlan.from_json(request.get_data())
            except (ValueError, TypeError) as exc:
                raise ApiError(400, f"bad fault plan: {exc}") from None
        elif request.method == "DELETE":
            self.faults = FaultPlan()
        return _json_response(self.faults.to_list())

    def _admin_latency(self) -> Response:
        if request.method == "POST":
            data = request.get_json(force=True, silent=True) or {}
            try:
                seconds = float(data["seconds"])
            except (KeyError, TypeError, ValueError):
                raise ApiError(400, 'expected {"seconds": <number>}') from None
            if not seconds >= 0:
                raise ApiError(400, "seconds must be >= 0")
            self.latency = seconds
        return _json_response({"seconds": self.latency})

    def _admin_quirks(self) -> Response:
        if request.method == "POST":
            try:
                self.quirks = Quirks.from_dict(request.get_json(force=True))
            except (ValueError, TypeError) as exc:
                raise ApiError(400, f"bad quirks: {exc}") from None
        return _json_response(self.quirks.to_dict())

    def _admin_reset(self) -> Response:
        self.reset()
        return _json_response({"reset": True})

    def _admin_status(self) -> Response:
        return _json_response(
            {
                "store": self.store.summary(),
                "items": {"data": self.values.items, "oudata": self.ou_values.items},
                "build_seconds": round(self.build_seconds, 3),
                "latency": self.latency,
                "faults": self.faults.to_list(),
                "quirks": self.quirks.to_dict(),
                "requests": len(self.requests),
            }
        )

    # -- API ------------------------------------------------------------------------------
    def dispatch(self, rest: str) -> Response:
        parts = rest.strip("/").split("/") if rest.strip("/") else []
        if not parts:
            raise ApiError(404, "Not Found")
        head, tail = parts[0], parts[1:]
        if head in DATA_ROUTES:
            return self.data(head, tail)
        if head in self.catalogs and len(tail) <= 1:
            return self.metadata(head, tail[0] if tail else None)
        raise ApiError(404, "Not Found")

    def data(self, level: str, tail: list[str]) -> Response:
        page, per_page, issues = _paging()
        from_date = _from_date(issues)
        if tail:
            if len(tail) % 2 or any(not p for p in tail):
                raise ApiError(404, "Not Found")
            dims = tuple(tail[0::2])
            if dims not in DATA_ROUTES[level]:
                raise ApiError(404, "Not Found")
            where = "path"
            raw = {dim: _split([seg]) for dim, seg in zip(dims, tail[1::2], strict=True)}
            if any(not ids for ids in raw.values()):
                raise ApiError(404, "Not Found")
        else:
            where = "query"
            raw = {
                dim: _split(request.args.getlist(name))
                for name, dim in QUERY_NAMES[level].items()
                if name in request.args
            }
        wanted = {dim: _id_list(dim, ids, where, issues) for dim, ids in raw.items()}
        if issues:
            raise ApiError(422, issues)
        if not wanted:  # query form without any recognised dimension: Kolada answers empty
            return self.page([], page, per_page, data=True)
        index = self.values if level == "data" else self.ou_values
        if from_date is not None:
            index = self._feed(level, from_date, index.loc_key)
        loc = "municipality" if level == "data" else "ou"
        kpis, years = wanted.get("kpi"), wanted.get("year")
        if self.quirks.group_rows and level == "data" and loc not in wanted and kpis:
            items = [
                item
                for kpi in sorted(set(kpis))
                for source in (index, self._group_index())
                for item in source.select([kpi], None, years)
            ]
        else:
            items = index.select(kpis, wanted.get(loc), years)
        limit = self.quirks.oudata_cost_limit
        if level == "oudata" and limit is not None and len(items) > limit:
            return Response(GATEWAY_TIMEOUT_HTML, status=504, mimetype="text/html")
        return self.page(items, page, per_page, data=True)

    def metadata(self, entity: str, segment: str | None) -> Response:
        page, per_page, issues = _paging()
        ids = None
        if segment is not None:
            ids = _split([segment])
            dim = {"kpi": "kpi", "municipality": "municipality", "ou": "ou"}.get(entity, "id")
            _id_list(dim, ids, "path", issues)
        if issues:
            raise ApiError(422, issues)
        title = request.args.get("title") or None
        filters: dict[str, set[str] | None] = {}
        if entity == "municipality":
            # rKolada sends region_type=, koladapy type=; both given and different -> nothing.
            kinds = {
                request.args[k].upper() for k in ("region_type", "type") if request.args.get(k)
            }
            if kinds:
                filters["type"] = kinds if len(kinds) == 1 else set()
        elif entity == "ou" and "municipality" in request.args:
            filters["municipality"] = set(_split(request.args.getlist("municipality")))
        items = self.catalogs[entity].select(ids, title, **filters)
        return self.page(items, page, per_page)

    def page(
        self, items: Sequence[bytes], page: int, per_page: int, data: bool = False
    ) -> Response:
        quirks = self.quirks
        start = (page - 1) * per_page
        fault: FaultRule | None = request.environ.get("standin.fault")
        if fault is not None and fault.kind == "repeat":  # a server that ignores `page`
            start = (fault.to_page - 1) * per_page
        if page > 1 and start >= len(items) and quirks.past_end != "empty":
            if quirks.past_end == "404":
                raise ApiError(404, "Not Found")
            issue = _issue("query", "page", "page is past the last page", "past_end", page)
            raise ApiError(422, [issue])
        chunk = items[start : start + per_page]
        more = quirks.announces_more(start, len(chunk), len(items), per_page)
        next_page = page + 1 if more else None
        if fault is not None and fault.kind == "cycle":
            next_page = fault.to_page
        elif fault is not None and fault.kind == "empty_next":
            chunk, next_page = [], page + 1
        next_url = _page_url(quirks, page, next_page, per_page)
        prev_url = _page_url(Quirks(), page, page - 1, per_page) if page > 1 else None
        body = b"".join(
            (
                b'{"values":[',
                b",".join(chunk),
                b'],"count":',
                str(len(chunk)).encode(),
                b',"next_url":',
                js_literal(next_url).encode(),
                b',"previous_url":',
                js_literal(prev_url).encode(),
                b"}",
            )
        )
        if data and quirks.retypes:
            body = quirks.retype(body)
        return Response(body, mimetype="application/json")


# ---------------------------------------------------------------------------------------------
# Server runner
# ---------------------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without the per-request access log, speaking HTTP/1.1 so that
    clients keep their connections open as they do with Kolada."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _check_loopback(host: str) -> None:
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError as exc:
            raise ValueError(f"cannot resolve host {host!r}: {exc}") from None
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    if not addresses or not all(a.is_loopback for a in addresses):
        raise ValueError(
            f"refusing to bind the Kolada stand-in to {host!r}: only loopback addresses "
            "(127.0.0.0/8, ::1, localhost) are allowed"
        )


class StandinServer:
    """The stand-in on a loopback port, served by a threaded werkzeug server in a daemon thread.

    ``StandinServer(store_dir_or_store, host="127.0.0.1", port=0, latency=0.0, faults=None)``;
    use it as a context manager or call `start()`/`stop()`. Port 0 picks a free port.
    """

    def __init__(
        self,
        store: Store | str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        faults: FaultPlan | Iterable[FaultRule | Mapping[str, Any]] | None = None,
    ) -> None:
        _check_loopback(host)
        self.host = host
        self._requested_port = port
        loaded = store if isinstance(store, Store) else load_store(store)
        self.app = StandinApp(loaded, faults=faults, latency=latency)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> StandinServer:
        if self._server is not None:
            return self
        self.app.stopping.clear()
        server = make_server(
            self.host, self._requested_port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"kolada-standin:{server.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.app.stopping.set()  # wake handlers sleeping on latency/timeout faults
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def wait(self) -> None:
        """Block until the server stops (for the CLI)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return int(self._server.port)

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v3`` (no trailing slash; koladapy needs ``base_url + "/"``)."""
        return self.origin + API_PREFIX

    def url(self, path: str) -> str:
        """An absolute URL for `path` relative to the v3 base, e.g. ``url("kpi?title=x")``."""
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- live controls ----------------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def requests(self) -> list[RequestRecord]:
        """Every API request so far: (method, path+query, status, fault), in arrival order."""
        return self.app.requests

    def clear_requests(self) -> None:
        self.app.clear_requests()

    @property
    def faults(self) -> FaultPlan:
        return self.app.faults

    @faults.setter
    def faults(self, value: FaultPlan | Iterable[FaultRule | Mapping[str, Any]] | None) -> None:
        self.app.faults = as_plan(value)

    @property
    def latency(self) -> float:
        return self.app.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        self.app.latency = float(seconds)

    @property
    def quirks(self) -> Quirks:
        return self.app.quirks

    @quirks.setter
    def quirks(self, value: Quirks) -> None:
        self.app.quirks = value

    def reset(self) -> None:
        """Clear the request log, faults and quirks, set latency to 0, and undo applied
        changes."""
        self.app.reset()

    def apply_changes(self, level: str, upserts=None, deletes=None, on=None) -> None:
        """Publish revised or deleted values, as Kolada does (see StandinApp.apply_changes)."""
        self.app.apply_changes(level, upserts, deletes, on)


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kvalitetsvisaren.testing.standin",
        description="Serve a Kolada store directory as a local Kolada v3 API (loopback only).",
    )
    parser.add_argument("--data", required=True, type=Path, help="store directory to serve")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0 = pick a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to responses")
    parser.add_argument("--faults", type=Path, help="JSON file with a list of fault rules")
    args = parser.parse_args(argv)
    try:
        faults = FaultPlan.load(args.faults) if args.faults else None
        server = StandinServer(args.data, args.host, args.port, args.latency, faults)
    except Exception as exc:
        print(f"standin: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    with server:
        print(
            f"Kolada v3 stand-in serving {args.data} ({server.app.values.items} data items, "
            f"built in {server.app.build_seconds:.1f} s) at {server.base_url}",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
