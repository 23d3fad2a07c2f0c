"""The pages in real headless Chromium (Debian's package, driven by Playwright), over the local runner."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

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
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - make test installs it
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
