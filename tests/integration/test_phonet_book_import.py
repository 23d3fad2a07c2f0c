"""Importing Phonet's contact book (spec/phonet.md §B2) over real loopback HTTP to the Phonet fake:
POST /imports/phonet-contacts stores a job, the import worker reads the book page by page (60) and
merges every contact by its `phonet` external code through the one import path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hub import wiring
from hub.domain.tenants import create_api_key
from hub.ports.vendors import SyncCursor
from hubtools.fakes import PhonetFake
from tests.conftest import Seeded
from tests.integration.test_imports import contact_count, drain
from tests.integration.test_rest_api import Api
from tests.integration.test_sync_against_fakes import put_phonet_credentials
from tests.support import load_function

BOOK = "/rest/crm/contacts/v2/"


@pytest.fixture
def pbx() -> Iterator[PhonetFake]:
    with PhonetFake(domain="acme.phonet.com.ua", api_key="acme-pbx-key") as fake:
        yield fake


@pytest.fixture
def api(seeded: Seeded, pbx: PhonetFake, lambda_context: Any) -> Api:
    put_phonet_credentials(seeded, "acme", pbx)
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    return Api(load_function("rest_api"), lambda_context, secret)


def run_import(api: Api, lambda_context: Any) -> dict[str, Any]:
    status, _, accepted = api.post("/imports/phonet-contacts", {})
    assert status == 202 and accepted["source"] == "phonet", accepted
    drain(load_function("import_worker"), lambda_context)
    rows: list[dict[str, Any]] = []
    path, job = accepted["status_url"].removeprefix("/api/v1"), {}
    cursor = None
    while True:
        status, _, job = api.get(path, **({"cursor": cursor} if cursor else {}))
        assert status == 200 and job["status"] == "done", job
        rows += job["rows"]
        if not (cursor := job.get("next_cursor")):
            return {**job, "rows": rows}


def all_contacts(seeded: Seeded) -> list[Any]:
    found, start = [], None
    while True:
        page = seeded.contact_store.list_contacts("acme", limit=100, start=start)
        found += page.items
        if (start := page.next_start) is None:
            return found


def test_phonet_import_1000_contacts_in_pages_then_reimport_is_unchanged(
    api: Api, seeded: Seeded, pbx: PhonetFake, lambda_context: Any
) -> None:
    for i in range(1000):
        pbx.add_contact(first_name=f"Клиент{i}", last_name="Тест", phones=[f"067{1000000 + i:07d}"])

    first = run_import(api, lambda_context)

    assert (first["total"], first["created"], first["updated"], first["failed"]) == (1000, 1000, 0, 0)
    pages = [h.query for h in pbx.hits("GET", BOOK)]
    assert len(pages) == 17 and {p["limit"] for p in pages} == {"60"}
    contacts = all_contacts(seeded)
    assert len(contacts) == 1000 and {c.phones[0].e164[:6] for c in contacts} == {"+38067"}
    assert {c.external_codes["phonet"] for c in contacts} == {r["ref"] for r in first["rows"]}

    again = run_import(api, lambda_context)

    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 0, 1000, 0)
    assert contact_count(seeded) == 1000
    assert {c.version for c in all_contacts(seeded)} == {1}


def test_phonet_import_english_codes_12_phones_responsible_and_skipped(
    api: Api, seeded: Seeded, pbx: PhonetFake, lambda_context: Any
) -> None:
    wiring.sync_store().advance(
        None,
        SyncCursor("acme", "phonet_users", json.dumps({"managed": {seeded.manager.id: "36"}})),
    )
    phones = [{"enumValueCode": "Work", "value": f"+38044{2000000 + i:07d}"} for i in range(12)]
    english = pbx.add_contact(
        {
            "responsibleUserId": 36,
            "fields": [
                {"enumCode": "First name", "values": [{"value": "Ann"}]},
                {"enumCode": "Last name", "values": [{"value": "Lee"}]},
                {"enumCode": "Phone", "values": phones},
                {"enumCode": "Email", "values": [{"value": "ann@example.com"}]},
                {"enumCode": "Company", "values": [{"value": "Acme Ltd"}]},
                {"enumCode": "Category", "values": [{"value": "VIP"}]},
                {"enumCode": "Skype", "values": [{"value": "ann.lee"}]},
            ],
        }
    )
    russian = pbx.add_contact(
        first_name="Анна",
        last_name="Ли",
        company="ООО Акме",
        phones=["0442000100"],
        emails=["a@x.ua"],
        category="VIP",
        responsible_user_id=99,
    )
    empty = pbx.add_contact({"fields": [{"enumCode": "Skype", "values": [{"value": "nobody"}]}]})

    job = run_import(api, lambda_context)

    by_ref = {row["ref"]: row for row in job["rows"]}
    assert (job["created"], job["skipped"], job["total"]) == (2, 1, 3)
    assert by_ref[str(empty["id"])]["status"] == "skipped"
    assert by_ref[str(empty["id"])]["error"]["code"] == "no_name_or_phone"
    made = wiring.contact_service().get(seeded.acme, by_ref[str(english["id"])]["id"])
    assert (made.name, made.company, made.email, made.category) == (
        "Ann Lee",
        "Acme Ltd",
        "ann@example.com",
        "VIP",
    )
    assert [p.e164 for p in made.phones] == [p["value"] for p in phones[:10]]
    assert made.extra_fields["phonet:phones_over_limit"] == [p["value"] for p in phones[10:]]
    assert made.extra_fields["Skype"] == ["ann.lee"]
    assert "2 phone number(s)" in by_ref[str(english["id"])]["notes"][0]
    assert made.responsible_employee_id == seeded.manager.id
    assert (
        made.origin_created_at == english["dateCreate"] and made.origin_updated_at == english["lastModified"]
    )
    ru = wiring.contact_service().get(seeded.acme, by_ref[str(russian["id"])]["id"])
    assert (ru.name, ru.company, ru.email, ru.category) == ("Анна Ли", "ООО Акме", "a@x.ua", "VIP")
    assert ru.phones[0].e164 == "+380442000100" and ru.responsible_employee_id is None
    assert ru.extra_fields["phonet:responsibleUserId"] == ["99"]


def test_phonet_import_session_expiring_mid_import_resumes_without_loss(
    api: Api, seeded: Seeded, pbx: PhonetFake, lambda_context: Any
) -> None:
    for i in range(150):
        pbx.add_contact(first_name=f"Client {i}", phones=[f"067{3000000 + i:07d}"])
    pbx.fail("expire_session", method="GET", path=BOOK, skip=1)

    job = run_import(api, lambda_context)

    assert (job["created"], job["failed"], job["total"]) == (150, 0, 150)
    assert contact_count(seeded) == 150
    assert pbx.count("POST", "/rest/security/authorize") == 2
    assert [h.status for h in pbx.hits("GET", BOOK)].count(403) == 1


def test_hubctl_phonet_import_merges_the_book_and_a_second_run_changes_nothing(
    seeded: Seeded, pbx: PhonetFake, template: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from hubtools.hubctl import main

    put_phonet_credentials(seeded, "acme", pbx)
    for i in range(70):  # two pages of the book
        pbx.add_contact(first_name=f"Клиент{i}", phones=[f"067{2000000 + i:07d}"])
    pbx.add_contact(first_name="")  # nothing to import: skipped
    runs = []
    for _ in range(2):
        assert main(["--stack", template.stack_name, "contact", "phonet-import", "--tenant", "acme"]) == 0
        out = capsys.readouterr().out  # the report is the last, indented JSON object (log lines first)
        runs.append(json.loads(out[out.rindex("\n{\n") + 1 :] if "\n{\n" in out else out))
    assert (runs[0]["created"], runs[0]["skipped"], runs[0]["failed"]) == (70, 1, 0)
    assert (runs[1]["created"], runs[1]["updated"], runs[1]["unchanged"]) == (0, 0, 70)
    assert len(all_contacts(seeded)) == 70
