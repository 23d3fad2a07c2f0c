"""The contact card through the pages' handler: editing every field (with the version check), notes,
naming a lead, phones as people write them, robot calls, attribution, callbacks; and the search and
new-contact form's localized errors."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

from hub.domain.contacts import ContactService
from hub.models.contact import Contact
from hub.pages.formats import attribution_label
from hub.pages.labels import LABELS
from tests.conftest import Seeded
from tests.integration.test_app_pages import add, call_service, employee, signed_in
from tests.support import ACME_AVTODIALER_TOKEN, load_event, load_function, phonet_record


def stored(seeded: Seeded, contact: Contact) -> Contact:
    found = seeded.contact_store.get("acme", contact.id, consistent=True)
    assert found is not None
    return found


def field_value(page: str, name: str) -> str:
    """The value of the form's input `name`, as the browser reads it."""
    match = re.search(rf'<input name="{name}"[^>]*value="([^"]*)"', page)
    assert match, name
    return html.unescape(match.group(1))


def edit_form(**changes: str) -> dict[str, str]:
    """Every field of the edit form, as a person fills it."""
    return {
        "version": "1",
        "type": "contact",
        "name": "Ольга Сидоренко",
        "company": "ТОВ Ромашка",
        "phone_0": "+380442246595",
        "remark_0": "офис",
        "email": "olga@example.com",
        "address": "Київ, Хрещатик 1",
        "www": "https://romashka.example",
        "responsible_employee_id": "",
        "source": "выставка",
        "description": "Хочет <b>демо</b>",
        **changes,
    }


def test_edit_form_with_the_current_version_saves_every_field(seeded, pages, lambda_context) -> None:
    # given: a contact with two numbers, opened for editing
    contact = add(seeded, name="Ольга", numbers=["0442246595", "0501112233"])
    browser = signed_in(pages, lambda_context)
    status, _, form = browser.get(f"/app/acme/contacts/{contact.id}/edit")
    assert status == 200
    assert re.search(r'name="version" value="1"', form)
    assert (field_value(form, "phone_0"), field_value(form, "phone_1")) == ("+380442246595", "+380501112233")
    assert f'<option value="{employee(seeded, "anna").id}">Анна</option>' in form  # the active employees
    # when: every field is changed, the second number removed and a third one added with its remark
    status, headers, _ = browser.post(
        f"/app/acme/contacts/{contact.id}/edit",
        **edit_form(
            phone_1="+380501112233",
            remove_1="1",
            phone_2="067 555 44 33",
            remark_2="мобильный",
            responsible_employee_id=employee(seeded, "anna").id,
            type="company",
        ),
    )
    # then: saved as one new version, and the card says so
    assert (status, headers["Location"]) == (303, f"/app/acme/contacts/{contact.id}?notice=saved")
    saved = stored(seeded, contact)
    assert saved.version == 2
    assert [(p.e164, p.raw, p.remark) for p in saved.phones] == [
        ("+380442246595", "0442246595", "офис"),  # shown in E.164, kept as it was given
        ("+380675554433", "067 555 44 33", "мобильный"),
    ]
    assert (saved.type, saved.name, saved.company, saved.email) == (
        "company",
        "Ольга Сидоренко",
        "ТОВ Ромашка",
        "olga@example.com",
    )
    assert (saved.address, saved.www, saved.source, saved.description) == (
        "Київ, Хрещатик 1",
        "https://romashka.example",
        "выставка",
        "Хочет <b>демо</b>",
    )
    assert saved.responsible_employee_id == employee(seeded, "anna").id
    _, _, card = browser.get(headers["Location"])
    assert 'data-notice="saved"' in card and "Изменения сохранены" in card
    assert "Хочет &lt;b&gt;демо&lt;/b&gt;" in card


def test_edit_form_with_a_stale_version_shows_both_and_keeps_the_input(seeded, pages, lambda_context) -> None:
    # given: the form opened at version 1, then a colleague renames the contact
    contact = add(seeded, name="Ольга", numbers=["0442246595"])
    browser = signed_in(pages, lambda_context)
    ContactService(seeded.contact_store).update(
        seeded.context("acme"), contact.id, {"name": "Ольга Коллегина"}, expected_version=1
    )
    # when: the form is saved with the version it was opened at
    status, _, page = browser.post(
        f"/app/acme/contacts/{contact.id}/edit", **edit_form(name="Ольга Моя", description="мой текст")
    )
    # then: refused, in Russian; the colleague's value shown, the person's own input still in the form
    assert status == 409
    assert "кто-то изменил этот контакт" in page and 'id="conflict"' in page
    current = page[page.index('id="current"') : page.index("</dl>", page.index('id="current"'))]
    assert "Ольга Коллегина" in current
    assert field_value(page, "name") == "Ольга Моя" and "мой текст</textarea>" in page
    assert stored(seeded, contact).name == "Ольга Коллегина"  # nothing of the stale form stored
    # when: saved again, knowingly, from the form that now carries the current version
    assert re.search(r'name="version" value="2"', page)
    status, _, _ = browser.post(f"/app/acme/contacts/{contact.id}/edit", **edit_form(version="2"))
    assert status == 303 and stored(seeded, contact).name == "Ольга Сидоренко"


def test_edit_form_with_an_invalid_phone_or_email_shows_russian_errors_and_stores_nothing(
    seeded, pages, lambda_context
) -> None:
    contact = add(seeded, name="Ольга", numbers=["0442246595"])
    browser = signed_in(pages, lambda_context)
    status, _, page = browser.post(
        f"/app/acme/contacts/{contact.id}/edit", **edit_form(phone_1="12 34", email="olga@")
    )
    assert status == 400
    assert re.search(r'data-error="phone_1">Неверный номер телефона<', page)
    assert re.search(r'data-error="email">Неверный адрес почты<', page)
    assert "not a phone" not in page and "should" not in page  # no domain or pydantic English
    assert field_value(page, "phone_1") == "12 34"  # the input kept
    status, _, page = browser.post(f"/app/acme/contacts/{contact.id}/edit", **edit_form(phone_1="12 34"))
    assert status == 400 and re.search(r'data-error="phone_1">Неверный номер телефона<', page)
    status, _, page = browser.post(f"/app/acme/contacts/{contact.id}/edit", **edit_form(name="я" * 301))
    assert status == 400 and re.search(r'data-error="name">Слишком длинно: не больше 300 символов<', page)
    assert stored(seeded, contact).version == 1


def test_new_contact_form_errors_are_in_the_pages_language_not_the_domains_english(
    seeded, pages, lambda_context
) -> None:
    """A reproduction: the form showed the domain's message ("not a phone number: ...") in the
    Russian pages, and "try again later" for a field too long."""
    browser = signed_in(pages, lambda_context)
    status, _, page = browser.post("/app/acme/contacts/new", name="X", phone="not a phone", type="contact")
    assert status == 400
    assert "not a phone number" not in page
    assert re.search(r'data-error="phone">Неверный номер телефона<', page)
    status, _, page = browser.post("/app/acme/contacts/new", name="X" * 301, phone="0442246595")
    assert status == 400 and re.search(r'data-error="name">Слишком длинно: не больше 300 символов<', page)
    status, _, page = browser.post("/app/acme/contacts/new", name="X", phone="0442246595", email="a b@c")
    assert status == 400 and re.search(r'data-error="email">Неверный адрес почты<', page)
    assert seeded.contact_store.by_name("acme", "X") == []
    english = signed_in(pages, lambda_context, language="en")
    _, _, page = english.post("/app/acme/contacts/new", name="X", phone="12", type="contact")
    assert re.search(r'data-error="phone">Not a valid phone number<', page)


def test_note_added_on_the_card_is_shown_newest_first_with_its_author_and_escaped(
    seeded, pages, lambda_context
) -> None:
    contact = add(seeded, name="Ольга")
    browser = signed_in(pages, lambda_context)
    _, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    assert "Заметок пока нет" in card
    for text in ("Первая: перезвонить в пятницу", "Вторая <script>alert(1)</script>"):
        status, headers, _ = browser.post(f"/app/acme/contacts/{contact.id}/notes", text=text)
        assert (status, headers["Location"]) == (303, f"/app/acme/contacts/{contact.id}?notice=note_added")
    events = seeded.contact_store.events("acme", contact.id)
    anna = employee(seeded, "anna")
    assert [(e["kind"], e["author_employee_id"]) for e in events] == [("note", anna.id)] * 2
    _, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    assert "<script>alert(1)</script>" not in card and "Вторая &lt;script&gt;" in card
    assert card.index("Вторая") < card.index("Первая")  # newest first
    notes = re.findall(
        r'<li class="event event-note" data-kind="note"><div class="muted">([^<]+)</div>', card
    )
    assert len(notes) == 2 and all(re.fullmatch(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d · Анна", n) for n in notes)
    # an empty note is refused with a notice, and stores nothing
    status, headers, _ = browser.post(f"/app/acme/contacts/{contact.id}/notes", text="  ")
    assert status == 303 and headers["Location"].endswith("?notice=note_empty")
    assert len(seeded.contact_store.events("acme", contact.id)) == 2


def test_lead_named_by_its_number_is_named_and_converted_from_its_card(seeded, pages, lambda_context) -> None:
    # given: a lead as a missed call creates it, named by its number
    lead = add(seeded, type="lead", name="+380675554433", numbers=["+380675554433"])
    browser = signed_in(pages, lambda_context)
    _, _, card = browser.get(f"/app/acme/contacts/{lead.id}")
    assert 'id="naming"' in card and "Этот лид назван по номеру телефона" in card
    assert "<h1>067 555 4433 " in card  # the number as people write it, not +380...
    assert re.search(r'id="convert-form">\s*<input type="hidden" name="csrf"', card)
    # when: sent without a name, then with a stale version, then right
    status, _, page = browser.post(f"/app/acme/contacts/{lead.id}/convert", name=" ", version="1")
    assert status == 400 and "Укажите имя" in page
    status, _, page = browser.post(f"/app/acme/contacts/{lead.id}/convert", name="Пётр Лидов", version="0")
    assert status == 409 and "кто-то изменил этот контакт" in page
    assert 'value="Пётр Лидов"' in page  # what was typed stays
    assert stored(seeded, lead).type == "lead"
    status, headers, _ = browser.post(f"/app/acme/contacts/{lead.id}/convert", name="Пётр Лидов", version="1")
    # then: a contact with that name, found by it, and the card no longer asks
    assert (status, headers["Location"]) == (303, f"/app/acme/contacts/{lead.id}?notice=converted")
    assert (stored(seeded, lead).type, stored(seeded, lead).name) == ("contact", "Пётр Лидов")
    _, _, card = browser.get(headers["Location"])
    assert 'id="naming"' not in card and "Готово: теперь это контакт" in card
    _, _, found = browser.get(f"/app/acme/search?{urlencode({'name': 'лидов'})}")
    assert f"/contacts/{lead.id}" in found


def test_card_shows_phones_as_the_tenant_writes_them_with_telefum_and_dialer_links(
    seeded, pages, lambda_context
) -> None:
    contact = add(seeded, name="Ольга", numbers=["0442246595", "+79222220000"])
    browser = signed_in(pages, lambda_context)
    _, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    home = re.search(
        r'data-phone="\+380442246595"><a class="tel" href="telf:\+380442246595"[^>]*>([^<]+)</a>', card
    )
    abroad = re.search(
        r'data-phone="\+79222220000"><a class="tel" href="telf:\+79222220000"[^>]*>([^<]+)</a>', card
    )
    assert home and home.group(1) == "044 224 6595"  # national for a UA tenant
    assert abroad and abroad.group(1) == "+7 922 222-00-00"  # international for another country
    assert 'href="tel:+380442246595"' in card and 'href="tel:+79222220000"' in card
    assert 'name="phone" value="+380442246595"' in card  # the forms still send E.164


def test_card_shows_attribution_under_readable_labels_in_each_language(seeded, pages, lambda_context) -> None:
    contact = add(seeded, name="Ольга")
    labelled = contact.model_copy(
        update={
            "attribution": {"utm_source": "google", "google_client_id": "1340605716.1", "odd_key": "x"},
            "version": 2,
        }
    )
    seeded.contact_store.update(contact, labelled)
    # Ukrainian through its labels: the pages speak it once the language choice learns uk.
    assert attribution_label("utm_source", LABELS["uk"]) == "Джерело"
    assert attribution_label("odd_key", LABELS["uk"]) == "odd_key"
    for language, source, client in [
        ("ru", "Источник", "Google Analytics ID"),
        ("en", "Source", "Google Analytics ID"),
    ]:
        browser = signed_in(pages, lambda_context, language=language)
        _, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
        assert f'<dt data-key="utm_source">{source}</dt><dd>google</dd>' in card, language
        assert f'<dt data-key="google_client_id">{client}</dt>' in card
        assert '<dt data-key="odd_key">odd_key</dt><dd>x</dd>' in card  # unknown keys as they are
        assert ">utm_source<" not in card


def test_card_shows_the_robots_recognized_answer_and_the_calls_disposition(
    seeded, pages, lambda_context
) -> None:
    contact = add(seeded, name="Петров", numbers=["+79222220000"])
    event = load_event("avtodialer_result/json_result.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = (
        f"/hooks/avtodialer/{ACME_AVTODIALER_TOKEN}/result"
    )
    event["pathParameters"] = {"token": ACME_AVTODIALER_TOKEN}
    event["body"] = json.dumps(json.loads(event["body"]) | {"answer": "да, <i>перезвоните</i>"})
    assert load_function("avtodialer_result").handler(event, lambda_context)["statusCode"] == 200
    _, _, card = signed_in(pages, lambda_context).get(f"/app/acme/contacts/{contact.id}")
    assert "Звонок робота" in card
    assert "Ответ роботу: «да, &lt;i&gt;перезвоните&lt;/i&gt;»" in card
    assert '<div class="robot-disposition">Итог: отвечен (код ANSWERED)</div>' in card


def test_card_callback_has_a_done_button_back_to_the_card(seeded, pages, lambda_context) -> None:
    contact = add(seeded, name="Ольга", numbers=["0501111111"])
    missed = {
        "uuid": "cardmissed00000000000000000",
        "lgDirection": 4,
        "dialAt": 1_700_000_000,
        "leg": {"ext": "001"},
        "otherLegs": [{"num": "0501111111"}],
        "event": "call.hangup",
    }
    call_service(seeded).record_pbx_event(seeded.acme, phonet_record(seeded.acme, missed))
    browser = signed_in(pages, lambda_context)
    _, _, card = browser.get(f"/app/acme/contacts/{contact.id}")
    done = re.search(
        r'<form class="callback-done" method="post" action="/app/acme/callbacks/close">(.*?)</form>',
        card,
        re.S,
    )
    assert done, card
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', done.group(1)))
    assert fields == {
        "csrf": browser.cookies["hub_csrf"],
        "phone": "+380501111111",
        "next": f"/app/acme/contacts/{contact.id}",
    }
    assert '<button type="submit" class="button">Перезвонил</button>' in done.group(1)
    assert browser.post("/app/acme/callbacks/close", phone=fields["phone"], next=fields["next"])[0] == 303
    assert 'class="callback-done"' not in browser.get(f"/app/acme/contacts/{contact.id}")[2]


def test_card_forms_without_csrf_are_refused_and_change_nothing(seeded, pages, lambda_context) -> None:
    contact = add(seeded, type="lead", name="+380442246595")
    browser = signed_in(pages, lambda_context)
    for action, form in [
        ("edit", edit_form()),
        ("notes", {"text": "forged"}),
        ("convert", {"name": "Forged", "version": "1"}),
    ]:
        status, _, _ = browser.request("POST", f"/app/acme/contacts/{contact.id}/{action}", form)
        assert status == 403, action
        forged = browser.request(
            "POST", f"/app/acme/contacts/{contact.id}/{action}", {**form, "csrf": "not-the-cookie"}
        )
        assert forged[0] == 403, action
    assert stored(seeded, contact).version == 1 and seeded.contact_store.events("acme", contact.id) == []


def test_another_tenants_contact_is_not_found_on_every_card_route(seeded, pages, lambda_context) -> None:
    theirs = add(seeded, tenant="globex", type="lead", name="Globex secret", numbers=["89222220000"])
    browser = signed_in(pages, lambda_context)
    for path in (f"/app/acme/contacts/{theirs.id}", f"/app/acme/contacts/{theirs.id}/edit"):
        status, _, page = browser.get(path)
        assert status == 404 and "Globex secret" not in page, path
    for action, form in [
        ("edit", edit_form()),
        ("notes", {"text": "x"}),
        ("convert", {"name": "x", "version": "1"}),
    ]:
        status, _, page = browser.post(f"/app/acme/contacts/{theirs.id}/{action}", **form)
        assert status == 404 and "Globex secret" not in page, action
    assert seeded.contact_store.get("globex", theirs.id).version == 1  # type: ignore[union-attr]
    assert seeded.contact_store.events("globex", theirs.id) == []


def test_contact_name_with_markup_is_escaped_on_the_card_and_the_edit_form(
    seeded, pages, lambda_context
) -> None:
    contact = add(seeded, name='Ann "><script>alert(1)</script>')
    browser = signed_in(pages, lambda_context)
    for path in (f"/app/acme/contacts/{contact.id}", f"/app/acme/contacts/{contact.id}/edit"):
        _, _, page = browser.get(path)
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page, path
    assert field_value(browser.get(f"/app/acme/contacts/{contact.id}/edit")[2], "name") == contact.name


def test_search_finds_a_customer_by_surname_among_full_names(seeded, pages, lambda_context) -> None:
    wanted = add(seeded, name="Іван Петрович Сидоренко", numbers=["0442246595"])
    other = add(seeded, name="Сидор Іваненко", numbers=["0501112233"])
    browser = signed_in(pages, lambda_context)
    _, _, page = browser.get(f"/app/acme/search?{urlencode({'name': 'сидоренко'})}")
    assert f"/contacts/{wanted.id}" in page and f"/contacts/{other.id}" not in page
    assert "044 224 6595" in page  # the result shows its number, as people write it
    _, _, page = browser.get(f"/app/acme/search?{urlencode({'name': 'петрович Сидор'})}")
    assert f"/contacts/{wanted.id}" in page and f"/contacts/{other.id}" not in page
