"""The pages in real headless Chromium (Debian's package, driven by Playwright), over the local runner."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.domain.campaigns import BatchSpec, CampaignService
from hub.domain.do_not_call import DoNotCallList
from hub.domain.tenants import TenantDirectory
from hub.models.campaign import DialWindow, Provider
from hub.ports.vendors import DialJob, DialRecord
from hub.store.campaigns import CampaignStore
from hub.store.contacts import ContactStore
from hub.store.do_not_call import DoNotCallStore
from hub.store.tenants import TenantStore
from hubtools.fakes import PhonetFake
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub
from hubtools.template import REPO_ROOT

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


def test_sign_in_search_card_with_recording_and_new_contact(hub: LocalHub, browser) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="browser")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    with PhonetFake(hook_base_url=hooks) as pbx:
        played = pbx.play("inbound_answered", caller="+380442246595", ext="001")
    assert all(d.status == 200 for d in played.deliveries)
    ivan = demo["employees"][0]
    base = f"{hub.api_url}/app/browser"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")  # a phone
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{base}/search?phone=0442246595")
    expect(page).to_have_url(f"{base}/login?next=%2Fapp%2Fbrowser%2Fsearch%3Fphone%3D0442246595")
    page.fill("input[name=login]", ivan["login"])
    page.fill("input[name=password]", ivan["password"])
    shot(page, "1-login")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/search?phone=0442246595")
    shot(page, "2-search")

    page.click("#results a")
    expect(page.locator("h1")).to_contain_text("Иван Иванов")
    audio = page.locator("#calls audio")
    expect(audio).to_have_count(1)
    assert audio.get_attribute("src") == played.recording_urls[0]
    assert page.locator("a.tel").first.get_attribute("href") == "telf:+380442246595"
    shot(page, "3-card")

    page.goto(f"{base}/contacts/new?phone=%2B380671234599")
    expect(page.locator("input[name=phone]")).to_have_value("+380671234599")
    page.fill("input[name=name]", "Петро Браузерний")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Петро Браузерний")
    assert "/app/browser/contacts/" in page.url
    shot(page, "4-new-contact")
    context.close()


def test_a_signed_in_employee_never_sees_another_tenants_page(hub: LocalHub, browser) -> None:
    mine = seed_demo(hub.aws, hub.template, hub.api_url, slug="mine")
    seed_demo(hub.aws, hub.template, hub.api_url, slug="theirs")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{hub.api_url}/app/mine/login")
    page.fill("input[name=login]", mine["employees"][0]["login"])
    page.fill("input[name=password]", mine["employees"][0]["password"])
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{hub.api_url}/app/mine/callbacks")
    started = time.monotonic()
    page.goto(f"{hub.api_url}/app/theirs/callbacks")
    assert "/app/theirs/login" in page.url and time.monotonic() - started < 15
    context.close()


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


def test_campaign_progress_bar_moves_while_the_page_is_open(hub: LocalHub, browser) -> None:
    """The batch is worked by the test's own CampaignService on the hub's tables (its queue kept here,
    its clock on a Tuesday morning), one chunk between the page's polls."""
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="campaigns")
    dynamodb = hub.aws.client("dynamodb")
    contacts_table = hub.template.table_name("ContactsTable")
    tenants = TenantStore(hub.template.table_name("TenantsTable"), dynamodb)
    context = TenantDirectory(tenants, ttl_seconds=0).by_slug("campaigns")
    morning = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(context.tenant.timezone))
    queue: list[dict[str, Any]] = []
    service = CampaignService(
        CampaignStore(hub.template.table_name("CampaignsTable"), dynamodb),
        ContactStore(contacts_table, dynamodb),
        DoNotCallList(DoNotCallStore(contacts_table, dynamodb)),
        DialerAccounts(),  # type: ignore[arg-type]
        queue.extend,
        lambda message, _delay: queue.append(message),
        clock=lambda: int(morning.timestamp() * 1000),
    )
    records = [{"phone": f"+38050{n:07d}", "name": f"Клієнт {n}"} for n in range(1500)]
    spec = BatchSpec(provider=Provider.AVTODIALER, window=DialWindow(), scenario="3")
    batch = service.submit(context, spec, records, "browser-campaign")
    while queue and queue[0]["step"] == "prepare":  # checked and cut into two chunks, none sent
        message = queue.pop(0)
        service.prepare(context, batch.id, message["page"], message["slice"])

    ivan = demo["employees"][0]
    base = f"{hub.api_url}/app/campaigns"
    browser_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/campaigns")
    page.fill("input[name=login]", ivan["login"])
    page.fill("input[name=password]", ivan["password"])
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/campaigns")
    expect(page.locator(f'li[data-batch="{batch.id}"]')).to_have_count(1)
    no_violations(page)
    shot(page, "5-campaigns")

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
    expect(page.locator("#sent-text")).to_have_text("1500 из 1500")
    expect(page.locator("#status-label")).to_have_text("Завершена")
    expect(page.locator("#cancel-section")).to_be_hidden()
    assert time.monotonic() - started < 20
    no_violations(page)
    shot(page, "6-campaign")
    browser_context.close()
