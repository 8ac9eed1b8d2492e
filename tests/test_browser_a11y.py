"""WCAG 2.1 AA in a real browser (issue 17): axe-core on every level for Västervik and
Stockholm. A serious or critical violation fails the test, which prints each one with the
elements it was found on. axe-core is vendored in tests/fixtures/axe (MPL-2.0) and injected
by Playwright into a context that bypasses the app's CSP: the test context only, the app's
own policy is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_browser
from playwright.sync_api import Page

browser_type_launch_args = test_browser.browser_type_launch_args
live_server = test_browser.live_server
no_console_errors = test_browser.no_console_errors

AXE = Path(__file__).parent / "fixtures" / "axe" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
# each page of each level, and what shows that its content has arrived
PAGES = {
    "oversikt": ("/oversikt?kommun={m}&ar=2022", "[data-measure]"),
    "omrade": ("/omrade/hemtjanst?kommun={m}&ar=2022", "tr[data-kpi]"),
    "nyckeltal": (
        "/nyckeltal/U21468?kommun={m}&ar=2022&omrade=hemtjanst",
        "#nyckeltal-grupp-content .js-plotly-plot",
    ),
    "enheter": ("/enheter/hemtjanst?kommun={m}&ar=2024", "#enhetslista [data-ou]"),
    "ladda-upp": ("/ladda-upp", "#ladda-upp-fil"),
}
MUNICIPALITIES = {"0883": "Västervik", "0180": "Stockholm"}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Playwright injects axe-core as an inline script, which the app's CSP refuses."""
    return {**browser_context_args, "bypass_csp": True}


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations of the page as it is now."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes:"
        " ['violations']})",
        TAGS,
    )
    return result["violations"]


def report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']!r}")
    return "\n".join(lines)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


@pytest.mark.slow
@pytest.mark.parametrize("municipality", list(MUNICIPALITIES))
@pytest.mark.parametrize("level", list(PAGES))
def test_no_serious_or_critical_axe_violations(page: Page, live_server, level, municipality):
    path, ready = PAGES[level]
    page.goto(live_server + path.format(m=municipality))
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    print(f"\n{level} {municipality}:\n{report(violations) or '    no violations'}")
    assert not blocking(violations), f"{level} {municipality}:\n{report(blocking(violations))}"
