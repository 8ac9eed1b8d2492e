"""HTTP security headers, compatible with Dash: a Content-Security-Policy that allows only the
app's own scripts (plus the hashes of Dash's few inline ones), no sniffing, and framing of the
embeddable views only by the origins the municipality allows (its own site), of every other
page only by the app's own origin."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import Response

from .viewstate import EMBED_PATHS, match_path

# A CSP source: a keyword, or a scheme + host (wildcard subdomain allowed) + optional port.
_SOURCE = re.compile(r"^('self'|'none'|https?://(\*\.)?[a-z0-9.-]+(:\d{1,5})?)$", re.IGNORECASE)


def check_frame_ancestors(value: str) -> str:
    """The origins allowed to embed the pages, checked so that no setting can break or
    extend the header (no ';', no newlines, nothing but sources)."""
    sources = value.split()
    bad = [s for s in sources if not _SOURCE.match(s)]
    if not sources or bad:
        raise ValueError(
            f"frame-ancestors: {' '.join(bad) or '(tomt)'} är inte en giltig källa; skriv t.ex. "
            "\"'self' https://www.kommunen.se\" eller 'none'"
        )
    return " ".join(sources)


def policy(script_hashes: Sequence[str], frame_ancestors: str) -> str:
    frame_ancestors = check_frame_ancestors(frame_ancestors)
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Dash components and plotly set inline styles; plotly draws with data:/blob: URLs
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def not_embedded(frame_ancestors: str) -> str:
    """Framing for every page but the embeddable views: only by the app's own origin (as
    before issue 17), or by nobody if the setting says so."""
    return "'none'" if check_frame_ancestors(frame_ancestors) == "'none'" else "'self'"


def is_embeddable(path: str) -> bool:
    """An embeddable view's path (/inbaddning/oversikt, /inbaddning/omrade/<area>)."""
    matched = match_path(path)
    return matched is not None and matched[0] in EMBED_PATHS


def pick(policies: Sequence[str], path: str) -> list[str]:
    """The policy for a response to `path`, of [the others', the embeddable views'] (none
    before both are known)."""
    if len(policies) < 2:
        return []
    return [policies[1] if is_embeddable(path) else policies[0]]


def add_headers(response: Response, csp: str | None = None) -> Response:
    if csp:
        response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response
