"""create_app(store, config) -> Dash: the four levels as Dash Pages over one IndicatorService,
plus /healthz, the /export downloads and the security headers."""

from __future__ import annotations

import logging
from pathlib import Path

from dash import Dash, State
from flask import Response, g, jsonify, redirect, request
from werkzeug.test import Client

from .. import memory
from ..config.models import AppConfig
from ..data.freshness import DEFAULT_MAX_AGE_DAYS
from ..data.store import Store
from ..local.layer import load_local
from ..local.own_measures import template_csv
from ..local.own_rules import MAX_REQUEST_BYTES
from ..paths import ASSETS
from ..service.facade import IndicatorService
from . import download, http_checks, ids, pagekit, plotly_bundle, response_cache, security, shell
from .runtime import Runtime, get_runtime, get_service, install
from .urls import Params, overview_url

PAGES = Path(__file__).parent / "pages"
log = logging.getLogger("kvalitetsvisaren")
CACHE = response_cache.ResponseCache()  # per process (each gunicorn worker has its own)
TRIMMER = memory.IdleTrimmer()  # per process too (it starts its thread on the first callback)
# Callbacks that only show a view (pure functions of their request and the data served): the
# response cache keeps their answers and no others (an upload's check or save, navigation).
CACHEABLE_OUTPUTS = frozenset(
    {
        "_pages_content",
        "_pages_store",
        ids.OVERVIEW_CONTENT,
        ids.AREA_CONTENT,
        ids.KPI_CONTENT,
        ids.KPI_SPREAD,
        ids.KPI_GROUP_CONTENT,
        ids.KPI_MORE,
        ids.UNITS_CONTENT,
        ids.OWN_CONTENT,
        ids.CHART_TABLE,  # pattern id: the table of a chart, built when opened
        ids.LAZY_CHART,  # pattern id: a chart built when its details are opened
        ids.EMBED_OVERVIEW_CONTENT,
        ids.EMBED_AREA_CONTENT,
    }
)


def create_app(
    store: Store,
    config: AppConfig,
    service: IndicatorService | None = None,
    *,
    store_path: str | Path | None = None,
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    frame_ancestors: str = "'self'",
    reload_every: float = 10.0,
    local_path: str | Path | None = None,
    upload_key: str | None = None,
    open_upload: bool = False,
) -> Dash:
    """Build the service (all rankings, once) and the app. Call once per process: Dash keeps
    page and callback registrations in module globals.

    `store_path` is the data directory as configured (a link a sync may switch); when given,
    the app picks up newly synced data without restart. `frame_ancestors` are the origins
    allowed to embed the embeddable views, /inbaddning/... (CSP syntax, e.g. "'self' https://www.vastervik.se").

    `local_path` is the folder of the municipality's own measures and targets (local.py);
    an upload is saved there with `upload_key`, or without one if `open_upload` (only for
    an app that listens on loopback)."""
    if service is None:
        service = IndicatorService(store, config, local=load_local(local_path, config, store))
        memory.give_back()  # what the build freed (memory.py)
    install(
        Runtime(
            service,
            config,
            store_path,
            max_age_days=max_age_days,
            check_every=reload_every,
            local_path=local_path,
            upload_key=upload_key,
            open_upload=open_upload,
        )
    )
    for name, why in service.local.rejected.items():
        log.warning("Local file %s was left out: %s", name, why)
    app = Dash(
        "kvalitetsvisaren",  # the package name: pages import as kvalitetsvisaren.web.pages.*
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        title="Kvalitetsvisaren",
        update_title=None,
        serve_locally=True,  # every script from our origin: the CSP allows nothing else
        on_error=pagekit.callback_failed,  # the last resort: never a blank page
        # Without this Dash builds every page's example at start-up as a "validation layout"
        # and sends it inside every HTML page (250 KB of 257): tests/test_pages.py checks
        # instead that every callback's ids are in the pages.
        suppress_callback_exceptions=True,
        # the real location, besides Dash's merge of path variables and query (pagekit)
        routing_callback_inputs={
            pagekit.LOCATION_PATH: State("_pages_location", "pathname"),
            pagekit.LOCATION_SEARCH: State("_pages_location", "search"),
        },
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="sv">', 1)
    app.layout = shell.layout
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # refused (413) before it is read
    server.before_request(plotly_bundle.serve_basic(app.config.requests_pathname_prefix))
    server.before_request(http_checks.guard_callbacks(lambda: app.callback_map))
    server.before_request(_pick_up_new_data)
    server.before_request(_home_to_overview)
    response_cache.install(server, CACHE, _answer_depends_on, CACHEABLE_OUTPUTS)
    server.after_request(http_checks.page_status)
    server.before_request(_callback_started)
    server.teardown_request(_callback_ended)
    server.add_url_rule("/export/<kind>", "export", download.serve)
    server.register_error_handler(404, http_checks.not_found_page(app.index))
    server.add_url_rule("/healthz", "healthz", _healthz)
    server.add_url_rule("/ladda-upp/mall.csv", "template", _template)
    frame_ancestors = security.check_frame_ancestors(frame_ancestors)
    csp: list[str] = []  # the policies, known once Dash is set up (below)
    server.after_request(
        lambda response: security.add_headers(response, *security.pick(csp, request.path))
    )
    # Let Dash finish setting itself up now, in one thread (and, under gunicorn --preload,
    # once before the workers fork) rather than racing on the first concurrent requests.
    # Only then are all its inline scripts (the pages' clientside callbacks) known.
    # (werkzeug's client, not Flask's test_client: that one imports click's testing, 0.15 s)
    Client(server).get("/_dash-dependencies")
    # only the embeddable views may be framed by the configured sites (issue 17)
    csp.append(security.policy(app.csp_hashes(), security.not_embedded(frame_ancestors)))
    csp.append(security.policy(app.csp_hashes(), frame_ancestors))
    return app


def _callback_started() -> None:
    if request.path.endswith(response_cache.DASH_UPDATE):
        g.trim_when_idle = True
        TRIMMER.enter()


def _callback_ended(_error: BaseException | None) -> None:
    """Once no callback is in flight, what they freed goes back to the system (memory.py:
    IdleTrimmer): the heap otherwise kept what the last few hundred views built."""
    if g.pop("trim_when_idle", False):
        TRIMMER.leave()


def warm_up() -> None:
    """Show the default municipality's views once, in this process: what the first view loads
    lazily (plotly's validators, Dash's component classes, the JSON encoder) and the service's
    caches for the municipality most readers look at (its overview, and each level of the
    first area). Under gunicorn --preload this runs once
    before the workers fork, so every worker shares it instead of building its own copy for
    its first reader. Never stops the app: a failure is logged and the app serves as usual."""
    from plotly.io.json import to_json_plotly

    from .pages import area, kpi, overview, units

    svc = get_service()
    municipality = svc.config.default_municipality
    try:
        p = {"kommun": municipality, "ar": str(svc.overview_years(municipality)[0])}
        shown = [overview.update_overview(p)]
        for a in svc.config.areas[:1]:  # one of each kind of view is enough for the imports
            shown.append(area.update_area(p, a.id))
            headline = svc.headline_kpi(a.id)
            shown.append(kpi.update_kpi({**p, "omrade": a.id}, headline))
            shown.append(kpi.update_kpi_charts({**p, "omrade": a.id}, headline))
            years = svc.unit_years(a.id, municipality)
            if years and a.ou_prefix:
                shown.append(units.update_units({"kommun": municipality, "ar": years[0]}, a.id))
        to_json_plotly(shown)
    except Exception:  # a warm-up must never keep the app from serving
        log.warning("Warming up on %s failed; serving anyway", municipality, exc_info=True)


def _answer_depends_on() -> str:
    """Besides the request: the data version and the banner (a failed sync shows at once)."""
    runtime = get_runtime()
    return f"{runtime.state()}|{runtime.freshness().banner()}"


def _pick_up_new_data() -> None:
    get_runtime().maybe_reload()


def _home_to_overview() -> Response | None:
    """/ -> the overview of the default municipality and the latest year, as a full URL that
    can be bookmarked."""
    if request.path != "/":
        return None
    svc = get_service()
    return redirect(overview_url(Params(svc.config.default_municipality, svc.years()[0])))


def _template() -> Response:
    """The example file for own measures, to fill in (Excel opens it with å, ä, ö right)."""
    return Response(
        template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="egna-matt-mall.csv"'},
    )


def _healthz() -> Response:
    """For monitoring: what is served and whether it is fresh. 200 while the app serves; the
    status field says "stale" when the data is old or the last sync failed."""
    runtime = get_runtime()
    summary = runtime.service.store.summary()
    del summary["path"]  # the server's file layout is nobody else's business
    body = {
        **summary,
        **runtime.freshness().health(),
        "version": runtime.version,
        "local": {
            "own_measures": int(runtime.service.local.measures["measure_id"].nunique()),
            "targets": len(runtime.service.local.targets),
            "rejected_files": sorted(runtime.service.local.rejected),
        },
        "response_cache": CACHE.stats(),
    }
    return jsonify(body)
