"""Issue 17 in a real browser: the embeddable views for the four municipalities of the issue
(no header or pickers, the tiles with colour, icon and word, the link to the full view), a
tile's link kept in the frame, and framing on another site's page: the embedded overview is
shown, the full overview refused by the browser (CSP frame-ancestors)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import test_browser
from playwright.sync_api import Page, expect
from test_browser import at_top, free_port, settled

from kvalitetsvisaren.testing.serving import wait_until_answering

browser_type_launch_args = test_browser.browser_type_launch_args
live_server = test_browser.live_server
no_console_errors = test_browser.no_console_errors

MUNICIPALITIES = ["0180", "1480", "2403", "0883"]


def name_of(service, code: str) -> str:
    m = service.store.municipalities
    return str(m.loc[m["id"].astype(str) == code, "title"].iloc[0])


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_embedded_views_show_tiles_without_header(page: Page, live_server, service, tmp_path, code):
    name = name_of(service, code)
    page.set_viewport_size({"width": 800, "height": 900})
    response = page.goto(f"{live_server}/inbaddning/oversikt?kommun={code}&ar=2022")
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(f"Kvalitet i {name} 2022")
    assert page.locator(".site-header, #nav-kommun, #nav-ar").count() == 0
    more = page.get_by_role("link", name=re.compile("^Se mer i Kvalitetsvisaren"))
    expect(more).to_have_attribute("href", f"/oversikt?kommun={code}&ar=2022")
    expect(more).to_have_attribute("target", "_blank")
    tiles = page.locator("[data-area] .tile[data-quartile]:not([data-quartile=neutral])")
    quality = sum(1 for a in service.config.areas for m in a.measures if m.kind == "quality")
    expect(tiles).to_have_count(quality)
    for i in range(tiles.count()):  # the colour always with its icon and word
        badge = tiles.nth(i).locator(".badge").first
        assert re.fullmatch(r"[▲■▼○]\s?\S.*", badge.inner_text().strip())
    page.screenshot(path=str(tmp_path / f"inbaddning-oversikt-{code}.png"))
    response = page.goto(f"{live_server}/inbaddning/omrade/hemtjanst?kommun={code}&ar=2022")
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(f"Hemtjänst i {name} 2022")
    assert page.locator(".site-header").count() == 0
    expect(page.locator("tr[data-kpi]").first).to_be_visible()
    page.screenshot(path=str(tmp_path / f"inbaddning-hemtjanst-{code}.png"))


def test_a_tile_of_the_embedded_overview_opens_the_embedded_area(page: Page, live_server):
    page.goto(f"{live_server}/inbaddning/oversikt?kommun=0883&ar=2022")
    page.wait_for_selector("[data-measure]")
    settled(page)
    page.locator('[data-area="hemtjanst"] [data-measure="delaktighet"] a').first.click()
    expect(page).to_have_url(
        re.compile(r"/inbaddning/omrade/hemtjanst\?kommun=0883&ar=2022#delaktighet$")
    )
    at_top(page, "delaktighet")
    assert page.locator(".site-header").count() == 0


def test_a_bad_embed_url_explains_in_swedish(page: Page, live_server):
    response = page.goto(f"{live_server}/inbaddning/oversikt?kommun=0883&ar=1999")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Sidan kunde inte visas")
    expect(page.locator(".explanation-message")).to_contain_text("1999")


class _Host(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def framing_sites(tmp_path_factory):
    """The app on its own origin, allowing one other origin (a municipality's site, here a
    loopback server with a page that frames the embedded and the full overview)."""
    site = tmp_path_factory.mktemp("site")
    host_port, app_port = free_port(), free_port()
    app = f"http://127.0.0.1:{app_port}"
    query = "kommun=0883&ar=2022"
    (site / "index.html").write_text(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Kommunen</title>'
        "</head><body><h1>Kommunens webbplats</h1>"
        f'<iframe id="inbaddad" title="Kvalitetsvisaren" width="900" height="600" '
        f'src="{app}/inbaddning/oversikt?{query}"></iframe>'
        f'<iframe id="hel" title="Hela" width="300" height="200" '
        f'src="{app}/oversikt?{query}"></iframe></body></html>',
        encoding="utf-8",
    )
    host = ThreadingHTTPServer(("127.0.0.1", host_port), lambda *a: _Host(*a, directory=str(site)))
    threading.Thread(target=host.serve_forever, daemon=True).start()
    log = (site / "server.log").open("w")
    command = [sys.executable, "-m", "kvalitetsvisaren.cli", "serve", "--port", str(app_port)]
    command += ["--frame-ancestors", f"'self' http://127.0.0.1:{host_port}"]
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(app + "/healthz", proc, log=Path(log.name))
        yield f"http://127.0.0.1:{host_port}/index.html", app, Path(log.name)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        host.shutdown()
        host.server_close()


def test_another_site_may_frame_the_embed_but_not_the_full_view(browser, framing_sites):
    host, app, log = framing_sites
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: messages.append(f"pageerror {e}"))
    try:
        page.goto(host)
        embedded = page.frame_locator("#inbaddad")
        # the first page of a server process just started: its first callback pays the lazy
        # imports, which took more than 15 s on a busy 2-core machine
        expect(embedded.locator("h1")).to_have_text("Kvalitet i Västervik 2022", timeout=60_000)
        expect(embedded.locator(".tile").first).to_be_visible()
        refused = 'violates the following Content Security Policy directive: "frame-ancestors'
        deadline = time.monotonic() + 10
        while not any(refused in m for m in messages) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        blocked = [m for m in messages if refused in m]
        assert blocked and all(f"Framing '{app}/'" in m for m in blocked)
        # the refused frame holds the browser's error page, not the app
        shown = [f.url for f in page.frames if f.url.startswith(app)]
        assert shown == [f"{app}/inbaddning/oversikt?kommun=0883&ar=2022"]
        assert not [m for m in messages if m.startswith("pageerror")]
    finally:
        page.close()
    assert "Traceback" not in log.read_text()
