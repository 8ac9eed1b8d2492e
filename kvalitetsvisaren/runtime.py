"""The service the running app serves from. `create_app` installs it once; pages fetch it in
their callbacks (never at import), and tests install their own."""

from __future__ import annotations

from .service import IndicatorService

_service: IndicatorService | None = None


def set_service(service: IndicatorService) -> None:
    global _service
    _service = service


def get_service() -> IndicatorService:
    if _service is None:
        raise RuntimeError("No IndicatorService installed; create the app with create_app()")
    return _service
