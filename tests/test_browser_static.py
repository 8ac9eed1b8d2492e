"""Issue 17: the static overview page (`export --format html`) opened from disk in Chromium
with networking off and JavaScript off: it renders whole, and asks for nothing but itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import test_browser
from playwright.sync_api import expect

from kvalitetsvisaren.export.static_page import overview_html

browser_type_launch_args = test_browser.browser_type_launch_args
pytestmark = pytest.mark.e2e  # a real browser (without the `page` fixture: its own context)


@pytest.mark.parametrize("code", ["0180", "1480", "2403", "0883"])
def test_the_static_page_renders_offline_without_scripts(browser, dated_service, tmp_path, code):
    svc = dated_service
    path = tmp_path / f"oversikt-{code}.html"
    path.write_text(
        overview_html(svc, code, 2022, made=datetime(2026, 11, 23, tzinfo=UTC)), encoding="utf-8"
    )
    context = browser.new_context(
        offline=True, java_script_enabled=False, viewport={"width": 800, "height": 1000}
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        m = svc.store.municipalities
        name = str(m.loc[m["id"].astype(str) == code, "title"].iloc[0])
        expect(page.locator("h1")).to_have_text(f"Kvalitet i {name} 2022")
        tiles = sum(len(a.measures) for a in svc.config.areas)
        expect(page.locator(".tile")).to_have_count(tiles)
        expect(page.locator("table.all-measures tbody tr")).to_have_count(tiles)
        # the stylesheet applies: a top tile's badge has its colour, not the browser default
        badge = page.locator(".tile .badge").first
        background = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        expect(page.locator(".source-line")).to_contain_text("Kolada")
        page.screenshot(path=str(tmp_path / f"oversikt-{code}.png"), full_page=True)
        assert requests == [path.as_uri()]
    finally:
        context.close()
