"""Fault injection for the Kolada stand-in: deterministic, scriptable rules.

A `FaultPlan` is an ordered list of `FaultRule`s. For every API request the plan is asked what to
do with the request's path+query (e.g. ``/v3/data/kpi/N1/year/2020?page=2``):

* each rule whose `match` regex is found in the target counts the request;
* a rule *fires* once it has skipped its first `after` matches, at most `times` times
  (None = always), and, if `probability` is set, when its own seeded RNG says so;
* ``latency`` rules add their delay and evaluation goes on; the first other rule that fires
  decides the fault and evaluation stops (later rules do not see the request).

Rules are plain dataclasses and round-trip through JSON dicts (CLI ``--faults FILE.json`` and the
admin endpoint ``POST /_standin/faults``)::

    [{"kind": "status", "status": 503, "match": "/v3/data", "times": 2},
     {"kind": "drop", "match": "page=3", "times": 1},
     {"kind": "latency", "seconds": 0.2, "probability": 0.5, "seed": 7}]

Kinds and their parameters:

==============  ================================================================================
``status``      HTTP `status` (default 500) with a small JSON error body; 429 and 503 also
                send ``Retry-After: <retry_after>`` (default 1).
``timeout``     sleep `seconds` (default 5), then answer normally.
``drop``        cut the connection without a complete response. `variant` ``"partial"``
                (default): status line, headers with a Content-Length, half a body, then
                close; ``"close"``: close without sending a byte.
``malformed``   200 with a body that is not JSON. `variant` ``"html"`` (default): an HTML
                "502 Bad Gateway" page as text/html; ``"garbage"``: junk as application/json.
``truncated``   200 application/json, the normal body cut after `fraction` (default 0.5) of its
                bytes; Content-Length matches the cut body.
``error_body``  200 ``{"error": "This endpoint is deprecated. Please use /v3 instead."}``.
``wrong_shape`` 200 with a broken envelope. `variant` ``"values_not_list"`` (default),
                ``"items_missing_keys"`` (the normal items with keys removed) or
                ``"missing_values"`` (no ``values`` key at all).
``cycle``       the normal page, but ``next_url`` points back to page `to_page` (default 1).
``repeat``      page `to_page`'s values whatever page was asked, ``next_url`` announcing the
                next page: a server that ignores ``page``, the cycle a client must catch.
``empty_next``  200 with ``values: []``, ``count: 0`` and a ``next_url`` to the next page.
``latency``     `seconds` extra delay for matching requests only (does not stop evaluation).
==============  ================================================================================
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

KINDS = (
    "status",
    "timeout",
    "drop",
    "malformed",
    "truncated",
    "error_body",
    "wrong_shape",
    "cycle",
    "repeat",
    "empty_next",
    "latency",
)
VARIANTS: dict[str, tuple[str, ...]] = {
    "drop": ("partial", "close"),
    "malformed": ("html", "garbage"),
    "wrong_shape": ("values_not_list", "items_missing_keys", "missing_values"),
}
DEFAULT_SECONDS = {"timeout": 5.0, "latency": 0.0}


@dataclass
class FaultRule:
    """One fault-injection rule. See the module docstring for the kinds and their parameters."""

    kind: str
    match: str | None = None
    after: int = 0
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    name: str | None = None
    # Parameters of particular kinds.
    status: int = 500
    retry_after: float = 1
    seconds: float | None = None
    variant: str | None = None
    fraction: float = 0.5
    to_page: int = 1
    # Live state (not part of the rule's identity, not serialised).
    matched: int = field(default=0, init=False, compare=False)
    fired: int = field(default=0, init=False, compare=False)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.after < 0:
            raise ValueError(f"after must be >= 0, got {self.after}")
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be >= 0 or None, got {self.times}")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {self.probability}")
        if not 100 <= int(self.status) <= 599:
            raise ValueError(f"status must be an HTTP status code, got {self.status}")
        if not 0.0 <= self.fraction < 1.0:
            raise ValueError(f"fraction must be within [0, 1), got {self.fraction}")
        allowed = VARIANTS.get(self.kind)
        if self.variant is not None and (allowed is None or self.variant not in allowed):
            raise ValueError(f"variant {self.variant!r} is not valid for kind {self.kind!r}")
        if self.variant is None and allowed is not None:
            self.variant = allowed[0]
        if self.seconds is None:
            self.seconds = DEFAULT_SECONDS.get(self.kind, 0.0)
        self._pattern = re.compile(self.match) if self.match is not None else None
        self._rng = random.Random(self.seed)

    @property
    def label(self) -> str:
        """How the rule is named in the request log: its `name`, else its kind."""
        return self.name or self.kind

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        known = {f.name for f in fields(cls) if f.init}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault rule keys {sorted(unknown)}; known: {sorted(known)}")
        if "kind" not in data:
            raise ValueError(f"fault rule without 'kind': {dict(data)!r}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The rule's parameters (not its counters), omitting values left at their default."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if not f.init:
                continue
            value = getattr(self, f.name)
            if f.name == "kind" or f.default is MISSING or value != f.default:
                out[f.name] = value
        return out

    def _consider(self, target: str) -> bool:
        """Count `target` if it matches and say whether the rule fires. Caller holds the lock."""
        if self._pattern is not None and not self._pattern.search(target):
            return False
        self.matched += 1
        if self.matched <= self.after:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class FaultDecision:
    """What the plan decided for one request."""

    rule: FaultRule | None = None
    extra_latency: float = 0.0
    fired: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        """Labels of every rule that fired (latency ones included), comma-joined; None if none."""
        return ",".join(self.fired) if self.fired else None


class FaultPlan:
    """An ordered, thread-safe list of fault rules with their live counters."""

    def __init__(self, rules: Iterable[FaultRule | Mapping[str, Any]] = ()) -> None:
        self._lock = threading.Lock()
        self._rules = [_coerce(r) for r in rules]

    @classmethod
    def from_json(cls, data: str | bytes | list[Any] | None) -> FaultPlan:
        """A plan from a JSON list of rule dicts (text, bytes or already parsed)."""
        if data is None:
            return cls()
        parsed = json.loads(data) if isinstance(data, str | bytes) else data
        if isinstance(parsed, Mapping):
            parsed = parsed.get("rules", [parsed] if "kind" in parsed else None)
        if not isinstance(parsed, list):
            raise ValueError("fault plan JSON must be a list of rule objects")
        return cls(parsed)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FaultPlan:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def add(self, rule: FaultRule | Mapping[str, Any]) -> FaultRule:
        rule = _coerce(rule)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def to_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**r.to_dict(), "matched": r.matched, "fired": r.fired} for r in self._rules]

    def decide(self, target: str) -> FaultDecision:
        """Match `target` (path+query) against the rules in order; see the module docstring."""
        delay = 0.0
        fired: list[str] = []
        with self._lock:
            for rule in self._rules:
                if not rule._consider(target):
                    continue
                fired.append(rule.label)
                if rule.kind == "latency":
                    delay += float(rule.seconds or 0.0)
                    continue
                return FaultDecision(rule, delay, tuple(fired))
        return FaultDecision(None, delay, tuple(fired))

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)

    def __repr__(self) -> str:
        return f"FaultPlan({self.rules!r})"


def _coerce(rule: FaultRule | Mapping[str, Any]) -> FaultRule:
    if isinstance(rule, FaultRule):
        return rule
    if isinstance(rule, Mapping):
        return FaultRule.from_dict(rule)
    raise TypeError(f"a fault rule must be a FaultRule or a dict, got {type(rule).__name__}")


def as_plan(faults: FaultPlan | Iterable[FaultRule | Mapping[str, Any]] | None) -> FaultPlan:
    """A FaultPlan from a plan, a list of rules/dicts, or None (empty plan)."""
    if isinstance(faults, FaultPlan):
        return faults
    return FaultPlan(faults or ())


__all__ = ["KINDS", "FaultDecision", "FaultPlan", "FaultRule", "as_plan"]
