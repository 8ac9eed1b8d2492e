"""Typed errors of the Kolada client. Every message names the URL that failed."""

from __future__ import annotations


class KoladaError(Exception):
    """Base class: the client could not return complete, trustworthy data."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class KoladaHTTPError(KoladaError):
    """Kolada answered with an error status, after any retries."""

    def __init__(self, message: str, url: str, status: int) -> None:
        super().__init__(message, url)
        self.status = status


class KoladaLimitError(KoladaHTTPError):
    """HTTP 422: a request broke one of Kolada's limits (25 ids per segment, per_page <= 5000)."""


class KoladaNotFoundError(KoladaHTTPError):
    """HTTP 404: no such route (e.g. a data query with only one dimension)."""


class KoladaConnectionError(KoladaError):
    """No usable answer: connection refused or reset, or timed out, after retries."""


class KoladaTimeoutError(KoladaConnectionError):
    """The server did not answer within the timeout, after retries."""


class KoladaResponseError(KoladaError):
    """A 200 answer we cannot trust: malformed JSON, an "error" key, a wrong shape,
    or broken paging (a next_url cycle)."""
