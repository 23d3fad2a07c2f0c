"""The call log and the callbacks pages in headless Chromium over the local runner, fed by the Phonet
fake's call scenarios: filters, a playable recording, who called, assigning and Done; axe-core finds
no serious or critical violation; screenshots in screenshots/calls-*.png."""

from __future__ import annotations

import contextlib
from typing import Any

import requests

from hubtools.fakes import PhonetFake
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub
from tests.e2e.test_browser import browser, no_violations, shot, signed_in_tab

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - `browser` skips then
    expect = None  # type: ignore[assignment]

__all__ = ["browser"]  # test_browser's Chromium fixture, used here too

BEREZKINA = "+380505826633"  # a demo contact
STRANGER = "+380671112233"  # nobody's number


def warmed(url: str, tries: int = 4) -> None:
    """The pages' function started: on a busy machine its first start may outlast the init timeout."""
    for _ in range(tries):
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=30).status_code == 200:
                return
    raise AssertionError(f"{url} never answered 200")


def signed_in(hub: LocalHub, browser: Any, slug: str, employee: dict[str, Any], **options: Any) -> Any:
    base = f"{hub.api_url}/app/{slug}"
    warmed(f"{base}/login")
    return signed_in_tab(browser, f"{base}/login", employee, lands=f"{base}/callbacks", **options)


def test_call_log_and_callbacks_in_a_browser(hub: LocalHub, browser) -> None:  # noqa: F811
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="calllog")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    with PhonetFake(hook_base_url=hooks) as pbx:  # cold functions on a busy machine: a patient client
        answered = pbx.play("inbound_answered", caller="+380442246595", ext="001", timeout=30)
        plays = [
            answered,
            pbx.play("inbound_missed", caller=BEREZKINA, ext="002", timeout=30),
            pbx.play("inbound_missed", caller=STRANGER, ext="001", timeout=30),
            pbx.play("inbound_missed", caller=STRANGER, ext="002", timeout=30),
            pbx.play("outbound_no_answer", caller="+380501234567", ext="002", timeout=30),
        ]
    assert all(d.status == 200 for played in plays for d in played.deliveries if d.kind == "event")
    ivan, olena = demo["employees"]
    base = f"{hub.api_url}/app/calllog"

    page = signed_in(hub, browser, "calllog", ivan, viewport={"width": 390, "height": 844}, locale="ru-RU")
    page.goto(f"{base}/calls")
    rows = page.locator("#calls li.call-row")
    expect(rows).to_have_count(5)
    audio = page.locator("#calls audio")
    expect(audio).to_have_count(1)
    assert audio.get_attribute("src") == answered.recording_urls[0]
    expect(page.locator("#calls a.call-contact", has_text="Иван Иванов")).to_have_count(1)
    no_violations(page)
    shot(page, "calls-1-log-phone-ru")

    page.fill("input[name=number]", "050 582 66 33")
    page.click("#call-filters button[type=submit]")
    expect(rows).to_have_count(1)
    assert "number=050+582+66+33" in page.url  # the filter is the bookmark
    expect(page.locator("#calls a.call-contact")).to_have_text("Анастасия Березкина")
    page.goto(f"{base}/calls?status=missed")
    expect(rows).to_have_count(3)
    expect(page.locator("select[name=status]")).to_have_value("missed")
    shot(page, "calls-2-log-missed-phone-ru")

    page.goto(f"{base}/callbacks")
    items = page.locator("#callbacks li.callback")
    expect(items).to_have_count(2)
    stranger = page.locator(f'li.callback[data-phone="{STRANGER}"]')
    expect(stranger.locator(".callback-count")).to_have_text("2")
    expect(stranger.locator(".callback-missed-by")).to_have_text("Іван Петренко, Олена Коваль")
    known = page.locator(f'li.callback[data-phone="{BEREZKINA}"]')
    expect(known.locator("a.callback-contact")).to_have_text("Анастасия Березкина")
    no_violations(page)
    shot(page, "calls-3-callbacks-phone-ru")

    stranger.locator("select[name=employee]").select_option(label="Олена Коваль")
    stranger.locator("form.callback-assign button").click()
    expect(page.locator('[data-notice="callback_assigned"]')).to_be_visible()
    expect(page.locator(f'li.callback[data-phone="{STRANGER}"] .callback-assigned')).to_have_text(
        "Олена Коваль"
    )
    page.locator(f'li.callback[data-phone="{BEREZKINA}"] form.callback-close button').click()
    expect(items).to_have_count(1)
    no_violations(page)
    shot(page, "calls-4-callbacks-assigned-phone-ru")
    page.context.close()

    desk = signed_in(hub, browser, "calllog", olena, viewport={"width": 1280, "height": 900}, locale="en-US")
    desk.goto(f"{base}/callbacks?mine=1")
    expect(desk.locator("#callbacks li.callback")).to_have_count(1)
    expect(desk.locator(".callback-assigned")).to_have_text("Олена Коваль")
    no_violations(desk)
    shot(desk, "calls-5-callbacks-mine-desktop-en")
    desk.goto(f"{base}/calls")
    expect(desk.locator("#calls li.call-row")).to_have_count(5)
    no_violations(desk)
    shot(desk, "calls-6-log-desktop-en")
    desk.context.close()
