"""Answers repeated Dash callback requests from memory.

The callbacks that only show a view are pure functions of their inputs and the data served:
the same request body against the same data version gets the same answer. Only those, named
by an explicit allow-list of output ids, are kept; a callback with a side effect (saving an
upload) or one that answers about the world outside the data is never answered from
memory. On a publication day most
readers look at the same few views of their own municipality, so each worker keeps recent
answers (bounded in bytes, least recently used dropped first) and skips Dash, pandas, plotly
and JSON encoding for repeats. The key includes the data version and the freshness banner, so
new data or a failed sync is seen at once; answers built by the error fallback are not kept.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, Response, g, request

DASH_UPDATE = "/_dash-update-component"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class ResponseCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # one huge answer must not flush everything
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes -= len(old) if old is not None else 0
            self._entries[key] = body
            self.bytes += len(body)
            while self.bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": self.bytes,
            "hits": self.hits,
            "misses": self.misses,
        }


def dont_cache() -> None:
    """Called by a view that answered with a fallback (an error): keep this answer out."""
    g.response_cache_key = None


def output_ids(body: object) -> set[str] | None:
    """The component ids of the callback a request names (by its "output", which is what Dash
    dispatches on: "a.children" or "..a.children...b.data.."); None if it names none."""
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str) or not output:
        return None
    parts = output.removeprefix("..").removesuffix("..").split("...")
    return {_component(part.rsplit(".", 1)[0]) for part in parts}


def _component(output_id: str) -> str:
    """A component id, or the "type" of a pattern-matching id ({"chart":["MATCH"],...})."""
    if not output_id.startswith("{"):
        return output_id
    try:
        found = json.loads(output_id)
    except ValueError:
        return output_id
    return str(found.get("type")) if isinstance(found, dict) else output_id


def install(
    server: Flask, cache: ResponseCache, state: Callable[[], str], cacheable: frozenset[str]
) -> None:
    """Serve the answers of callbacks whose every output id is in `cacheable` from `cache`.
    `state()` names what else an answer depends on (data version, banner); it is part of the
    key."""

    @server.before_request
    def _answer_from_cache() -> Response | None:
        if request.method != "POST" or request.path != DASH_UPDATE:
            return None
        written = output_ids(request.get_json(silent=True))
        if written is None or not written <= cacheable:
            return None
        digest = hashlib.sha256(request.get_data()).hexdigest()
        key = f"{state()}\x00{digest}"
        body = cache.get(key)
        if body is not None:
            return Response(body, mimetype="application/json")
        g.response_cache_key = key
        return None

    @server.after_request
    def _keep(response: Response) -> Response:
        key = g.pop("response_cache_key", None)
        if key and response.status_code == 200 and not response.direct_passthrough:
            cache.put(key, response.get_data())
        return response
