"""create_app(store, config) -> Dash: the four levels as Dash Pages over one IndicatorService."""

from __future__ import annotations

from pathlib import Path

from dash import Dash
from flask import Response, redirect, request

from . import download, shell
from .config import AppConfig
from .paths import ASSETS
from .runtime import get_service, set_service
from .service import IndicatorService
from .store import Store
from .urls import Params, overview_url

PAGES = Path(__file__).parent / "pages"


def create_app(store: Store, config: AppConfig, service: IndicatorService | None = None) -> Dash:
    """Build the service (all rankings, once) and the app. Call once per process: Dash keeps
    page and callback registrations in module globals."""
    set_service(service or IndicatorService(store, config))
    app = Dash(
        "kvalitetsvisaren",  # the package name: pages import as kvalitetsvisaren.pages.*
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        title="Kvalitetsvisaren",
        update_title=None,
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="sv">', 1)
    app.layout = shell.layout
    app.server.before_request(_home_to_overview)
    app.server.add_url_rule("/export/<kind>", "export", download.serve)
    return app


def _home_to_overview() -> Response | None:
    """/ -> the overview of the default municipality and the latest year, as a full URL that
    can be bookmarked."""
    if request.path != "/":
        return None
    svc = get_service()
    return redirect(overview_url(Params(svc.config.default_municipality, svc.years()[0])))
