"""Issue 16's "done when", in headless Chromium over the local runner, without the API: a signed-in
employee finds a customer by surname, edits them, adds a note, calls them (the Phonet fake rings the
extension and reports the call it placed), sees the call in the call log with its recording, and
marks another customer's callback done. Ukrainian, at phone width. Screenshots: screenshots/done-*.png."""

from __future__ import annotations

from hubtools.fakes import PhonetFake
from hubtools.local.demo import DEMO_EMPLOYEES, seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from tests.e2e.test_browser import browser, no_violations, shot
from tests.e2e.test_browser_calls import BEREZKINA, signed_in

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - `browser` skips then
    expect = None  # type: ignore[assignment]

__all__ = ["browser"]  # test_browser's Chromium fixture, used here too
IVANOV = "+380442246595"  # the demo's Иван Иванов


def test_employee_finds_edits_notes_calls_sees_the_recording_and_closes_a_callback(
    hub: LocalHub,
    browser,  # noqa: F811
) -> None:
    slug = "doneflow"
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=slug)
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    staff = [{"id": 30 + i, "displayName": e["name"], "ext": e["ext"]} for i, e in enumerate(DEMO_EMPLOYEES)]
    ivan = demo["employees"][0]
    base = f"{hub.api_url}/app/{slug}"
    with PhonetFake(employees=staff, hook_base_url=hooks, on_make_call="outbound_answered") as pbx:
        seed_credentials(hub.aws, hub.template, slug, {"phonet": pbx})
        missed = pbx.play("inbound_missed", caller=BEREZKINA, ext="002", timeout=30)
        assert all(d.status == 200 for d in missed.deliveries if d.kind == "event")
        page = signed_in(hub, browser, slug, ivan, viewport={"width": 390, "height": 844}, locale="uk-UA")

        # found by surname
        page.goto(f"{base}/search")
        page.fill("input[name=name]", "Иванов")
        page.locator("input[name=name]").press("Enter")
        page.click("#results a")
        expect(page.locator("h1")).to_contain_text("Иван Иванов")
        card = page.url
        shot(page, "done-1-card")

        # edited
        page.click("a#edit")
        page.fill("input[name=company]", "ТОВ Іванов і партнери")
        page.click("#edit-form button[type=submit]")
        expect(page.locator("[data-notice=saved]")).to_be_visible()
        expect(page.locator("main")).to_contain_text("ТОВ Іванов і партнери")

        # a note
        page.fill("#note-text", "Хоче рахунок до п'ятниці")
        page.click(".note-form button[type=submit]")
        expect(page.locator(".event-note").first).to_contain_text("Хоче рахунок до п'ятниці")
        no_violations(page)
        shot(page, "done-2-edited-and-noted")

        # called: the PBX rings the employee's extension first, then reports the call it placed
        page.locator(f'.phone[data-phone="{IVANOV}"] form.call-form button').click()
        expect(page.locator("[data-notice=call_placed]")).to_be_visible()
        assert page.url.startswith(card)
        (make_call,) = pbx.hits("POST", "/rest/user/makeCall")
        assert make_call.body == {"legExt": ivan["ext"], "otherLegNum": IVANOV}

        # in the call log, with its recording, once the PBX's hangup has arrived
        page.goto(f"{base}/calls?number=044+224+65+95")
        audio = page.locator("#calls audio")
        for _ in range(30):
            if audio.count():
                break
            page.wait_for_timeout(1000)
            page.reload()
        expect(audio).to_have_count(1)
        assert (audio.get_attribute("src") or "").startswith("https://")
        expect(page.locator("#calls a.call-contact")).to_have_text("Иван Иванов")
        no_violations(page)
        shot(page, "done-3-call-log")

        # another customer's callback, done
        page.goto(f"{base}/callbacks")
        waiting = page.locator(f'li.callback[data-phone="{BEREZKINA}"]')
        expect(waiting.locator("a.callback-contact")).to_have_text("Анастасия Березкина")
        waiting.locator("form.callback-close button").click()
        expect(page.locator(f'li.callback[data-phone="{BEREZKINA}"]')).to_have_count(0)
        shot(page, "done-4-callback-done")
        page.context.close()
