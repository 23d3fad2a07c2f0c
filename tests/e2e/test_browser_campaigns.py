"""A campaign that needs a decision, in real headless Chromium over the local runner: at phone width
the page is no wider than the phone (the chunk table scrolls in its box), everything reads in words,
axe-core finds nothing serious, and the operator's buttons work from the keyboard alone;
screenshots in screenshots/campaign-attention-*.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from hub.domain.campaigns import BatchSpec, CampaignService
from hub.domain.do_not_call import DoNotCallList
from hub.domain.tenants import TenantDirectory
from hub.errors import VendorUnavailable
from hub.models.campaign import DialWindow, Provider
from hub.ports.vendors import DialJob, DialRecord
from hub.store.campaigns import CampaignStore
from hub.store.contacts import ContactStore
from hub.store.do_not_call import DoNotCallStore
from hub.store.tenants import TenantStore
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub
from tests.e2e.test_browser import browser, no_violations, shot, signed_in_tab  # noqa: F401 - the browser fixture

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips first
    expect = None  # type: ignore[assignment]


class UnsureDialer:
    """A robot dialer whose every answer is lost after the request went out: each chunk is uncertain."""

    MAX_RECORDS = 1000

    def make(self, calls: Sequence[DialRecord]) -> DialJob:
        raise VendorUnavailable("avtodialer make: read timed out", details={"maybe_done": True})

    def newcall(self, robot_call: DialRecord) -> DialJob:
        return self.make([robot_call])


class Accounts:
    def dialer(self, tenant: str) -> UnsureDialer:
        return UnsureDialer()


def test_campaign_needing_a_decision_reads_in_words_fits_a_phone_and_works_from_the_keyboard(
    hub: LocalHub,
    browser: Any,  # noqa: F811
) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="attention")
    dynamodb = hub.aws.client("dynamodb")
    contacts_table = hub.template.table_name("ContactsTable")
    context = TenantDirectory(TenantStore(hub.template.table_name("TenantsTable"), dynamodb), 0).by_slug(
        "attention"
    )
    morning = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(context.tenant.timezone))
    queue: list[dict[str, Any]] = []
    service = CampaignService(
        CampaignStore(hub.template.table_name("CampaignsTable"), dynamodb),
        ContactStore(contacts_table, dynamodb),
        DoNotCallList(DoNotCallStore(contacts_table, dynamodb)),
        Accounts(),  # type: ignore[arg-type]
        queue.extend,
        lambda message, _delay: queue.append(message),
        clock=lambda: int(morning.timestamp() * 1000),
    )
    records = [{"phone": f"+38050{n:07d}"} for n in range(1500)]
    batch = service.submit(
        context,
        BatchSpec(provider=Provider.AVTODIALER, window=DialWindow(), scenario="3"),
        records,
        "attention",
    )
    while queue:
        message = queue.pop(0)
        if message["step"] == "prepare":
            service.prepare(context, batch.id, message["page"], message["slice"])
        elif message["step"] == "send":
            service.send(context, batch.id, message["chunk"])
    assert service.batch(context, batch.id).chunks.get("uncertain") == 2

    ivan = demo["employees"][0]
    page_url = f"{hub.api_url}/app/attention/campaigns/{batch.id}"
    page = signed_in_tab(browser, page_url, ivan, viewport={"width": 390, "height": 844}, locale="ru-RU")

    expect(page.locator("#status-label")).to_have_text("Нужно решение")
    expect(page.locator("#chunks-summary")).to_have_text("итог неясен: 2")
    expect(page.locator('#chunk-rows tr[data-chunk="0"] td.reason')).to_have_text("Сервис обзвона не ответил")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    no_violations(page)
    shot(page, "campaign-attention-ru-390")

    # the keyboard alone: Tab to the first chunk's "send again" and press Enter
    resend = page.locator('#chunk-rows tr[data-chunk="0"] button.resend')
    for _ in range(40):
        page.keyboard.press("Tab")
        if resend.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError("the chunk's button cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page_url}?notice=chunk_resent")
    expect(page.locator('#chunk-rows tr[data-chunk="0"]')).to_have_attribute("data-state", "pending")
    expect(page.locator(".notice")).to_have_text("Часть отправится снова")
    no_violations(page)
    page.context.close()
