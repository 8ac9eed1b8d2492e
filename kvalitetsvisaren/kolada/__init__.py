"""Kolada v3: pure URL builders and planning, HTTP client, JSON -> DataFrame, typed errors.
Imports nothing else of the package: requests, diskcache and pandas only."""

from .client import KoladaClient
from .errors import (
    KoladaConnectionError,
    KoladaError,
    KoladaHTTPError,
    KoladaLimitError,
    KoladaNotFoundError,
    KoladaResponseError,
    KoladaTimeoutError,
)
from .queries import DEFAULT_BASE_URL

__all__ = [
    "DEFAULT_BASE_URL",
    "KoladaClient",
    "KoladaConnectionError",
    "KoladaError",
    "KoladaHTTPError",
    "KoladaLimitError",
    "KoladaNotFoundError",
    "KoladaResponseError",
    "KoladaTimeoutError",
]
