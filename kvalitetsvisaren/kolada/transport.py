"""HTTP for the Kolada client: one requests.Session, a polite rate, retries, typed errors.

The session's urllib3 Retry handles connection errors and 500/502/503 (honouring Retry-After,
capped). `Transport.get` handles the rest:

* 429: the request waits, and every other request with it, six times, doubling, for at least
  `throttle_patience` seconds in all (a Retry-After, capped, lengthens a wait) before it gives up;
* a read timeout or 504: tried `tries` times. A 504 or a timeout says the query is too heavy,
  so for a query that can be split the caller asks for few tries and then splits it;
* a body cut off while read (requests reads bodies after urllib3's retry loop), under the same
  Retry policy as the session.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util import Retry

from .errors import (
    KoladaConnectionError,
    KoladaError,
    KoladaHTTPError,
    KoladaLimitError,
    KoladaNotFoundError,
    KoladaTimeoutError,
)

RETRY_STATUSES = (500, 502, 503)  # by urllib3; 429 and 504 by Transport.get
MAX_BACKOFF = 30.0
THROTTLE_TRIES = 6  # waits on 429 before giving up; together they last throttle_patience

Timeout = float | tuple[float, float]


class _KoladaRetry(Retry):
    """urllib3 Retry that never waits longer than `max_retry_after` for a Retry-After header (so
    a misbehaving server cannot park a sync for hours) and leaves 429, 504 and read timeouts
    to Transport.get, which counts them separately."""

    def __init__(self, *args: Any, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> _KoladaRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        # urllib3 would retry any 429 with a Retry-After header itself
        if status_code in (429, 504):
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, *args: Any, error: Exception | None = None, **kwargs: Any) -> Retry:
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(*args, error=error, **kwargs)


def make_retry(max_retries: int, backoff_factor: float, max_retry_after: float) -> Retry:
    return _KoladaRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=max_retries,
        backoff_factor=backoff_factor,
        backoff_max=MAX_BACKOFF,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        max_retry_after=max_retry_after,
    )


def make_session(retry: Retry, pool_size: int) -> requests.Session:
    adapter = requests.adapters.HTTPAdapter(
        max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size
    )
    session = requests.Session()
    session.headers["User-Agent"] = "kvalitetsvisaren (+https://github.com/kvalitetsvisaren)"
    session.headers["Accept"] = "application/json"
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Spacing:
    """Starts requests at least 1/rate seconds apart. Even spacing rather than a token bucket:
    no bursts toward Kolada, and concurrent workers stay staggered instead of all parsing at
    once. `pause` holds every start back, as when Kolada answers 429."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


class Transport:
    """GETs for one client; see the module docstring for what is retried where."""

    def __init__(
        self,
        session: requests.Session,
        retry: Retry,
        *,
        max_retries: int,
        rate_limit: float,
        backoff_factor: float,
        max_retry_after: float,
        throttle_patience: float,
        on_request: Any,
    ) -> None:
        self.session = session
        self.retry = retry
        self.max_retries = max_retries
        self.spacing = Spacing(rate_limit)
        self.backoff_factor = backoff_factor
        self.max_retry_after = max_retry_after
        self.throttle_patience = throttle_patience
        self.on_request = on_request

    def get(self, url: str, timeout: Timeout, tries: int) -> requests.Response:
        """The response (any status) after the retries; raises KoladaConnectionError or
        KoladaTimeoutError when there is none."""
        attempt = _Attempt(self, url, timeout, tries)
        while True:
            self.spacing.wait()
            self.on_request()
            try:
                response = self.session.get(url, timeout=timeout)
            except requests.exceptions.ChunkedEncodingError as exc:
                attempt.after_cut_body(exc)
                continue
            except requests.RequestException as exc:
                attempt.after_failure(exc)
                continue
            if not attempt.retry_status(response):
                return response

    def backoff(self, n: int) -> float:
        return min(MAX_BACKOFF, self.backoff_factor * 2 ** (n - 1))


class _Attempt:
    """The state of one GET's retries that urllib3 does not make."""

    def __init__(self, transport: Transport, url: str, timeout: Timeout, tries: int) -> None:
        self.transport = transport
        self.url = url
        self.timeout = timeout
        self.tries = tries
        self.retry = transport.retry
        self.heavy = 0  # timeouts and 504s
        self.n_throttled = 0  # 429s

    def after_cut_body(self, exc: requests.RequestException) -> None:
        try:
            self.retry = self.retry.increment("GET", self.url, error=exc)
        except MaxRetryError:
            raise self._error(exc) from exc
        self.retry.sleep()

    def after_failure(self, exc: requests.RequestException) -> None:
        if not (_timed_out(exc) and self._heavy_retry()):
            raise self._error(exc) from exc

    def _error(self, exc: requests.RequestException) -> KoladaError:
        if _timed_out(exc):
            seconds = self.timeout[1] if isinstance(self.timeout, tuple) else self.timeout
            return KoladaTimeoutError(
                f"Kolada did not answer within {seconds:g} s for {self.url} "
                f"after {self.tries - 1} retries",
                self.url,
            )
        return KoladaConnectionError(
            f"Could not get {self.url} after {self.transport.max_retries} retries: {exc}", self.url
        )

    def retry_status(self, response: requests.Response) -> bool:
        """Whether to ask again after this answer (having waited as needed)."""
        if response.status_code == 429:
            return self._throttle(response)
        if response.status_code == 504:
            return self._heavy_retry()
        return False

    def _heavy_retry(self) -> bool:
        self.heavy += 1
        if self.heavy >= self.tries:
            return False
        time.sleep(self.transport.backoff(self.heavy))
        return True

    def _throttle(self, response: requests.Response) -> bool:
        """Wait out a 429: THROTTLE_TRIES waits, doubling, that add up to throttle_patience
        (each at least what Retry-After asks, capped), then give up."""
        if self.n_throttled >= THROTTLE_TRIES:
            return False
        self.n_throttled += 1
        share = 2 ** (self.n_throttled - 1) / (2**THROTTLE_TRIES - 1)
        asked = min(_retry_after(response), self.transport.max_retry_after)
        wait = max(asked, self.transport.throttle_patience * share)
        self.transport.spacing.pause(wait)  # everyone slows down, not just this request
        return True


def _retry_after(response: requests.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", 0)))
    except ValueError:  # an HTTP date: not worth parsing, the backoff applies
        return 0.0


def _timed_out(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, TimeoutError | requests.Timeout | ReadTimeoutError):
            return True
        if "timed out" in str(cause).lower():
            return True
        nxt = cause.__cause__ or cause.__context__ or getattr(cause, "reason", None)
        cause = nxt if isinstance(nxt, BaseException) else None
    return False


def http_error(response: requests.Response, url: str) -> KoladaHTTPError:
    status = response.status_code
    detail = response.text[:300].strip()
    if status == 422:
        return KoladaLimitError(
            f"Kolada refused {url} (HTTP 422): a request limit was broken "
            f"(at most 25 ids per path segment, per_page at most 5000): {detail}",
            url,
            status,
        )
    if status == 404:
        return KoladaNotFoundError(
            f"Kolada has no such resource: {url} (HTTP 404): {detail}", url, status
        )
    after = " after retrying" if status in (*RETRY_STATUSES, 429, 504) else ""
    return KoladaHTTPError(f"Kolada answered HTTP {status} for {url}{after}: {detail}", url, status)
