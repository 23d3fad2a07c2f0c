"""The contact card in headless Chromium over the local runner: found by surname, edited, noted,
a lead named; at phone and desk width, checked by axe-core. Screenshots: screenshots/card-*.png."""

from __future__ import annotations

import pytest

from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub
from tests.e2e.test_browser import browser, no_violations, shot, signed_in_tab  # noqa: F401 (browser: a fixture)

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips first
    expect = None  # type: ignore[assignment]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_card_found_by_surname_edited_noted_and_a_lead_named(hub: LocalHub, browser, width: str) -> None:  # noqa: F811
    slug = f"card-{width}"
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=slug)
    ivan = demo["employees"][0]
    base = f"{hub.api_url}/app/{slug}"
    page = signed_in_tab(
        browser, f"{base}/login", ivan, lands=f"{base}/callbacks", viewport=WIDTHS[width], locale="ru-RU"
    )

    # found by surname
    page.goto(f"{base}/search?name=%D0%B8%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2")  # "иванов"
    page.click("#results a")
    expect(page.locator("h1")).to_contain_text("Иван Иванов")
    telf = page.locator(".phone a.tel").first
    assert telf.get_attribute("href") == "telf:+380442246595"
    expect(telf).to_have_text("044 224 6595")
    assert page.locator(".phone a.tel-fallback").first.get_attribute("href") == "tel:+380442246595"
    no_violations(page)
    shot(page, f"card-1-card-{width}")

    # edited: an email and a second number with its remark
    page.click("a#edit")
    assert page.url.endswith("/edit")  # /contacts/{id}/edit, bookmarkable
    no_violations(page)
    page.fill("input[name=email]", "ivan@client.example")
    page.fill("input[name=phone_1]", "067 555 44 33")
    page.fill("input[name=remark_1]", "мобильный")
    shot(page, f"card-2-edit-{width}")
    page.click("#edit-form button[type=submit]")
    expect(page.locator("[data-notice=saved]")).to_be_visible()
    expect(page.locator('.phone[data-phone="+380675554433"] a.tel')).to_have_text("067 555 4433")
    expect(page.locator("a[href='mailto:ivan@client.example']")).to_be_visible()

    # an invalid number: a Russian error next to the field, the input kept
    page.click("a#edit")
    page.fill("input[name=phone_2]", "12")
    page.click("#edit-form button[type=submit]")
    expect(page.locator("[data-error=phone_2]")).to_have_text("Неверный номер телефона")
    expect(page.locator("input[name=phone_2]")).to_have_value("12")
    no_violations(page)
    shot(page, f"card-3-edit-error-{width}")

    # a note, shown with its author
    page.goto(page.url.removesuffix("/edit"))
    page.fill("#note-text", "Просит перезвонить в пятницу после обеда")
    page.click(".note-form button[type=submit]")
    expect(page.locator("[data-notice=note_added]")).to_be_visible()
    expect(page.locator(".event-note").first).to_contain_text(ivan["name"])
    expect(page.locator(".event-note").first).to_contain_text("Просит перезвонить")
    shot(page, f"card-4-note-{width}")

    # a lead named by its number is named and becomes a contact
    page.goto(f"{base}/search?phone=0671234567")
    page.click("#results a")
    expect(page.locator("h1")).to_contain_text("067 123 4567")
    expect(page.locator("#naming")).to_be_visible()
    no_violations(page)
    shot(page, f"card-5-lead-{width}")
    page.fill("#convert-name", "Пётр Лидов")
    page.click("#convert-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Пётр Лидов")
    expect(page.locator("#naming")).to_have_count(0)
    shot(page, f"card-6-named-{width}")
    page.context.close()
