"""The browser gets plotly.js's basic bundle (bar, pie, scatter: every trace our charts draw,
1.2 MB) instead of the full one (4.8 MB). In headless Chromium on this 2-core machine,
loading it and drawing a first chart took 0.3-0.5 s instead of 1.6-2.0 s, on every first
page with a chart.

dcc.Graph loads plotly.js lazily, the first time a chart is shown, from the address the
renderer gives it: with serve_locally, always Dash's copy of plotly.py's full bundle. This
answers that address with the basic bundle, so pages without a chart (the overview) still
load no plotly.js at all. Exports (kaleido) keep plotly.py's full bundle."""

from __future__ import annotations

from pathlib import Path

from flask import Response, request, send_file

BUNDLE = Path(__file__).with_name("vendor") / "plotly-basic.min.js"
TRACE_TYPES = frozenset({"bar", "pie", "scatter"})  # what the basic bundle draws
# the address dash-renderer hands dcc.Graph (window._dashPlotlyJSURL) when serving locally
FULL_BUNDLE_PATH = "_dash-component-suites/plotly/package_data/plotly.min.js"


def serve_basic(prefix: str):
    """A before_request hook: the basic bundle at the full bundle's address under the app's
    requests_pathname_prefix, with an ETag (as Dash serves it) so a reload asks, not fetches."""
    path = prefix + FULL_BUNDLE_PATH

    def answer() -> Response | None:
        if request.path != path:
            return None
        return send_file(BUNDLE, mimetype="text/javascript", conditional=True, etag=True)

    return answer
