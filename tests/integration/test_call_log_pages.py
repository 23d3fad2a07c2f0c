"""The call log page and the callbacks page through the pages' handler: filters in the query string,
paging with a signed cursor, recordings only from web links, each tenant's own calls; callbacks that
say who called, on which line, who missed it and who calls back, closed and assigned with CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from hub.domain.tenants import add_employee
from hub.models.call import Call, CallState, CallStatus, Direction
from hub.models.tenant import Employee
from hub.pages.formats import format_phone
from hub.pages.i18n import date_time
from hub.pages.routes import calls as calls_route
from hub.ports import CallChanges
from tests.conftest import Seeded
from tests.integration.test_app_pages import (
    PASSWORD,
    Browser,
    add,
    call_service,
    call_store,
    employee,
    signed_in,
)
from tests.support import load_function, phonet_record

KNOWN = "+380501111111"
STRANGER = "+380672223344"
LINE = "+380442246595"


@pytest.fixture
def pages(seeded: Seeded) -> Any:
    """The pages' handler, with Anna (007) and Olena (008) at acme and Boris at globex."""
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Анна", ext="007", login="anna", password=PASSWORD
    )
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Олена", ext="008", login="olena", password=PASSWORD
    )
    add_employee(
        seeded.tenant_store, seeded.globex.tenant, name="Boris", ext="101", login="boris", password=PASSWORD
    )
    return load_function("app_pages")


def ms(text: str) -> int:
    """An ISO moment in UTC as epoch ms."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def logged(
    seeded: Seeded,
    uuid: str,
    at: int,
    *,
    tenant: str = "acme",
    direction: Direction = Direction.INBOUND,
    status: CallStatus = CallStatus.ANSWERED,
    by: Employee | None = None,
    number: str | None = KNOWN,
    contact_ids: tuple[str, ...] = (),
    recordings: tuple[str, ...] = (),
    talk: int = 65,
) -> Call:
    """A finished call as the merge leaves it, saved with its contacts' timeline entries."""
    call = Call(
        tenant=tenant,
        uuid=uuid,
        direction=direction,
        state=CallState.ENDED,
        status=status,
        dial_at=at,
        ended_at=at + talk * 1000,
        talk_seconds=talk if status == CallStatus.ANSWERED else 0,
        employee_ext=by.ext if by else None,
        employee_name=by.name if by else None,
        employee_id=by.id if by else None,
        other_number=number,
        contact_ids=list(contact_ids),
        recordings=list(recordings),
        created_at=at,
        updated_at=at,
        version=1,
    )
    call_store(seeded).save_call(None, call, CallChanges(new_contact_links=list(contact_ids)))
    return call


def listed(page: str) -> list[str]:
    """The calls on the page, by uuid, in order."""
    return re.findall(r'data-call="([^"]+)"', page)


# -- the call log ------------------------------------------------------------------------------


def test_call_log_lists_newest_first_with_contact_employee_talk_and_recording(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    contact = add(seeded, name="Марія Коваль", numbers=["0501111111"])
    anna = employee(seeded, "anna")
    audio = "https://acme.phonet.com.ua/rest/public/calls/c2/audio"
    logged(seeded, "c1", ms("2026-11-20T10:00:00"), number=STRANGER, talk=0, status=CallStatus.MISSED)
    logged(seeded, "c2", ms("2026-11-21T10:00:00"), by=anna, contact_ids=(contact.id,), recordings=(audio,))
    browser = signed_in(pages, lambda_context)
    status, headers, page = browser.get("/app/acme/calls")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert listed(page) == ["c2", "c1"]
    first, second = page.split('data-call="c1"')
    assert f'<a class="call-contact" href="/app/acme/contacts/{contact.id}">Марія Коваль</a>' in first
    assert (
        '<span class="call-employee">Анна</span>' in first and '<span class="call-talk">1:05</span>' in first
    )
    assert f'<audio controls preload="none" src="{audio}"' in first
    assert (
        f'<span class="call-number">{format_phone(STRANGER, "UA")}</span>' in second
        and "<audio" not in second
    )
    assert "21.11.2026, 12:00" in first  # 10:00 UTC in Kyiv


def test_call_log_filters_narrow_by_direction_status_and_employee(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    anna, olena = employee(seeded, "anna"), employee(seeded, "olena")
    at = ms("2026-11-21T10:00:00")
    logged(seeded, "in-anna", at, by=anna)
    logged(seeded, "out-anna", at + 1000, direction=Direction.OUTBOUND, by=anna)
    logged(
        seeded,
        "out-olena-none",
        at + 2000,
        direction=Direction.OUTBOUND,
        by=olena,
        status=CallStatus.NO_ANSWER,
    )
    logged(seeded, "in-missed", at + 3000, status=CallStatus.MISSED)
    browser = signed_in(pages, lambda_context)
    assert listed(browser.get("/app/acme/calls")[2]) == ["in-missed", "out-olena-none", "out-anna", "in-anna"]
    assert listed(browser.get("/app/acme/calls?direction=outbound")[2]) == ["out-olena-none", "out-anna"]
    assert listed(browser.get("/app/acme/calls?status=missed")[2]) == ["in-missed"]
    _, _, page = browser.get(f"/app/acme/calls?employee={anna.id}")
    assert listed(page) == ["out-anna", "in-anna"]
    assert f'<option value="{anna.id}" selected>Анна (007)</option>' in page  # the form keeps the filter
    assert listed(browser.get(f"/app/acme/calls?direction=outbound&employee={anna.id}")[2]) == ["out-anna"]
    assert listed(browser.get("/app/acme/calls?direction=outbound&status=no_answer")[2]) == ["out-olena-none"]
    _, _, none = browser.get("/app/acme/calls?direction=internal")
    assert listed(none) == [] and "Таких звонков нет" in none


def test_call_log_date_filter_reads_whole_days_in_the_tenant_zone(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    # Kyiv is UTC+2 in winter: 23:30 UTC on 30.11 is 01:30 on 01.12 there.
    logged(seeded, "late-30th-utc", ms("2026-11-30T23:30:00"))
    logged(seeded, "noon-30th", ms("2026-11-30T10:00:00"))
    logged(seeded, "early-30th-kyiv", ms("2026-11-29T22:30:00"))  # 00:30 on 30.11 in Kyiv
    logged(seeded, "29th", ms("2026-11-29T10:00:00"))
    browser = signed_in(pages, lambda_context)
    assert listed(browser.get("/app/acme/calls?from=2026-12-01")[2]) == ["late-30th-utc"]
    assert listed(browser.get("/app/acme/calls?from=2026-11-30")[2]) == ["noon-30th", "early-30th-kyiv"]
    span = browser.get("/app/acme/calls?from=2026-11-29&to=2026-11-30")[2]
    assert listed(span) == ["noon-30th", "early-30th-kyiv", "29th"]
    assert listed(browser.get("/app/acme/calls?to=2026-11-29")[2]) == ["29th"]
    status, _, bad = browser.get("/app/acme/calls?from=30.11.2026")
    assert status == 200 and listed(bad) == [] and "Не удалось распознать дату" in bad


def test_call_log_number_filter_takes_any_local_form_and_reads_that_numbers_calls(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    at = ms("2026-11-21T10:00:00")
    logged(seeded, "known-1", at)
    logged(seeded, "stranger", at + 1000, number=STRANGER)
    logged(seeded, "known-2", at + 2000, direction=Direction.OUTBOUND)
    logged(seeded, "internal", at + 3000, direction=Direction.INTERNAL, number=None)
    browser = signed_in(pages, lambda_context)
    for form in ("050 111 11 11", "+380501111111", "(050) 111-11-11", "380501111111"):
        _, _, page = browser.get(f"/app/acme/calls?{urlencode({'number': form})}")
        assert listed(page) == ["known-2", "known-1"], form
    both = f"/app/acme/calls?{urlencode({'number': '0501111111', 'direction': 'inbound'})}"
    assert listed(browser.get(both)[2]) == ["known-1"]
    assert listed(browser.get("/app/acme/calls?number=0672223344")[2]) == ["stranger"]
    status, _, bad = browser.get("/app/acme/calls?number=abc")
    assert status == 200 and listed(bad) == [] and "Не удалось распознать номер" in bad


def test_call_log_pages_with_a_signed_cursor_and_refuses_a_tampered_one(
    seeded: Seeded, pages: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls_route, "CALLS_PAGE", 2)
    at = ms("2026-11-21T10:00:00")
    for i in range(5):
        logged(seeded, f"p{i}", at + i * 1000, status=CallStatus.MISSED if i % 2 else CallStatus.ANSWERED)
    browser = signed_in(pages, lambda_context)
    seen: list[str] = []
    path = "/app/acme/calls"
    while path:
        _, _, page = browser.get(path)
        seen += listed(page)
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        path = found.group(1).replace("&amp;", "&") if found else ""
    assert seen == ["p4", "p3", "p2", "p1", "p0"]
    _, _, first = browser.get("/app/acme/calls?status=answered")
    link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["status"] == ["answered"]  # the next page keeps the filters
    cursor = query["after"][0]
    assert listed(browser.get(f"/app/acme/calls?status=answered&after={quote(cursor)}")[2]) == ["p0"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for bad in (tampered, "not-a-cursor", cursor):
        # the last: a good cursor of another list (other filters) is refused too
        target = f"/app/acme/calls?after={quote(bad)}" + ("&status=missed" if bad == cursor else "")
        status, _, _ = browser.get(target)
        assert status == 400, bad


def test_call_log_plays_only_web_recordings(seeded: Seeded, pages: Any, lambda_context: Any) -> None:
    logged(
        seeded,
        "hostile",
        ms("2026-11-21T10:00:00"),
        recordings=("javascript:alert(1)", "https://rec.example/ok.mp3", "data:audio/mp3;base64,AAAA"),
    )
    page = signed_in(pages, lambda_context).get("/app/acme/calls")[2]
    assert "javascript:" not in page and "data:audio" not in page
    assert page.count("<audio ") == 1 and 'src="https://rec.example/ok.mp3"' in page


def test_call_log_never_shows_another_tenants_calls(seeded: Seeded, pages: Any, lambda_context: Any) -> None:
    theirs = add(seeded, tenant="globex", name="Globex secret", numbers=["89222220000"])
    logged(seeded, "ours", ms("2026-11-21T10:00:00"))
    logged(
        seeded, "theirs", ms("2026-11-21T11:00:00"), tenant="globex", number=KNOWN, contact_ids=(theirs.id,)
    )
    browser = signed_in(pages, lambda_context)
    for path in ("/app/acme/calls", f"/app/acme/calls?number={quote(KNOWN)}"):
        page = browser.get(path)[2]
        assert listed(page) == ["ours"] and "Globex secret" not in page
    status, headers, _ = browser.get("/app/globex/calls")
    assert status == 303 and headers["Location"].startswith("/app/globex/login")


def test_call_log_needs_a_session(pages: Any, lambda_context: Any) -> None:
    status, headers, _ = Browser(pages, lambda_context).get("/app/acme/calls?status=missed")
    assert status == 303
    assert headers["Location"] == "/app/acme/login?next=%2Fapp%2Facme%2Fcalls%3Fstatus%3Dmissed"


# -- callbacks ---------------------------------------------------------------------------------


def missed_department_call(seeded: Seeded, uuid: str, number: str, at_s: int) -> None:
    """An inbound call on the company line that rang Ivan (001) and Anna (007), and nobody answered."""
    service = call_service(seeded)
    local = "0" + number.removeprefix("+380")
    base = {
        "parentUuid": uuid,
        "lgDirection": 4,
        "dialAt": at_s,
        "otherLegs": [{"num": local}],
        "trunkNum": LINE,
        "trunkName": "Офис",
    }
    for leg, ext in (("a", "001"), ("b", "007")):
        for event, offset in (("call.dial", 0), ("call.hangup", 30_000)):
            body = {**base, "uuid": f"{uuid}-{leg}", "leg": {"ext": ext}, "event": event}
            body["serverTime"] = at_s * 1000 + offset
            service.record_pbx_event(seeded.acme, phonet_record(seeded.acme, body))


def callback_items(page: str) -> dict[str, str]:
    """Each callback's list item by its number."""
    return dict(re.findall(r'<li class="callback" data-phone="([^"]+)">(.*?)</li>', page, re.S))


def test_callbacks_name_a_known_caller_linked_to_the_card_instead_of_asking_who(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    """The old page showed only the number and "Кто это?" even for a contact of the tenant."""
    contact = add(seeded, name="Марія Коваль", numbers=["0501111111"])
    missed_department_call(seeded, "known-call", KNOWN, 1_764_000_000)
    page = signed_in(pages, lambda_context).get("/app/acme/callbacks")[2]
    assert "Марія Коваль" in page and "Кто это?" not in page
    item = callback_items(page)[KNOWN]
    assert f'<a class="callback-contact" href="/app/acme/contacts/{contact.id}">Марія Коваль</a>' in item
    assert "Кто это?" not in page and "badge-new" not in item


def test_callbacks_mark_an_unknown_caller_new_with_a_link_to_create_the_contact(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    missed_department_call(seeded, "stranger-call", STRANGER, 1_764_000_000)
    page = signed_in(pages, lambda_context).get("/app/acme/callbacks")[2]
    assert "новый" in page and "/app/acme/contacts/new?phone=%2B380672223344" in page
    item = callback_items(page)[STRANGER]
    assert f'href="telf:{STRANGER}">{format_phone(STRANGER, "UA")}</a>' in item
    assert '<a class="badge badge-new" href="/app/acme/contacts/new?phone=%2B380672223344">новый</a>' in item
    assert "callback-contact" not in item


def test_callbacks_name_an_auto_lead_by_its_card_not_by_its_number_twice(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    lead = add(seeded, name=STRANGER, numbers=[STRANGER], type="lead")
    missed_department_call(seeded, "lead-call", STRANGER, 1_764_000_000)
    item = callback_items(signed_in(pages, lambda_context).get("/app/acme/callbacks")[2])[STRANGER]
    card = f'<a class="callback-contact" href="/app/acme/contacts/{lead.id}">без имени</a>'
    assert f'{card} <span class="badge">Лид</span>' in item and "badge-new" not in item


def test_callbacks_show_the_line_who_missed_it_how_often_and_since_when(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    missed_department_call(seeded, "first", STRANGER, 1_764_000_000)  # 24.11.2025 16:00 UTC
    missed_department_call(seeded, "second", STRANGER, 1_764_003_600)
    callback = call_store(seeded).get_callback("acme", STRANGER)
    assert callback is not None and set(callback.misses) == {"first", "second"}
    assert (callback.lines, callback.missed_by) == ([(LINE, "Офис")], ["001", "007"])
    item = callback_items(signed_in(pages, lambda_context, language="en").get("/app/acme/callbacks")[2])[
        STRANGER
    ]
    assert '<dd class="callback-count">2</dd>' in item
    since, last = (date_time(ms, "en", "Europe/Kyiv") for ms in (1_764_000_000_000, 1_764_003_600_000))
    assert (since, last) == ("11/24/2025, 6:00\u202fPM", "11/24/2025, 7:00\u202fPM")  # Kyiv, not UTC
    assert f'<dd class="callback-since">{since}</dd>' in item
    assert f'<dd class="callback-last">{last}</dd>' in item
    assert f'<dd class="callback-line">Офис ({format_phone(LINE, "UA")})</dd>' in item
    assert '<dd class="callback-missed-by">Иван Менеджер, Анна</dd>' in item
    assert '<button type="submit" class="primary">Called back</button>' in item


def test_callbacks_assigned_to_an_employee_shown_and_listed_as_theirs(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    missed_department_call(seeded, "one", KNOWN, 1_764_000_000)
    missed_department_call(seeded, "two", STRANGER, 1_764_003_600)
    olena, anna = employee(seeded, "olena"), employee(seeded, "anna")
    browser = signed_in(pages, lambda_context)
    version = call_store(seeded).get_callback("acme", STRANGER).version  # type: ignore[union-attr]
    status, headers, _ = browser.post(
        "/app/acme/callbacks/assign", phone=STRANGER, employee=olena.id, version=str(version)
    )
    assert (status, headers["Location"]) == (303, "/app/acme/callbacks?notice=callback_assigned")
    stored = call_store(seeded).get_callback("acme", STRANGER)
    assert stored is not None and (stored.assigned_to, stored.assigned_by) == (olena.id, anna.id)
    _, _, page = browser.get(headers["Location"])
    assert 'data-notice="callback_assigned"' in page
    item = callback_items(page)[STRANGER]
    assert '<dd class="callback-assigned">Олена</dd>' in item
    assert f'<option value="{olena.id}" selected>Олена</option>' in item
    mine = signed_in(pages, lambda_context, login="olena").get("/app/acme/callbacks?mine=1")[2]
    assert list(callback_items(mine)) == [STRANGER]
    assert list(callback_items(browser.get("/app/acme/callbacks?mine=1")[2])) == []  # Anna has none
    assert list(callback_items(browser.get("/app/acme/callbacks")[2])) == [STRANGER, KNOWN]


def test_callbacks_stale_assign_is_refused_and_keeps_the_first(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    missed_department_call(seeded, "one", STRANGER, 1_764_000_000)
    olena, anna = employee(seeded, "olena"), employee(seeded, "anna")
    seen = str(call_store(seeded).get_callback("acme", STRANGER).version)  # type: ignore[union-attr]
    first, second = signed_in(pages, lambda_context), signed_in(pages, lambda_context, login="olena")
    assert first.post("/app/acme/callbacks/assign", phone=STRANGER, employee=olena.id, version=seen)[0] == 303
    status, headers, _ = second.post(
        "/app/acme/callbacks/assign", phone=STRANGER, employee=anna.id, version=seen
    )
    assert (status, headers["Location"]) == (303, "/app/acme/callbacks?notice=callback_changed")
    assert call_store(seeded).get_callback("acme", STRANGER).assigned_to == olena.id  # type: ignore[union-attr]
    page = second.get(headers["Location"])[2]
    assert "кто-то изменил этот звонок" in page and 'class="notice notice-error"' in page
    unknown = second.post("/app/acme/callbacks/assign", phone=STRANGER, employee="nobody", version="99")
    assert unknown[1]["Location"].endswith("notice=callback_no_employee")


def test_callbacks_done_closes_it_and_clears_its_assignment(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    missed_department_call(seeded, "one", STRANGER, 1_764_000_000)
    browser = signed_in(pages, lambda_context)
    version = str(call_store(seeded).get_callback("acme", STRANGER).version)  # type: ignore[union-attr]
    browser.post(
        "/app/acme/callbacks/assign", phone=STRANGER, employee=employee(seeded, "olena").id, version=version
    )
    status, headers, _ = browser.post("/app/acme/callbacks/close", phone=STRANGER)
    assert (status, headers["Location"]) == (303, "/app/acme/callbacks")
    after = call_store(seeded).get_callback("acme", STRANGER)
    assert after is not None and not after.open and after.assigned_to is None
    closed = call_store(seeded).closed_callbacks("acme", STRANGER)
    assert [(c.closed_by_employee_ext, c.assigned_to) for c in closed] == [
        ("007", employee(seeded, "olena").id)
    ]
    assert callback_items(browser.get("/app/acme/callbacks")[2]) == {}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/app/acme/contacts/abc", "/app/acme/contacts/abc"),
        ("/app/acme/calls?number=%2B380672223344", "/app/acme/calls?number=%2B380672223344"),
        ("https://evil.example/app/acme/contacts/abc", "/app/acme/callbacks"),
        ("//evil.example/app/acme/", "/app/acme/callbacks"),
        ("/app/globex/contacts/abc", "/app/acme/callbacks"),
        ("/app/acme\\evil", "/app/acme/callbacks"),
        ("/app/acme/x\r\nSet-Cookie: a=b", "/app/acme/callbacks"),
        ("", "/app/acme/callbacks"),
    ],
)
def test_callbacks_done_goes_back_to_next_only_for_this_tenants_pages(
    seeded: Seeded, pages: Any, lambda_context: Any, target: str, expected: str
) -> None:
    missed_department_call(seeded, "one", STRANGER, 1_764_000_000)
    browser = signed_in(pages, lambda_context)
    status, headers, _ = browser.post("/app/acme/callbacks/close", phone=STRANGER, next=target)
    assert (status, headers["Location"]) == (303, expected)
    assert not call_store(seeded).get_callback("acme", STRANGER).open  # type: ignore[union-attr]


def test_callbacks_forms_without_their_csrf_token_are_refused(
    seeded: Seeded, pages: Any, lambda_context: Any
) -> None:
    missed_department_call(seeded, "one", STRANGER, 1_764_000_000)
    browser = signed_in(pages, lambda_context)
    version = str(call_store(seeded).get_callback("acme", STRANGER).version)  # type: ignore[union-attr]
    olena = employee(seeded, "olena")
    for path, form in (
        ("/app/acme/callbacks/close", {"phone": STRANGER}),
        ("/app/acme/callbacks/assign", {"phone": STRANGER, "employee": olena.id, "version": version}),
    ):
        assert browser.request("POST", path, form)[0] == 403
        assert browser.request("POST", path, {**form, "csrf": "forged"})[0] == 403
    callback = call_store(seeded).get_callback("acme", STRANGER)
    assert callback is not None and callback.open and callback.assigned_to is None


def test_callbacks_page_with_a_signed_cursor(
    seeded: Seeded, pages: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.pages.routes import callbacks as callbacks_route

    monkeypatch.setattr(callbacks_route, "CALLBACKS_PAGE", 1)
    missed_department_call(seeded, "one", KNOWN, 1_764_000_000)
    missed_department_call(seeded, "two", STRANGER, 1_764_003_600)
    browser = signed_in(pages, lambda_context)
    _, _, first = browser.get("/app/acme/callbacks")
    assert list(callback_items(first)) == [STRANGER]
    link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert link is not None
    assert list(callback_items(browser.get(link.group(1).replace("&amp;", "&"))[2])) == [KNOWN]
    assert browser.get("/app/acme/callbacks?after=forged")[0] == 400


@pytest.mark.parametrize("module", ["calls", "callbacks"])
def test_call_log_and_callback_labels_exist_in_every_language(module: str) -> None:
    import importlib

    labels = importlib.import_module(f"hub.pages.labels.{module}").LABELS
    assert set(labels) == {"ru", "en", "uk"}
    keys = set(labels["ru"])
    for lang, found in labels.items():
        assert set(found) == keys, lang
        assert all(text.strip() for text in found.values()), lang


def test_call_log_number_filter_finds_calls_saved_before_its_index_once_hubctl_indexed_them(
    seeded: Seeded, pages: Any, lambda_context: Any, template: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import boto3

    from hubtools.hubctl import main

    logged(seeded, "old", ms("2026-11-21T10:00:00"))
    logged(seeded, "new", ms("2026-11-21T11:00:00"), number=STRANGER)
    boto3.client("dynamodb").update_item(  # as a call saved before the index existed
        TableName=call_store(seeded).table,
        Key={"pk": {"S": "acme#CALL#old"}, "sk": {"S": "CALL"}},
        UpdateExpression="REMOVE gsi1pk, gsi1sk",
    )
    browser = signed_in(pages, lambda_context)
    assert listed(browser.get(f"/app/acme/calls?number={quote(KNOWN)}")[2]) == []
    for expected in (1, 0):  # the second run finds nothing left to do
        assert main(["--stack", template.stack_name, "calls", "index-numbers", "--tenant", "acme"]) == 0
        assert json.loads(capsys.readouterr().out) == {"tenant": "acme", "indexed": expected}
    assert listed(browser.get(f"/app/acme/calls?number={quote(KNOWN)}")[2]) == ["old"]
    assert listed(browser.get(f"/app/acme/calls?number={quote(STRANGER)}")[2]) == ["new"]


def test_contact_store_phone_entries_of_reads_many_numbers_holders_at_once(seeded: Seeded) -> None:
    first = add(seeded, name="Перша", numbers=["0501111111"])
    second = add(seeded, name="Друга", numbers=["0501111111", "0672223344"])
    add(seeded, tenant="globex", name="Чужий", numbers=["+380501111111"])
    found = seeded.contact_store.phone_entries_of("acme", [KNOWN, STRANGER, "+380990000000"])
    assert {number: [e.id for e in entries] for number, entries in found.items()} == {
        KNOWN: [second.id, first.id],  # by name
        STRANGER: [second.id],
    }
