"""The contact card's do-not-call toggle, through the pages' handler: per phone, CSRF-checked, shown
on the card and on its Call buttons, which still call."""

from __future__ import annotations

import re
from typing import Any

from hub.store.do_not_call import DoNotCallStore
from tests.conftest import Seeded
from tests.integration.test_app_pages import Browser, add, employee

TWO_NUMBERS = ["0442246595", "0501112233"]


def dnc_store(seeded: Seeded) -> DoNotCallStore:
    return DoNotCallStore(seeded.contact_store.table)


def toggles(card: str) -> dict[str, str]:
    """Each phone's toggle state on the card: e164 -> on | off."""
    return dict(
        re.findall(
            r'name="phone" value="(\+\d+)">\s*<input type="hidden" name="listed" value="[01]">\s*'
            r'<button[^>]*data-dnc="(on|off)"',
            card,
        )
    )


def test_card_toggle_lists_one_phone_by_the_employee_and_marks_its_call_button(
    seeded: Seeded,
    pages: Any,
    lambda_context: Any,
) -> None:
    # given: a contact with two numbers, and an employee with an extension signed in
    contact = add(seeded, name="Ольга", numbers=TWO_NUMBERS)
    browser = Browser(pages, lambda_context, language="en")
    browser.sign_in()
    _, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    assert toggles(card) == {"+380442246595": "off", "+380501112233": "off"}
    # when: the second number is marked "do not call"
    status, headers, _ = browser.post(
        f"/app/acme/contacts/{contact.id}/do-not-call", phone="+380501112233", listed="1"
    )
    # then: listed by this employee from the card; the card shows it, and its Call button says so
    assert status == 303 and headers["Location"].endswith("?notice=dnc_listed")
    entry = dnc_store(seeded).get("acme", "+380501112233")
    assert entry is not None and entry.source == "card"
    anna = employee(seeded, "anna")
    assert entry.listed_by == anna.id
    assert dnc_store(seeded).get("acme", "+380442246595") is None
    _, _, card = browser.get(headers["Location"])
    assert toggles(card) == {"+380442246595": "off", "+380501112233": "on"}
    assert 'data-notice="dnc_listed"' in card
    assert card.count('class="call call-listed"') == 1 and card.count('class="call"') == 1
    assert "on the do-not-call list: campaigns do not dial it" in card
    # when: sent twice (a reload), then unlisted
    browser.post(f"/app/acme/contacts/{contact.id}/do-not-call", phone="+380501112233", listed="1")
    assert dnc_store(seeded).get("acme", "+380501112233") == entry  # the first listing stays
    status, headers, _ = browser.post(
        f"/app/acme/contacts/{contact.id}/do-not-call", phone="+380501112233", listed="0"
    )
    assert status == 303 and headers["Location"].endswith("?notice=dnc_unlisted")
    assert dnc_store(seeded).get("acme", "+380501112233") is None
    assert toggles(browser.get(f"/app/acme/contacts/{contact.id}")[2])["+380501112233"] == "off"


def test_card_shows_a_number_listed_through_the_api_and_click_to_call_is_not_blocked(
    seeded: Seeded,
    pages: Any,
    lambda_context: Any,
) -> None:
    contact = add(seeded, name="Ольга", numbers=TWO_NUMBERS)
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    browser.post(f"/app/acme/contacts/{contact.id}/do-not-call", phone="+380442246595", listed="1")
    # when: the person calls the listed number anyway
    status, headers, _ = browser.post(f"/app/acme/contacts/{contact.id}/call", phone="+380442246595")
    # then: it is placed as any call (without Phonet credentials: that notice, not a do-not-call refusal)
    assert status == 303 and "notice=call_no_credentials" in headers["Location"]


def test_card_toggle_refuses_no_csrf_foreign_numbers_bad_states_and_other_tenants(
    seeded: Seeded,
    pages: Any,
    lambda_context: Any,
) -> None:
    contact = add(seeded, name="Ольга", numbers=TWO_NUMBERS)
    theirs = add(seeded, tenant="globex", name="Boris's", numbers=["89222220000"])
    browser = Browser(pages, lambda_context)
    browser.sign_in()
    path = f"/app/acme/contacts/{contact.id}/do-not-call"
    no_csrf = browser.request("POST", path, {"phone": "+380442246595", "listed": "1"})
    assert no_csrf[0] == 403
    assert browser.post(path, phone="+380671234567", listed="1")[0] == 400  # not this contact's
    assert browser.post(path, phone="0442246595", listed="1")[0] == 400  # not as the card sends it
    assert browser.post(path, phone="+380442246595", listed="yes")[0] == 400
    assert (
        browser.post(f"/app/acme/contacts/{theirs.id}/do-not-call", phone="+79222220000", listed="1")[0]
        == 404
    )
    assert (
        browser.post(f"/app/globex/contacts/{theirs.id}/do-not-call", phone="+79222220000", listed="1")[0]
        == 303
    )
    assert dnc_store(seeded).page("acme", 10, None).items == []
    assert dnc_store(seeded).page("globex", 10, None).items == []


def test_card_toggle_needs_a_session(seeded: Seeded, pages: Any, lambda_context: Any) -> None:
    contact = add(seeded, name="Ольга", numbers=TWO_NUMBERS)
    browser = Browser(pages, lambda_context)
    status, headers, _ = browser.request(
        "POST", f"/app/acme/contacts/{contact.id}/do-not-call", {"phone": "+380442246595", "listed": "1"}
    )
    assert status == 303 and "/app/acme/login" in headers["Location"]
    assert dnc_store(seeded).get("acme", "+380442246595") is None
