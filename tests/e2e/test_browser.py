"""The pages in real headless Chromium (Debian's package, driven by Playwright), over the local runner:
every page in every language at a desk's and a phone's width (loads, speaks its language, fits a
phone, one-line navigation, no serious axe-core violation, a screenshot to look at), then the flows.

Screenshots go to the git-ignored screenshots/ folder: `<page>-<lang>-<width>.png` for the matrix,
`flow-*.png` for the flows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from hub.domain.calls import CallService
from hub.domain.campaigns import BatchSpec, CampaignService
from hub.domain.contacts import ContactService
from hub.domain.do_not_call import DoNotCallList
from hub.domain.tenants import TenantContext, TenantDirectory
from hub.models.campaign import DialWindow, Provider
from hub.ports.vendors import DialJob, DialRecord
from hub.store.calls import CallStore
from hub.store.campaigns import CampaignStore
from hub.store.contacts import ContactStore
from hub.store.do_not_call import DoNotCallStore
from hub.store.tenants import TenantStore
from hubtools.fakes import PhonetFake
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub
from hubtools.template import REPO_ROOT
from tests.support import phonet_record

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = REPO_ROOT / "screenshots"
# Chromium as root in a closed network: no sandbox, no background traffic.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - make test installs them
    sync_playwright = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None or CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium and Playwright: make test installs them (make browser)")
        pytest.skip("no Chromium or Playwright here: run `make browser`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, employee: dict[str, str]) -> None:
    page.fill("input[name=login]", employee["login"])
    page.fill("input[name=password]", employee["password"])
    page.click("form.stack button[type=submit]")


def signed_in_tab(browser, url: str, employee: dict[str, str], lands: str | None = None, **options: Any):
    """A new tab (its own context: `options` such as viewport and locale) that opened `url`, which
    sends a stranger to sign in, and signed in as `employee`: it waits where signing in led, `lands`
    (the sign-in page itself leads to the callbacks) or back at `url`."""
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    sign_in(page, employee)
    expect(page).to_have_url(lands or url)
    return page


# -- every page × language × width -------------------------------------------------------------------

LANGUAGES = ("ru", "uk", "en")
WIDTHS = (1280, 390)  # a desk, a phone
SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class Screen:
    """One page of the matrix: its name (the screenshot's), its address under /app/{tenant}/ with
    {contact} and {batch} filled from the site (adding a page to the matrix is one line here)."""

    name: str
    path: str


SCREENS = (
    Screen("login", "login"),
    Screen("search", "search?name=Иван"),
    Screen("contact", "contacts/{contact}"),
    Screen("new-contact", "contacts/new?phone=%2B380671234599"),
    Screen("callbacks", "callbacks"),
    Screen("campaigns", "campaigns"),
    Screen("campaign", "campaigns/{batch}"),
    Screen("calls", "calls"),
    Screen("team", "team"),
    Screen("contact-edit", "contacts/{contact}/edit"),
)


@dataclass
class Site:
    """The demo tenant the matrix looks at: a card with a recorded call, two callbacks, a campaign."""

    base: str
    employee: dict[str, str]
    ids: dict[str, str]

    def url(self, screen: Screen) -> str:
        return f"{self.base}/{screen.path.format(**self.ids)}"


def record_calls(hub: LocalHub, context: TenantContext, now: int) -> None:
    """An answered, recorded call from Ivan Ivanov and two missed ones (a known caller and a stranger),
    as the events function records them, but in-process: the matrix is about the pages, and a cold
    function start on a loaded machine is not (the flows below go through the webhooks)."""
    dynamodb = hub.aws.client("dynamodb")
    tables = [hub.template.table_name(name) for name in ("CallsTable", "ContactsTable", "TenantsTable")]
    calls = CallService(
        CallStore(*tables, client=dynamodb), ContactStore(tables[1], dynamodb), lambda _: None
    )
    for n, (number, ext, answered, ago) in enumerate(
        [
            ("0442246595", "001", True, 3600),
            ("0505826633", "002", False, 1800),
            ("0931234567", "001", False, 600),
        ]
    ):
        base = {
            "uuid": f"browsercall{n:017d}",
            "lgDirection": 4,
            "accountDomain": "demo.phonet.com.ua",
            "dialAt": now - ago,
            "leg": {"ext": ext},
            "otherLegs": [{"num": number}],
        }
        bridged = {"bridgeAt": now - ago + 5} if answered else {}
        for event, extra in [
            ("call.dial", {}),
            *([("call.bridge", bridged)] if answered else []),
            ("call.hangup", {**bridged, "serverTime": (now - ago + 70) * 1000}),
        ]:
            calls.record_pbx_event(context, phonet_record(context, {**base, "event": event, **extra}))


@pytest.fixture(scope="module")
def site(hub: LocalHub) -> Site:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="pages")
    context = tenant_context(hub, "pages")
    record_calls(hub, context, int(time.time()))
    contacts = ContactService(
        ContactStore(hub.template.table_name("ContactsTable"), hub.aws.client("dynamodb"))
    )
    (ivan,) = contacts.with_number(context, "+380442246595")
    service, queue = campaign_service(hub, context, tuesday_morning(context))
    batch = submit_prepared(service, context, 1500, "pages-campaign", queue)
    base = f"{hub.api_url}/app/pages"
    started = time.monotonic()  # the pages function's first start: no page of the matrix should pay it
    while requests.get(f"{base}/login", timeout=30).status_code != 200:
        assert time.monotonic() - started < 60, "the pages function does not start"
        time.sleep(1)
    return Site(base, demo["employees"][0], {"contact": ivan.id, "batch": batch.id})


@pytest.fixture(scope="module")
def tabs(browser) -> Iterator[dict[int, Any]]:
    """One context (and one tab, reused) per width: the matrix signs in once per width."""
    contexts = {width: browser.new_context(viewport={"width": width, "height": 844}) for width in WIDTHS}
    tabs = {width: context.new_page() for width, context in contexts.items()}
    for tab in tabs.values():
        tab.set_default_timeout(30_000)  # a second sandbox's cold start on a loaded machine
    yield tabs
    for context in contexts.values():
        context.close()


def visit(page, url: str):
    """The page at `url`; a 503 (a new sandbox whose start outlasted Lambda's 10 s init limit, as
    on a loaded machine) is asked again, as a person would reload: it says nothing of the page."""
    response = page.goto(url)
    for _ in range(2):
        if response is None or response.status != 503:
            break
        time.sleep(1)
        response = page.goto(url)
    return response


def delivered(pbx: PhonetFake, scenario: str, **params: Any):
    """A call the hub took every event of: a 503 is a cold start that outlasted the init limit on a
    loaded machine, so the call is played again (a new call) rather than failing the flow."""
    for _ in range(3):
        played = pbx.play(scenario, **params)
        if all(d.status == 200 for d in played.deliveries):
            return played
    pytest.fail(f"the hub refused {scenario} three times: {played.deliveries}")


def serious_violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize(
    ("width", "screen", "lang"),
    list(itertools.product(WIDTHS, SCREENS, LANGUAGES)),
    ids=lambda value: value.name if isinstance(value, Screen) else str(value),
)
def test_page_in_each_language_and_width_fits_and_is_accessible(
    site: Site, tabs: dict[int, Any], width: int, screen: Screen, lang: str
) -> None:
    page = tabs[width]
    page.set_extra_http_headers({"Accept-Language": f"{lang};q=0.9"})
    if screen.name == "login":
        page.context.clear_cookies(name="hub_session")
    response = visit(page, site.url(screen))
    if screen.name != "login" and "/login?next=" in page.url:  # the first page of this width
        sign_in(page, site.employee)
        page.wait_for_url(lambda url: "/login" not in url)
        response = visit(page, site.url(screen))
    assert response is not None
    assert response.status == 200, f"{screen.name} answered {response.status}"
    assert page.get_attribute("html", "lang") == lang
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{screen.name} is {wide}px wide in a {width}px window"
    lines = page.eval_on_selector_all(
        "nav.sections li", "items => new Set(items.map(item => item.getBoundingClientRect().top)).size"
    )
    assert lines <= 1, f"the navigation takes {lines} lines"
    shot(page, f"{screen.name}-{lang}-{width}")
    violations = serious_violations(page)
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_address_is_a_404_in_the_browsers_language_and_accessible(
    hub: LocalHub, tabs, lang: str
) -> None:
    page = tabs[390]
    page.set_extra_http_headers({"Accept-Language": f"{lang};q=0.9"})
    response = visit(page, f"{hub.api_url}/app/nosuchtenant/login")
    assert response is not None and response.status == 404
    assert page.get_attribute("html", "lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = serious_violations(page)
    assert not violations, "\n".join(violations)


def test_keyboard_skip_link_then_every_section_scrolled_into_view_on_a_phone(site: Site, tabs) -> None:
    page = tabs[390]
    page.set_extra_http_headers({"Accept-Language": "uk"})
    visit(page, f"{site.base}/campaigns")
    if "/login?next=" in page.url:
        sign_in(page, site.employee)
        page.wait_for_url(lambda url: "/login" not in url)

    def in_view(link) -> bool:
        box = link.bounding_box()  # within a pixel: a link's width is fractional, the scroll is not
        return box["x"] >= -1 and box["x"] + box["width"] <= 391

    current = page.locator('nav.sections a[aria-current="page"]')
    expect(current).to_have_text("Кампанії")
    page.wait_for_function("document.querySelector('nav.sections').scrollLeft > 0")  # revealed on load
    assert in_view(current), "the current section is cut off on a phone"
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_class("skip-link")
    assert skip.bounding_box()["y"] >= 0  # shown when focused, not left off-screen
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    sections = page.locator("nav.sections a")
    for index in range(sections.count()):
        sections.nth(index).focus()
        assert in_view(sections.nth(index)), (
            f"section {index} is cut off: {sections.nth(index).bounding_box()}"
        )


def test_sign_in_search_card_with_recording_and_new_contact(hub: LocalHub, browser) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="browser")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    with PhonetFake(hook_base_url=hooks) as pbx:
        played = delivered(pbx, "inbound_answered", caller="+380442246595", ext="001")
    ivan = demo["employees"][0]
    base = f"{hub.api_url}/app/browser"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")  # a phone
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{base}/search?phone=0442246595")
    expect(page).to_have_url(f"{base}/login?next=%2Fapp%2Fbrowser%2Fsearch%3Fphone%3D0442246595")
    page.fill("input[name=login]", ivan["login"])
    page.fill("input[name=password]", ivan["password"])
    shot(page, "flow-1-login")
    page.click("form.stack button[type=submit]")
    expect(page).to_have_url(f"{base}/search?phone=0442246595")
    shot(page, "flow-2-search")

    page.click("#results a")
    expect(page.locator("h1")).to_contain_text("Иван Иванов")
    # the played call's recording (a call played again after a cold start's 503 may be there too)
    expect(page.locator(f'#calls audio[src="{played.recording_urls[0]}"]')).to_have_count(1)
    assert page.locator("a.tel").first.get_attribute("href") == "telf:+380442246595"
    shot(page, "flow-3-card")

    page.goto(f"{base}/contacts/new?phone=%2B380671234599")
    expect(page.locator("input[name=phone]")).to_have_value("+380671234599")
    page.fill("input[name=name]", "Петро Браузерний")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Петро Браузерний")
    assert "/app/browser/contacts/" in page.url
    shot(page, "flow-4-new-contact")
    context.close()


def test_a_signed_in_employee_never_sees_another_tenants_page(hub: LocalHub, browser) -> None:
    mine = seed_demo(hub.aws, hub.template, hub.api_url, slug="mine")
    seed_demo(hub.aws, hub.template, hub.api_url, slug="theirs")
    mine_url = f"{hub.api_url}/app/mine"
    page = signed_in_tab(browser, f"{mine_url}/login", mine["employees"][0], lands=f"{mine_url}/callbacks")
    started = time.monotonic()
    page.goto(f"{hub.api_url}/app/theirs/callbacks")
    assert "/app/theirs/login" in page.url and time.monotonic() - started < 15
    page.context.close()


class CountingDialer:
    """A robot dialer that queues whatever it is given (the campaign page's test watches the counts,
    not the vendor: test_campaigns.py runs the real client against the fake)."""

    MAX_RECORDS = 1000

    def __init__(self) -> None:
        self.jobs = itertools.count(1)

    def make(self, calls: Sequence[DialRecord]) -> DialJob:
        return DialJob(job_id=str(next(self.jobs)), received=len(calls), accepted=len(calls))

    def newcall(self, robot_call: DialRecord) -> DialJob:
        return self.make([robot_call])


class DialerAccounts:
    def __init__(self) -> None:
        self.robot = CountingDialer()

    def dialer(self, tenant: str) -> CountingDialer:
        return self.robot


def no_violations(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def tenant_context(hub: LocalHub, slug: str) -> TenantContext:
    tenants = TenantStore(hub.template.table_name("TenantsTable"), hub.aws.client("dynamodb"))
    return TenantDirectory(tenants, ttl_seconds=0).by_slug(slug)


def tuesday_morning(context: TenantContext) -> int:
    """Tuesday 1 December 2026, 10:00 in the tenant's zone: inside the default dial window."""
    return int(dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(context.tenant.timezone)).timestamp() * 1000)


def campaign_service(
    hub: LocalHub, context: TenantContext, now_ms: int
) -> tuple[CampaignService, list[dict[str, Any]]]:
    """A CampaignService on the hub's tables, its queue kept here (the test works it) and its clock fixed."""
    dynamodb = hub.aws.client("dynamodb")
    contacts_table = hub.template.table_name("ContactsTable")
    queue: list[dict[str, Any]] = []
    service = CampaignService(
        CampaignStore(hub.template.table_name("CampaignsTable"), dynamodb),
        ContactStore(contacts_table, dynamodb),
        DoNotCallList(DoNotCallStore(contacts_table, dynamodb)),
        DialerAccounts(),  # type: ignore[arg-type]
        queue.extend,
        lambda message, _delay: queue.append(message),
        clock=lambda: now_ms,
    )
    return service, queue


def submit_prepared(
    service: CampaignService, context: TenantContext, size: int, key: str, queue: list[dict[str, Any]]
):
    """A robot batch of `size` records, checked and cut into chunks of 1000, none sent yet."""
    records = [{"phone": f"+38050{n:07d}", "name": f"Клієнт {n}"} for n in range(size)]
    spec = BatchSpec(provider=Provider.AVTODIALER, window=DialWindow(), scenario="3")
    batch = service.submit(context, spec, records, key)
    while queue and queue[0]["step"] == "prepare":
        message = queue.pop(0)
        service.prepare(context, batch.id, message["page"], message["slice"])
    return batch


def test_campaign_progress_bar_moves_while_the_page_is_open(hub: LocalHub, browser) -> None:
    """The batch is worked by the test's own CampaignService on the hub's tables (its queue kept here,
    its clock on a Tuesday morning), one chunk between the page's polls."""
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="campaigns")
    context = tenant_context(hub, "campaigns")
    service, queue = campaign_service(hub, context, tuesday_morning(context))
    batch = submit_prepared(service, context, 1500, "browser-campaign", queue)

    ivan = demo["employees"][0]
    base = f"{hub.api_url}/app/campaigns"
    phone = {"viewport": {"width": 390, "height": 844}, "locale": "ru-RU"}
    page = signed_in_tab(browser, f"{base}/campaigns", ivan, **phone)
    expect(page.locator(f'li[data-batch="{batch.id}"]')).to_have_count(1)
    no_violations(page)
    shot(page, "flow-5-campaigns")

    page.click(f'a[href="/app/campaigns/campaigns/{batch.id}"]')
    bar = page.locator("#sent-bar")
    expect(bar).to_have_js_property("value", 0)
    expect(page.locator("#chunk-rows tr")).to_have_count(2)
    no_violations(page)
    started = time.monotonic()
    for sent, state in ((1000, "sent"), (1500, "sent")):
        message = queue.pop(0)
        service.send(context, batch.id, message["chunk"])
        expect(bar).to_have_js_property("value", sent, timeout=10_000)  # polled, not reloaded
        expect(page.locator(f'#chunk-rows tr[data-chunk="{message["chunk"]}"]')).to_have_attribute(
            "data-state", state
        )
    expect(page.locator("#campaign")).to_have_attribute("data-final", "true")
    expect(page.locator("#sent-text")).to_have_text("1\u00a0500 из 1\u00a0500")
    expect(page.locator("#status-label")).to_have_text("Завершена")
    expect(page.locator("#cancel-section")).to_be_hidden()
    assert time.monotonic() - started < 20
    no_violations(page)
    shot(page, "flow-6-campaign")
    page.context.close()
