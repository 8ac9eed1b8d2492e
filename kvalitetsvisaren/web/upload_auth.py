"""Checking and saving an upload of own measures, and who may save it (the page /ladda-upp
checks a file for anyone; `check_or_save` is its logic, the page only draws the outcome).

With an upload key (KVALITETSVISAREN_UPLOAD_KEY) saving needs that key. Without one, only an
app started to listen on this computer (`python app.py`) saves, and only for a request that
really comes from this computer to this app: a loopback peer, a Host of the app itself, an
Origin of the app itself (a browser sends it with every callback), and no proxy headers. That
refuses a reverse proxy on the same host (every client would look local) and a DNS-rebinding
page in the administrator's browser (its Host and Origin name the attacker's domain).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..local.own_measures import read_own_measures, save_upload
from ..local.own_rules import OwnMeasuresError

if TYPE_CHECKING:
    import pandas as pd

    from .runtime import Runtime

log = logging.getLogger("kvalitetsvisaren.web.pages")

LOOPBACK_PEERS = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
PROXY_HEADERS = (
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Real-Ip",
)


@dataclass(frozen=True)
class SaveRequest:
    """What of the HTTP request decides: the peer address, the server's port, the headers."""

    peer: str | None
    port: str | None
    headers: Mapping[str, str]

    @classmethod
    def current(cls) -> SaveRequest:
        """Flask's request being served (none outside a request: nothing to trust)."""
        import flask

        if not flask.has_request_context():
            return cls(None, None, {})
        return cls(
            peer=flask.request.remote_addr,
            port=flask.request.environ.get("SERVER_PORT"),
            headers=dict(flask.request.headers),
        )


@dataclass(frozen=True)
class Outcome:
    """What became of an uploaded file: read (`rows`), and `saved`; or why not: its
    `problems`, the `refused` reason to save, or `failed` (the folder could not be written,
    logged)."""

    rows: pd.DataFrame | None = None
    saved: bool = False
    problems: OwnMeasuresError | None = None
    refused: str | None = None
    failed: bool = False


def check_or_save(
    runtime: Runtime,
    contents: str,
    filename: object,
    *,
    saving: bool,
    key: object,
    request: SaveRequest,
) -> Outcome:
    """Read an uploaded file (a dcc.Upload value) against the served data; with `saving`, and
    if `refusal` allows it, write it into the local folder and reload the local layer."""
    name = filename if isinstance(filename, str) and filename else "fil.csv"
    svc = runtime.service
    store = svc.store
    where = {"config": svc.config, "ous": store.ous, "municipalities": store.municipalities}
    try:
        content = decode(contents)
        rows = read_own_measures(content, name, **where)
        if not saving:
            return Outcome(rows)
        refused = refusal(
            request,
            has_folder=runtime.local_path is not None,
            upload_key=runtime.upload_key,
            open_upload=runtime.open_upload,
            key=key,
        )
        if refused:
            return Outcome(rows, refused=refused)
        save_upload(runtime.local_path, name, content, **where)
    except OwnMeasuresError as exc:
        return Outcome(problems=exc)
    except OSError:
        log.exception("Could not save an upload into %s", runtime.local_path)
        return Outcome(failed=True)
    runtime.reload_local()
    return Outcome(rows, saved=True)


def decode(contents: str) -> bytes:
    """A dcc.Upload value ("data:<type>;base64,<data>") to the file's bytes."""
    _, _, data = (contents or "").partition(",")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise OwnMeasuresError(
            "uppladdningen", [(None, "filen kom inte fram hel; försök igen")]
        ) from None


def refusal(
    request: SaveRequest,
    *,
    has_folder: bool,
    upload_key: str | None,
    open_upload: bool,
    key: object,
) -> str | None:
    """None if the upload may be saved, else why not (Swedish, for the page)."""
    if not has_folder:
        return "Servern har ingen mapp för lokala uppgifter."
    if upload_key:
        given = key if isinstance(key, str) else ""
        if hmac.compare_digest(given.encode(), upload_key.encode()):
            return None
        return "Fel uppladdningsnyckel; filen sparades inte."
    if not open_upload:
        return "Att spara filer är avstängt på den här servern."
    why = not_from_this_computer(request)
    if why is None:
        return None
    return (
        f"Filen sparades inte: utan uppladdningsnyckel sparas filer bara från den här datorn, "
        f"direkt till appen ({why}). Starta servern med KVALITETSVISAREN_UPLOAD_KEY för att "
        "spara över nätverket."
    )


def not_from_this_computer(request: SaveRequest) -> str | None:
    """Why the request may not come from a browser on this computer talking to this app."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    if request.peer not in LOOPBACK_PEERS:
        return "anslutningen kommer från en annan dator"
    proxied = [h for h in PROXY_HEADERS if h.lower() in headers]
    if proxied:
        return f"begäran har gått via en proxy ({proxied[0]})"
    own_hosts = {f"{name}:{request.port}" for name in LOOPBACK_NAMES}
    host = headers.get("host", "")
    if host not in own_hosts:
        return "adressen är inte appens egen"
    if headers.get("origin") != f"http://{host}":
        return "sidan som skickade filen är inte appens egen"
    return None
