"""HTTP security headers, compatible with Dash: a Content-Security-Policy that allows only the
app's own scripts (plus the hashes of Dash's few inline ones), no sniffing, and framing only by
the origins the municipality allows (its own site, for embedding)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import Response

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


def add_headers(response: Response, csp: str | None = None) -> Response:
    if csp:
        response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response
