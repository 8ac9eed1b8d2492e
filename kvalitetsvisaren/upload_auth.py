"""Who may save an upload of own measures (the page /ladda-upp checks a file for anyone).

With an upload key (KVALITETSVISAREN_UPLOAD_KEY) saving needs that key. Without one, only an
app started to listen on this computer (`python app.py`) saves, and only for a request that
really comes from this computer to this app: a loopback peer, a Host of the app itself, an
Origin of the app itself (a browser sends it with every callback), and no proxy headers. That
refuses a reverse proxy on the same host (every client would look local) and a DNS-rebinding
page in the administrator's browser (its Host and Origin name the attacker's domain).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

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
