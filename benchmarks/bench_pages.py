"""Page benchmark at the largest scale, today's code beside a baseline's, in one run.

    python benchmarks/bench_pages.py [--baseline df8b758] [--repeats 10] [--render-timeout 30]
                                     [--levels 1,2,2:2,2:3]

Both code trees (the baseline commit in a temporary worktree, and this checkout) side by side,
each measurement taken of one and then the other:
1. Start-up and the overview callback, in a process of the tree's own: seconds to build the
   app after the imports; the overview content callback called directly (median over the
   largest municipalities and Västervik; goal <= 50 ms).
2. `python app.py` of the tree; every level of every area for Stockholm, Göteborg, Uppsala and
   Malmö (latest year with data; unit pages on the latest unit year) replayed over HTTP as a
   browser asks for them (testing/dash_session): the largest callback answer per view (goal
   <= 300 KB) and the server's time; then the process's resident memory after all of them
   (goal <= 300 MB).
3. Headless Chromium (Playwright, a fresh context per view: nothing cached): seconds from
   navigation to the first frame painted with the first meaningful content (level 1 tiles,
   level 2 KPI rows, level 2:2 and 2:3 the view's heading), timed in the page, for a subset of
   those views (goal <= 3 s); a view that shows nothing within --render-timeout is reported
   as "> N s". For the views with charts (2:2, 2:3), also the seconds until every chart of
   the view is drawn (plotly.js fetched, evaluated and plotted).
With --levels only those levels are measured (2:3 alone: every area of the four, rendered).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from trees import DEFAULT_BASELINE, checkout, idle_settle, rss_mb, serve, tree_env

from kvalitetsvisaren.paths import ROOT
from kvalitetsvisaren.testing.dash_session import DashSession

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LARGEST = {"0180": "Stockholm", "1480": "Göteborg", "0380": "Uppsala", "1280": "Malmö"}
AREAS = {  # area: (headline KPI, latest year with unit data in the snapshot)
    "hemtjanst": ("U21504", 2024),
    "sarskilt-boende": ("U23520", 2024),
    "forskola": ("N11041", 2024),
    "grundskola": ("N15505", 2024),
    "gymnasieskola": ("N17467", 2024),
}
YEAR = 2022
SELECTORS = {
    "1": "#main [data-measure]",
    "2": "#main [data-kpi]",
    "2:2": "#main h1",
    "2:3": "#main h1",
}
BROWSER_VIEWS = [  # (level, area) rendered in the browser for each of the largest
    ("1", None),
    ("2", "grundskola"),
    ("2:2", "hemtjanst"),
    ("2:3", "hemtjanst"),
    ("2:3", "forskola"),
    ("2:3", "grundskola"),
]
STARTUP = """
import json, statistics, time
t0 = time.perf_counter()
from kvalitetsvisaren.paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG
try:  # the tree's layout: subpackages (issue 15), or a baseline's flat modules
    from kvalitetsvisaren.config.loader import load_config
    from kvalitetsvisaren.data.store import load_store
    from kvalitetsvisaren.web.factory import create_app
    PAGES = "kvalitetsvisaren.web.pages.overview"
except ImportError:
    from kvalitetsvisaren.config import load_config
    from kvalitetsvisaren.factory import create_app
    from kvalitetsvisaren.store import load_store
    PAGES = "kvalitetsvisaren.pages.overview"
t1 = time.perf_counter()
create_app(load_store(BUNDLED_SNAPSHOT), load_config(DEFAULT_CONFIG))
t2 = time.perf_counter()
import importlib
update_overview = importlib.import_module(PAGES).update_overview  # registered by create_app
times = []
for i in range({repeats}):
    params = {{"kommun": {municipalities!r}[i % {n}], "ar": "{year}", "grupp": "liknande"}}
    start = time.perf_counter()
    update_overview(params)
    times.append(time.perf_counter() - start)
print(json.dumps({{"imports": t1 - t0, "startup": t2 - t1, "overview": times}}))
"""


def target(level: str, municipality: str, area: str | None) -> str:
    q = f"kommun={municipality}&ar={YEAR}"
    if level == "1":
        return f"/oversikt?{q}"
    if level == "2":
        return f"/omrade/{area}?{q}"
    if level == "2:2":
        return f"/nyckeltal/{AREAS[area][0]}?{q}&omrade={area}"
    return f"/enheter/{area}?kommun={municipality}&ar={AREAS[area][1]}"


LEVELS = ("1", "2", "2:2", "2:3")


def views(levels: tuple[str, ...] = LEVELS) -> list[tuple[str, str, str | None]]:
    out = []
    for municipality in LARGEST:
        if "1" in levels:
            out.append(("1", municipality, None))
        for area in AREAS:
            out += [(level, municipality, area) for level in ("2", "2:2", "2:3") if level in levels]
    return out


def browser_views(levels: tuple[str, ...] = LEVELS) -> list[tuple[str, str | None]]:
    """The subset rendered in Chromium; the unit level alone: each of its areas."""
    if levels == ("2:3",):
        return [("2:3", area) for area in AREAS]
    return [(level, area) for level, area in BROWSER_VIEWS if level in levels]


@dataclass
class Result:
    imports: float = 0.0
    startup: float = 0.0
    overview: list[float] = field(default_factory=list)
    largest: dict[tuple, int] = field(default_factory=dict)  # view -> bytes of the largest answer
    server: dict[tuple, float] = field(default_factory=dict)  # view -> seconds of all callbacks
    rss: float = 0.0
    render: dict[tuple, float | None] = field(default_factory=dict)  # None: nothing in time
    charts: dict[tuple, float | None] = field(default_factory=dict)  # every chart drawn


def startup_timing(tree: Path, repeats: int) -> dict:
    """STARTUP run in a process of the tree's own: imports, start-up and overview times."""
    municipalities = [*LARGEST, "0883"]
    code = STARTUP.format(
        repeats=repeats, municipalities=municipalities, n=len(municipalities), year=YEAR
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=tree_env(tree), capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"{tree}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup(tree: Path, repeats: int, result: Result) -> None:
    timing = startup_timing(tree, repeats)
    result.imports = min(result.imports or 1e9, timing["imports"])
    result.startup = min(result.startup or 1e9, timing["startup"])
    result.overview += timing["overview"][1:]  # the first call builds caches


def measure(
    trees: dict[str, Path], repeats: int, render_timeout: float, levels: tuple[str, ...] = LEVELS
) -> dict[str, Result]:
    """Both trees side by side: start-up alternately, then both servers at once, every view
    and every render asked of one and then the other (alternating which goes first), so that
    the machine's load falls on both alike."""
    results = {name: Result() for name in trees}
    for _ in range(2):
        for name, tree in trees.items():
            startup(tree, repeats, results[name])
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(serve(tree)) for name, tree in trees.items()}
        sessions = {
            name: stack.enter_context(DashSession(origin, timeout=300))
            for name, (origin, _) in servers.items()
        }
        for i, view in enumerate(views(levels)):
            for name in _alternate(list(trees), i):
                page = sessions[name].view(target(*view))
                answers = [h for h in page.hits if h.kind in ("pages", "callback")]
                results[name].largest[view] = max((h.size for h in answers), default=0)
                results[name].server[view] = sum(h.seconds for h in answers)
        idle_settle()
        for name, (_, proc) in servers.items():
            results[name].rss = rss_mb(proc.pid)
        origins = {name: origin for name, (origin, _) in servers.items()}
        for name, (rendered, charted) in in_browser(origins, render_timeout, levels).items():
            results[name].render = rendered
            results[name].charts = charted
    return results


def _alternate(names: list[str], i: int) -> list[str]:
    return names if i % 2 == 0 else names[::-1]


def _painted_script(selector: str) -> str:
    """In the page: the time (s since the navigation began, as window.__painted, in ms) of
    the first frame after an element matching `selector` is in the DOM. Not Playwright's own
    wait for visibility: it polls on the page's main thread too, which plotly's evaluation
    (about 1 s) keeps busy, so it reported unit pages up to 2 s after they were painted."""
    return f"""
      window.__painted = null;
      new MutationObserver(function (records, observer) {{
        if (document.querySelector({json.dumps(selector)})) {{
          observer.disconnect();
          requestAnimationFrame(function () {{ window.__painted = performance.now(); }});
        }}
      }}).observe(document, {{childList: true, subtree: true}});
      window.__charted = null;
      new MutationObserver(function (records, observer) {{
        var graphs = document.querySelectorAll("#main .dash-graph");
        if (graphs.length && Array.prototype.every.call(graphs, function (g) {{
              return g.querySelector(".main-svg"); }})) {{
          observer.disconnect();
          requestAnimationFrame(function () {{ window.__charted = performance.now(); }});
        }}
      }}).observe(document, {{childList: true, subtree: true}});
    """


def _painted(page, timeout: float, mark: str = "__painted") -> float:
    """window.__painted (or __charted: every chart of the view drawn) in seconds, read from
    outside (the app's CSP refuses the string evaluation of Playwright's wait_for_function);
    the time it holds is the page's own."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        painted = page.evaluate(f"window.{mark}")
        if painted is not None:
            return painted / 1000
        page.wait_for_timeout(20)
    raise PlaywrightTimeout(f"nothing painted within {timeout} s")


def in_browser(
    origins: dict[str, str], timeout: float, levels: tuple[str, ...] = LEVELS
) -> dict[str, tuple[dict, dict]]:
    """Per tree: the first meaningful paint of each view, and for the views with charts
    (2:2, 2:3) the time every chart was drawn (plotly.js loaded, evaluated and plotted)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[tuple, float | None]] = {name: {} for name in origins}
    charted: dict[str, dict[tuple, float | None]] = {name: {} for name in origins}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        views_ = [(lv, m, a) for m in LARGEST for lv, a in browser_views(levels)]
        for i, (level, municipality, area) in enumerate(views_):
            for name in _alternate(list(origins), i):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.add_init_script(_painted_script(SELECTORS[level]))
                try:
                    page.goto(
                        origins[name] + target(level, municipality, area), wait_until="commit"
                    )
                    out[name][(level, municipality, area)] = _painted(page, timeout)
                except PlaywrightTimeout:
                    out[name][(level, municipality, area)] = None
                if level in ("2:2", "2:3") and out[name][(level, municipality, area)]:
                    try:
                        drawn = _painted(page, timeout, "__charted")
                    except PlaywrightTimeout:
                        drawn = None
                    charted[name][(level, municipality, area)] = drawn
                context.close()
        browser.close()
    return {name: (out[name], charted[name]) for name in origins}


def seconds(value: float | None, timeout: float) -> str:
    return f"> {timeout:.0f} s" if value is None else f"{value:.2f} s"


def report(base: Result, now: Result, timeout: float, baseline: str) -> None:
    print(f"{'':<52}{'baseline ' + baseline:>18}{'now':>14}")

    def row(name: str, a: str, b: str) -> None:
        print(f"{name:<52}{a:>18}{b:>14}")

    row("imports (s)", f"{base.imports:.2f}", f"{now.imports:.2f}")
    row("start-up after imports, goal <= 1.5 s", f"{base.startup:.2f}", f"{now.startup:.2f}")
    row(
        "overview callback direct, median, goal <= 50 ms",
        f"{statistics.median(base.overview) * 1000:.0f} ms",
        f"{statistics.median(now.overview) * 1000:.0f} ms",
    )
    row("RSS after every level, goal <= 300 MB", f"{base.rss:.0f} MB", f"{now.rss:.0f} MB")
    print()
    print(f"{'largest callback answer (KB), goal <= 300':<52}")
    for view in base.largest:
        level, municipality, area = view
        name = f"  {LARGEST[municipality]} {level} {area or ''}"
        a, b = base.largest[view] / 1024, now.largest[view] / 1024
        row(name + f" ({now.server[view] * 1000:.0f} ms now)", f"{a:.0f}", f"{b:.0f}")
    print()
    print(f"{'first meaningful render in Chromium, goal <= 3 s':<52}")
    for view in now.render:
        level, municipality, area = view
        name = f"  {LARGEST[municipality]} {level} {area or ''}"
        row(name, seconds(base.render.get(view), timeout), seconds(now.render[view], timeout))
    print()
    print(f"{'every chart of the view drawn in Chromium':<52}")
    for view in now.charts:
        level, municipality, area = view
        name = f"  {LARGEST[municipality]} {level} {area or ''}"
        row(name, seconds(base.charts.get(view), timeout), seconds(now.charts[view], timeout))
    print()
    for name, result in (("baseline", base), ("now", now)):
        big = sum(size > 300 * 1024 for size in result.largest.values())
        slow = sum(t is None or t > 3 for t in result.render.values())
        print(
            f"{name}: {big} of {len(result.largest)} views answer more than 300 KB; "
            f"{slow} of {len(result.render)} renders take more than 3 s; largest answer "
            f"{max(result.largest.values()) / 1024:.0f} KB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit to compare")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--render-timeout", type=float, default=30.0)
    parser.add_argument(
        "--levels", default=",".join(LEVELS), help="comma-separated, of " + ", ".join(LEVELS)
    )
    args = parser.parse_args()
    levels = tuple(lv for lv in LEVELS if lv in args.levels.split(","))
    if not levels:
        parser.error(f"--levels: none of {', '.join(LEVELS)}")
    with checkout(args.baseline) as tree:
        trees = {"baseline": tree, "now": ROOT}
        results = measure(trees, args.repeats, args.render_timeout, levels)
    report(results["baseline"], results["now"], args.render_timeout, args.baseline)


if __name__ == "__main__":
    main()
