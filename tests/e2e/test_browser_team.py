"""The team page in real headless Chromium over the local runner, with the Phonet fake as the
tenant's PBX: on a phone in Russian and on a desk in English, axe-core finding nothing serious;
screenshots in screenshots/team-*.png."""

from __future__ import annotations

import time
from typing import Any

from hub.store.calls import CallStore
from hubtools.fakes import PhonetFake
from hubtools.local.demo import DEMO_EMPLOYEES, seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from tests.e2e.test_browser import browser, no_violations, shot, signed_in_tab  # noqa: F401 - the browser fixture

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips first
    expect = None  # type: ignore[assignment]

STAFF = [{"id": 36 + n, "displayName": p["name"], "ext": p["ext"]} for n, p in enumerate(DEMO_EMPLOYEES)]


def talking(pbx: PhonetFake, ext: str, number: str, since_ms: int) -> None:
    """An answered inbound call in the fake's live list, as its dial and bridge events leave it."""
    with pbx._lock:
        pbx.active["a" * 32] = {
            "uuid": "a" * 32,
            "parentUuid": None,
            "dialAt": since_ms - 15_000,
            "bridgeAt": since_ms,
            "lgDirection": 4,
            "leg": pbx.staff(ext),
            "leg2": None,
            "otherLegs": [{"id": None, "name": None, "num": number, "companyName": None, "url": None}],
            "trunkNum": pbx.trunk_num,
            "trunkName": pbx.trunk_name,
            "lastEvent": "call.bridge",
        }


def sign_in(browser: Any, hub: LocalHub, employee: dict[str, Any], width: int, locale: str) -> Any:  # noqa: F811
    viewport = {"width": width, "height": 844}
    return signed_in_tab(browser, f"{hub.api_url}/app/team/team", employee, viewport=viewport, locale=locale)


def test_team_page_shows_presence_and_the_call_in_progress_on_a_phone_and_a_desk(
    hub: LocalHub,
    browser: Any,  # noqa: F811
) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="team")
    calls = CallStore(
        *(hub.template.table_name(t) for t in ("CallsTable", "ContactsTable", "TenantsTable")),
        hub.aws.client("dynamodb"),
    )
    calls.set_presence("team", "002", "away", int(time.time() * 1000))
    with PhonetFake(domain="team.phonet.com.ua", api_key="team-pbx-key", employees=STAFF) as pbx:
        seed_credentials(hub.aws, hub.template, "team", {"phonet": pbx})
        talking(pbx, "001", "+380442246595", int(time.time() * 1000) - 95_000)
        ivan, olena = demo["employees"]

        page = sign_in(browser, hub, ivan, 390, "ru-RU")
        row = page.locator('li.member[data-ext="001"]')
        expect(row).to_have_attribute("data-on-call", "true")
        expect(row.locator(".live-call")).to_contain_text("Иван Иванов")  # the demo's contact
        expect(page.locator('li.member[data-ext="002"]')).to_have_attribute("data-presence", "away")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone
        no_violations(page)
        shot(page, "team-ru-390")
        page.context.close()

        page = sign_in(browser, hub, olena, 1280, "en-US")
        expect(page.locator("#pbx-state")).to_contain_text("On a call now: 1")
        expect(page.locator('li.member[data-ext="002"]')).to_contain_text("Away")
        no_violations(page)
        shot(page, "team-en-desktop")
        page.context.close()

    page = sign_in(browser, hub, olena, 390, "ru-RU")  # the fake is gone: the PBX does not answer
    expect(page.locator("#pbx-state")).to_have_attribute("data-pbx", "unavailable")
    expect(page.locator("li.member")).to_have_count(2)
    no_violations(page)
    shot(page, "team-ru-390-pbx-down")
    page.context.close()
