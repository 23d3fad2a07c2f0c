"""The team page through the pages' handler: employees with the presence the PBX's events left,
who is on a call now from the Phonet fake's live calls over loopback HTTP (placed from the card's
Call button, or on the fake's line as its events would leave it), and the page when the PBX is not
connected, fails, answers nonsense or is too slow; another tenant's session sees none of it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hub import wiring
from hub.domain.tenants import add_employee, deactivate_employee
from hub.models.call import PresenceChange
from hub.pages.labels import LABELS
from hub.vendors import accounts
from hub.vendors.http import HttpPolicy
from hubtools.fakes import PhonetFake
from tests.conftest import Seeded
from tests.integration.test_app_pages import Browser, add, call_service
from tests.integration.test_sync_against_fakes import put_phonet_credentials

CALLER = "+380442246595"
STAFF = [
    {"id": 36, "displayName": "Иван Менеджер", "ext": "001"},
    {"id": 40, "displayName": "Анна", "ext": "007"},
    {"id": 41, "displayName": "Ночная смена", "ext": "050"},  # on the PBX, not in the hub
]


@pytest.fixture
def pbx() -> Iterator[PhonetFake]:
    with PhonetFake(domain="acme.phonet.com.ua", api_key="acme-pbx-key", employees=STAFF) as fake:
        yield fake


@pytest.fixture
def fast_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' PBX clients waiting half a second (the timeout case stays quick)."""
    monkeypatch.setattr(accounts, "PAGE_POLICY", HttpPolicy(connect_timeout=1.0, read_timeout=0.5, retries=0))
    wiring.page_vendor_accounts.cache_clear()
    wiring.team.cache_clear()


@pytest.fixture
def anna(pages: Any, lambda_context: Any) -> Browser:
    browser = Browser(pages, lambda_context)
    assert browser.sign_in()[0] == 303
    return browser


def members(page: str) -> dict[str, dict[str, str]]:
    """Each employee's row by name: its presence and on-call marks, and its text without tags."""
    found = {}
    for attrs, body in re.findall(r'<li class="member" (.*?)>(.*?)</li>', page, re.S):
        fields = dict(re.findall(r'data-([\w-]+)="([^"]*)"', attrs))
        fields["text"] = " ".join(re.sub(r"<[^>]+>", " ", body).split())
        found[fields["text"].split(" доб. ")[0].split(" (")[0].split(" без ")[0]] = fields
    return found


def pbx_state(page: str) -> str:
    found = re.search(r'id="pbx-state" data-pbx="(\w+)"', page)
    assert found, "the team page says what it knows of the PBX"
    return found[1]


def on_the_line(pbx: PhonetFake, uuid: str, ext: str, number: str, talking_since: int) -> None:
    """An answered inbound call in the fake's live list, as its dial and bridge events leave it."""
    with pbx._lock:
        pbx.active[uuid] = {
            "uuid": uuid,
            "parentUuid": None,
            "dialAt": talking_since - 20_000,
            "bridgeAt": talking_since,
            "lgDirection": 4,
            "leg": pbx.staff(ext),
            "leg2": None,
            "otherLegs": [{"id": None, "name": number, "num": number, "companyName": None, "url": None}],
            "trunkNum": pbx.trunk_num,
            "trunkName": pbx.trunk_name,
            "lastEvent": "call.bridge",
        }


def test_team_page_lists_employees_with_presence_and_says_the_pbx_is_not_connected(
    seeded: Seeded,
    pages: Any,
    lambda_context: Any,
) -> None:
    gone = add_employee(seeded.tenant_store, seeded.acme.tenant, name="Ушедший", ext="009")
    deactivate_employee(seeded.tenant_store, gone)
    calls = call_service(seeded)
    calls.record_pbx_event(seeded.context("acme"), PresenceChange(ext="001", status="away", at=1_000))
    calls.record_pbx_event(seeded.context("acme"), PresenceChange(ext="007", status="back", at=1_000))
    anna = Browser(pages, lambda_context)
    anna.sign_in()

    status, headers, page = anna.get("/app/acme/team")

    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert pbx_state(page) == "not_connected" and "АТС не подключена" in page
    rows = members(page)
    assert list(rows) == ["Анна", "Иван Менеджер", "Ушедший"]  # active first, by name
    assert rows["Иван Менеджер"]["presence"] == "away"
    assert "Иван Менеджер доб. 001 ◌ Отошёл" in rows["Иван Менеджер"]["text"]
    assert rows["Анна"]["presence"] == "back" and "Анна (это вы) доб. 007 ● На месте" in rows["Анна"]["text"]
    assert rows["Ушедший"]["presence"] == "inactive" and "неактивен" in rows["Ушедший"]["text"]
    assert all(row["on-call"] == "false" for row in rows.values())
    assert "Boris" not in page  # globex's


def test_team_page_shows_who_is_on_a_call_now_from_the_pbx(
    seeded: Seeded, pbx: PhonetFake, fast_pages: None, anna: Browser
) -> None:
    # given: acme's PBX connected; Anna calls a contact from the card; Иван talks to an unknown caller
    put_phonet_credentials(seeded, "acme", pbx)
    contact = add(seeded, name="Ольга Клиентка", numbers=["0442246595"])
    status, headers, _ = anna.post(f"/app/acme/contacts/{contact.id}/call", phone=CALLER)
    assert headers["Location"].endswith("notice=call_placed"), headers
    talking_since = int(time.time() * 1000) - 125_000
    on_the_line(pbx, "f" * 32, "001", "+380931234567", talking_since)
    on_the_line(pbx, "e" * 32, "050", "+79220000007", talking_since)

    status, _, page = anna.get("/app/acme/team")

    assert status == 200 and pbx_state(page) == "connected" and "Сейчас на линии: 2" in page
    rows = members(page)
    assert rows["Анна"]["on-call"] == "true"
    assert "Вызов: Ольга Клиентка 044 224 6595 · исходящий" in rows["Анна"]["text"]
    assert f'href="/app/acme/contacts/{contact.id}">Ольга Клиентка</a>' in page
    assert rows["Иван Менеджер"]["on-call"] == "true"
    since = time.strftime("%H:%M", time.gmtime(talking_since / 1000 + 2 * 3600))  # Kyiv in winter
    ivan = rows["Иван Менеджер"]["text"]
    assert re.search(rf"Разговор: 093 123 4567 · входящий · с {since} \(2:0\d\)", ivan)
    other = page.split('id="other-calls"')[1]
    assert "доб. 050" in other and "+7 922 000-00-07" in other  # a line the hub has no employee for


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 500, "body": "Internal error"},
        {"kind": "status", "status": 200, "body": "<html>not json</html>", "content_type": "text/html"},
        {"kind": "timeout", "delay": 1.5},
    ],
    ids=["500", "not-json", "timeout"],
)
def test_team_page_when_the_pbx_fails_shows_a_notice_and_the_team(
    seeded: Seeded, pbx: PhonetFake, fast_pages: None, anna: Browser, fault: dict[str, Any]
) -> None:
    put_phonet_credentials(seeded, "acme", pbx)
    call_service(seeded).record_pbx_event(seeded.context("acme"), PresenceChange(ext="001", status="away"))
    pbx.fail(method="GET", path="/rest/calls/active/v3", **fault)

    started = time.monotonic()
    status, _, page = anna.get("/app/acme/team")

    assert status == 200 and pbx_state(page) == "unavailable"
    assert "АТС сейчас не ответила" in page and 'class="notice notice-error"' in page
    rows = members(page)
    assert rows["Иван Менеджер"]["presence"] == "away" and set(rows) == {"Анна", "Иван Менеджер"}
    assert time.monotonic() - started < 5


def test_team_page_of_another_tenant_is_not_open_to_this_session(
    seeded: Seeded,
    pbx: PhonetFake,
    anna: Browser,
    pages: Any,
    lambda_context: Any,
) -> None:
    put_phonet_credentials(seeded, "acme", pbx)
    on_the_line(pbx, "f" * 32, "001", "+380931234567", int(time.time() * 1000))
    status, headers, body = anna.get("/app/globex/team")
    assert status == 303 and headers["Location"].startswith("/app/globex/login")
    assert "Boris" not in body
    boris = Browser(pages, lambda_context)
    boris.sign_in(tenant="globex", login="boris")
    page = boris.get("/app/globex/team")[2]
    assert set(members(page)) == {"Boris"} and "093 123" not in page and "Иван" not in page
    assert pbx_state(page) == "not_connected"  # acme's PBX is acme's
    assert Browser(pages, lambda_context).get("/app/acme/team")[0] == 303  # no session at all


def test_team_labels_exist_in_every_language() -> None:
    keys = {key for key in LABELS["ru"] if key.startswith("team")}
    assert keys and all(keys <= LABELS[lang].keys() for lang in ("en", "uk"))
    assert LABELS["uk"]["team_pbx_not_connected"].startswith("АТС не підключена")
