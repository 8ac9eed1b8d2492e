"""Level 2:3 in a real browser for the largest municipalities: find a unit by name with "Sök
enhet", open it, and compare two units side by side through the URL the page wrote (a
bookmark: a reload keeps the comparison). One round of callbacks per page view and per
action. Expected names and values come from the raw store (store.ous, store.ou_values)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import test_browser
from playwright.sync_api import Page, expect

from kvalitetsvisaren.labels import number

# the browser tests' fixtures: Debian's Chromium, the app on loopback, no console errors
browser_type_launch_args = test_browser.browser_type_launch_args
live_server = test_browser.live_server
no_console_errors = test_browser.no_console_errors

YEAR = 2024
UPDATE = "/_dash-update-component"


class Rounds:
    """The callback requests (POSTs) the page makes, counted from a moment on."""

    def __init__(self, page: Page) -> None:
        self.posts: list[str] = []
        page.on("request", lambda r: self.posts.append(r.url) if UPDATE in r.url else None)

    def since(self, mark: int) -> int:
        return len(self.posts) - mark


def unit(service, municipality: str, prefix: str, contains: str) -> tuple[str, str]:
    """The id and name of the one unit of the municipality and area whose name has `contains`."""
    ous = service.store.ous
    mine = ous[(ous["municipality_id"] == municipality) & (ous["id"].str[:3] == prefix)]
    found = mine[mine["title"].str.contains(contains, case=False, regex=False)]
    assert len(found) == 1, found
    return found["id"].iloc[0], found["title"].iloc[0]


def raw_value(service, kpi: str, ou: str) -> float:
    ov = service.store.ou_values
    hit = ov[(ov["kpi"] == kpi) & (ov["ou_id"] == ou) & (ov["year"] == YEAR)]
    return float(hit.loc[hit["gender"] == "T", "value"].iloc[0])


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")


def answered(page: Page, answers: list, count: int) -> int:
    """How many answers there are once `count` have arrived (or 60 s passed: a busy CI
    runner) and the page is idle: a response's event can be handled after the DOM already
    shows it."""
    for _ in range(1200):
        if len(answers) >= count:
            break
        page.wait_for_timeout(50)
    settle(page)
    return len(answers)


def search(page: Page, text: str, ou: str) -> None:
    """Type in "Sök enhet" and wait until the list shows the unit."""
    page.get_by_label("Sök enhet").fill(text)
    expect(page.locator(f'#enhetslista tr[data-ou="{ou}"]')).to_be_visible()


@pytest.mark.parametrize(
    ("municipality", "area", "prefix", "first", "second", "kpi", "unit_text"),
    [
        ("0380", "grundskola", "V15", "tiunda", "Gottsunda", "N15505", "poäng"),
        ("0180", "forskola", "V11", "mäster mikael", "LÖVLUNDA", "N11041", "%"),
    ],
)
def test_find_a_unit_open_it_and_compare_two_by_a_bookmark(
    page, live_server, service, municipality, area, prefix, first, second, kpi, unit_text
):
    one, one_name = unit(service, municipality, prefix, first)
    two, two_name = unit(service, municipality, prefix, second)
    rounds = Rounds(page)
    page.goto(f"{live_server}/enheter/{area}?kommun={municipality}&ar={YEAR}")
    expect(page.locator("#main h1")).to_contain_text("Enheter inom")
    settle(page)
    page.wait_for_timeout(2000)  # anything still to come would come now
    loaded = len(rounds.posts)

    # a name typed in any case and without its accents finds the unit: one round
    search(page, first.upper().replace("Ä", "A"), one)
    settle(page)
    assert rounds.since(loaded) == 1
    assert page.locator("#enhetslista tbody tr").count() == 1
    page.locator(f'#enhetslista tr[data-ou="{one}"] th a').click()
    expect(page.locator("h1")).to_have_text(one_name)
    expect(page).to_have_url(re.compile(rf"enhet={one}$"))
    page.get_by_role("link", name=re.compile("^Alla enheter i ")).click()
    expect(page.locator("#enhetslista")).to_be_visible()

    # two units checked in the list: each check one round, and the URL follows
    search(page, first, one)
    page.get_by_label(f"Jämför {one_name}").check()
    expect(page).to_have_url(re.compile(rf"jamfor={one}"))
    search(page, second.lower(), two)
    settle(page)
    mark = len(rounds.posts)
    page.get_by_label(f"Jämför {two_name}").check()
    expect(page).to_have_url(re.compile(rf"jamfor={one},{two}"))
    settle(page)
    assert rounds.since(mark) == 1
    bookmark = page.url
    assert parse_qs(urlsplit(bookmark).query)["jamfor"] == [f"{one},{two}"]

    # the bookmark: a reload shows the same comparison, with the raw values
    page.reload()
    table = page.locator(".unit-compare-table")
    expect(table.locator("thead th[data-ou]")).to_have_count(2)
    assert table.locator("thead th[data-ou]").evaluate_all("ths => ths.map(t => t.dataset.ou)") == [
        one,
        two,
    ]
    for ou in (one, two):
        cell = table.locator(f'td[data-ou="{ou}"][data-kpi="{kpi}"]')
        expect(cell).to_contain_text(number(raw_value(service, kpi, ou), unit_text))
        expect(cell.locator(".badge")).to_have_count(1)  # the colour as icon and word
    expect(page.locator(f'[data-chart*="{kpi.lower()}"] .js-plotly-plot')).to_contain_text(
        f"★ {one_name}"
    )
    assert page.url == bookmark


def test_a_unit_page_view_makes_one_round_of_its_own_callbacks(page, live_server):
    """Loading the largest list page: the router, then the content and the charts side by
    side, and nothing else (no callback of the list or the comparison, no no-op round of the
    shell's pickers)."""
    rounds = Rounds(page)
    bodies: list[str] = []
    page.on("request", lambda r: bodies.append(r.post_data or "") if UPDATE in r.url else None)
    page.goto(f"{live_server}/enheter/forskola?kommun=0180&ar={YEAR}")
    expect(page.locator("#enhetslista tbody tr")).to_have_count(25)
    settle(page)
    page.wait_for_timeout(3000)
    own = sorted(b.split('"outputs"')[0] for b in bodies if "enheter-" in b.split('"inputs"')[0])
    # the content and the charts beside it; the list and the comparison wait for the reader
    assert own == [
        '{"output":"enheter-content.children",',
        '{"output":"enheter-diagrammen.children",',
    ]
    assert len(rounds.posts) == 3  # and the router's: no no-op round


def test_the_full_list_of_a_kpi_is_a_table_built_when_opened(page, live_server, service):
    """Stockholm's förskolor: the chart draws a few, "Visa som tabell" (asked for only when
    opened) has every unit with a value, best first by the raw values."""
    ov, ous = service.store.ou_values, service.store.ous
    mine = set(ous.loc[(ous["municipality_id"] == "0180") & (ous["id"].str[:3] == "V11"), "id"])
    raw = ov[(ov["kpi"] == "N11041") & (ov["year"] == YEAR) & (ov["gender"] == "T")]
    raw = raw[raw["ou_id"].isin(mine) & raw["value"].notna()]
    answers: list[int] = []
    page.on(
        "response",
        lambda r: answers.append(len(r.body())) if UPDATE in r.url and r.ok else None,
    )
    page.goto(f"{live_server}/enheter/forskola?kommun=0180&ar={YEAR}")
    figure = page.locator('[data-chart*="n11041"]')
    expect(figure.locator("summary", has_text="Visa som tabell")).to_be_visible()
    settle(page)
    assert figure.locator("table").count() == 0  # not shipped with the page
    before = len(answers)
    figure.locator("summary", has_text="Visa som tabell").click()
    rows = figure.locator("table tbody tr")
    expect(rows).to_have_count(len(raw))
    first = rows.first.locator("td").nth(1).text_content()
    assert first == number(float(raw["value"].max()))
    assert answered(page, answers, before + 1) == before + 1 and answers[-1] < 300 * 1024
    # "Visa alla enheter som tabell" under the chart: the list by that KPI, best first (one
    # round: the link only sets the order, in the browser)
    rounds = len(answers)
    page.locator('[data-kpi="N11041"] a', has_text="Visa alla enheter som tabell").click()
    first_row = page.locator("#enhetslista tbody tr").first
    best = set(raw.loc[raw["value"] == raw["value"].max(), "ou_id"])
    expect(first_row).to_have_attribute("data-ou", re.compile("|".join(sorted(best))))
    assert answered(page, answers, rounds + 1) == rounds + 1
