"""A reader's browser, simulated over HTTP: the requests Dash makes to show one page.

A page view in Dash is: the HTML page, `/_dash-layout`, `/_dash-dependencies`, the Pages
callback that returns the page's content for the URL, then every callback whose inputs that
content holds (our pages fill their main region from a dcc.Store of checked parameters). This
replays that sequence with `requests`, so the load benchmark and the production tests exercise
the same work a browser causes, without a browser. Only for servers on loopback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

PAGES_OUTPUT = "_pages_content.children"


@dataclass(frozen=True)
class Hit:
    """One request: what it was for, its status, how long it took (seconds)."""

    kind: str  # "page", "layout", "dependencies", "pages", "callback"
    status: int
    seconds: float
    target: str
    size: int = 0  # bytes of the answer


@dataclass
class PageView:
    hits: list[Hit] = field(default_factory=list)
    content: Any = None  # the page content the Pages callback returned
    callbacks: dict[str, Any] = field(default_factory=dict)  # output -> response JSON

    @property
    def ok(self) -> bool:
        """Every request answered: the page itself may be a 404/400 for a URL that names no
        view (its content explains why), everything else 200 (or 204: nothing to update)."""
        return all(
            h.status in ((200, 400, 404) if h.kind == "page" else (200, 204)) for h in self.hits
        )


def walk(tree: Any) -> Iterator[dict[str, Any]]:
    """Every component (a dict with "props") in a Dash component tree."""
    if isinstance(tree, list):
        for item in tree:
            yield from walk(item)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            yield tree
            yield from walk(props.get("children"))
            for value in props.values():
                if isinstance(value, dict | list) and value is not props.get("children"):
                    yield from walk(value)


def texts(tree: Any) -> str:
    """All text in a tree, space-joined (for assertions on what a reader would see)."""
    out: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict) and isinstance(node.get("props"), dict):
            visit(node["props"].get("children"))

    visit(tree)
    return " ".join(out)


class DashSession:
    """One reader: a requests.Session against `origin` (e.g. http://127.0.0.1:8050)."""

    def __init__(self, origin: str, timeout: float = 30.0) -> None:
        host = urlsplit(origin).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"only loopback servers may be driven, not {origin}")
        self.origin = origin.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self._dependencies: list[dict[str, Any]] | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> DashSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def view(self, target: str, *, assets: bool = True) -> PageView:
        """Load `target` (path + query) as a browser does. With assets=False, a reader who has
        the app open already and navigates: only the callbacks."""
        view = PageView()
        path, _, query = target.partition("?")
        if assets:
            self._get(view, "page", target)
            self._get(view, "layout", "/_dash-layout")
            deps = self._get(view, "dependencies", "/_dash-dependencies")
            self._dependencies = deps.json() if deps.status_code == 200 else None
        elif self._dependencies is None:
            self._dependencies = self.http.get(self._url("/_dash-dependencies")).json()
        if not self._dependencies:
            return view
        body = {
            "output": f"..{PAGES_OUTPUT}..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": f"?{query}"},
            ],
            "state": self._router_state(path, f"?{query}"),
            "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
        }
        response = self._post(view, "pages", body)
        if response.status_code != 200:
            return view
        view.content = response.json()["response"]["_pages_content"]["children"]
        for callback in self._ready_callbacks(view.content):
            answer = self._post(view, "callback", callback)
            if answer.status_code == 200:
                view.callbacks[callback["output"]] = answer.json().get("response")
        return view

    def _router_state(self, path: str, search: str) -> list[dict[str, Any]]:
        """The states the app gives its router (ours: the location again), as a browser fills
        them: the app's own dependencies say which."""
        router = next(
            (d for d in self._dependencies or [] if d["output"].startswith(f"..{PAGES_OUTPUT}")),
            {},
        )
        location = {"pathname": path, "search": search}
        return [{**s, "value": location.get(s["property"])} for s in router.get("state", [])]

    def _ready_callbacks(self, content: Any) -> list[dict[str, Any]]:
        """The server callbacks the page content triggers at once: all inputs and states are
        components in it. The browser fires these when the content is inserted, even those with
        prevent_initial_call (seen in Chromium with Dash 4), so they are fired here too."""
        props = {}
        for node in walk(content):
            cid = node["props"].get("id")
            if isinstance(cid, str):
                props[cid] = node["props"]
        out = []
        for dep in self._dependencies or []:
            if dep.get("clientside_function"):
                continue
            inputs, state = dep.get("inputs", []), dep.get("state", [])
            needed = [*inputs, *state]
            if not inputs or any(
                not isinstance(d["id"], str) or d["id"] not in props for d in needed
            ):
                continue

            def value(d: dict[str, Any]) -> dict[str, Any]:
                return {**d, "value": props[d["id"]].get(d["property"])}

            output = dep["output"]
            outputs: Any = [
                dict(zip(("id", "property"), o.split("."), strict=True))
                for o in output.strip(".").split("...")
            ]
            out.append(
                {
                    "output": output,
                    "outputs": outputs if output.startswith("..") else outputs[0],
                    "inputs": [value(d) for d in inputs],
                    "state": [value(d) for d in state],
                    "changedPropIds": [],
                }
            )
        return out

    def _url(self, target: str) -> str:
        return self.origin + target

    def _get(self, view: PageView, kind: str, target: str) -> requests.Response:
        start = time.perf_counter()
        response = self.http.get(self._url(target), timeout=self.timeout)
        seconds = time.perf_counter() - start
        view.hits.append(Hit(kind, response.status_code, seconds, target, _size(response)))
        return response

    def _post(self, view: PageView, kind: str, body: dict[str, Any]) -> requests.Response:
        start = time.perf_counter()
        response = self.http.post(
            self._url("/_dash-update-component"), json=body, timeout=self.timeout
        )
        seconds = time.perf_counter() - start
        view.hits.append(Hit(kind, response.status_code, seconds, body["output"], _size(response)))
        return response


def _size(response: Any) -> int:
    content = getattr(response, "content", None)
    return len(content) if isinstance(content, bytes) else len(getattr(response, "text", ""))


class _Response:
    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self._json = response.get_json(silent=True)
        self.content = response.get_data()

    def json(self) -> Any:
        return self._json


class _Http:
    """The two calls DashSession makes, answered by a Flask test client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, url: str, timeout: float | None = None) -> _Response:
        return _Response(self.client.get(url))

    def post(self, url: str, json: Any = None, timeout: float | None = None) -> _Response:
        return _Response(self.client.post(url, json=json))


class ClientSession(DashSession):
    """A reader's page views (page, layout, dependencies, Pages callback, content callbacks)
    through a Flask test client (`app.server.test_client()`) instead of a server."""

    def __init__(self, client: Any) -> None:
        self.origin, self.timeout, self._dependencies = "", 30.0, None
        self.http = _Http(client)

    def close(self) -> None:
        pass
