"""The contact merge against in-memory ports: numbers in any local form are one number, a row finds
its contact by external code before its numbers, versions are checked, and an import replayed or
queued creates nobody twice."""

from __future__ import annotations

import pytest

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.imports import SYNC_IMPORT_ROWS, ImportService, import_now
from hub.domain.tenants import TenantContext
from hub.errors import Conflict
from hub.models.tenant import Tenant
from tests.unit.memory import MemoryContacts, MemoryImportJobs, MemoryQueue

ACME = TenantContext(tenant=Tenant(slug="acme", name="Acme", default_country="UA"))


@pytest.fixture
def repo() -> MemoryContacts:
    return MemoryContacts()


@pytest.fixture
def service(repo: MemoryContacts) -> ContactService:
    return ContactService(repo)


def contact(name: str, *numbers: str, **codes: str) -> ContactInput:
    return ContactInput(name=name, phones=[PhoneInput(number=n) for n in numbers], external_codes=codes)


def test_contact_create_same_number_in_two_local_forms_is_kept_once_first_remark_wins(
    service: ContactService,
) -> None:
    data = ContactInput(
        name="Ірина",
        phones=[
            PhoneInput(number="050 123 45 67", remark="mobile"),
            PhoneInput(number="+380501234567", remark="again"),
            PhoneInput(number="0442246595"),
        ],
    )
    made = service.create(ACME, data)
    assert made.phone_numbers() == ["+380501234567", "+380442246595"]
    assert made.phones[0].remark == "mobile" and made.phones[0].raw == "050 123 45 67"


def test_contact_merge_by_number_adds_new_numbers_replaces_given_fields_keeps_the_rest(
    service: ContactService, repo: MemoryContacts
) -> None:
    # given a contact with a company and one number
    first = service.create(
        ACME, ContactInput(name="Old", company="Acme LLC", phones=[PhoneInput(number="0501234567")])
    )
    # when a row with that number in another form, a new number and a new name is merged
    merged = service.merge(ACME, contact("New", "+380501234567", "0671112233"))
    # then it is the same contact, one version on, the number not repeated, the company kept
    assert merged.id == first.id and merged.version == first.version + 1
    assert merged.name == "New" and merged.company == "Acme LLC"
    assert merged.phone_numbers() == ["+380501234567", "+380671112233"]
    assert len(repo.contacts) == 1
    assert [e.id for e in repo.phone_entries("acme", "+380671112233")] == [first.id]


def test_contact_merge_external_code_wins_over_a_number_and_codes_are_added(
    service: ContactService,
) -> None:
    by_code = service.create(ACME, contact("Coded", "0501111111", crm="42"))
    service_row = contact("Coded again", "0502222222", crm="42", obzvonilka="7")
    merged = service.merge(ACME, service_row)
    assert merged.id == by_code.id
    assert merged.external_codes == {"crm": "42", "obzvonilka": "7"}
    assert service.find_by_external_code(ACME, "obzvonilka", "7").id == by_code.id


def test_contact_merge_matching_two_contacts_is_ambiguous_and_changes_nothing(
    service: ContactService, repo: MemoryContacts
) -> None:
    a = service.create(ACME, contact("A", "0501111111"))
    b = service.create(ACME, contact("B", "0502222222"))
    writes = repo.writes
    with pytest.raises(Conflict) as refused:
        service.merge(ACME, contact("Both", "0501111111", "0502222222"))
    assert refused.value.code == "ambiguous_match"
    assert refused.value.details == {"ids": sorted([a.id, b.id])}
    assert repo.writes == writes


def test_contact_merge_without_a_match_creates_one_and_a_replay_with_its_id_returns_it(
    service: ContactService, repo: MemoryContacts
) -> None:
    made = service.merge(ACME, contact("Fresh", "0503333333"), contact_id="row-1")
    again = service.merge(ACME, contact("Fresh but changed", "0503333333"), contact_id="row-1")
    assert made.id == again.id == "row-1" and again.name == "Fresh" and again.version == 1
    assert len(repo.contacts) == 1


def test_contact_update_with_a_stale_version_is_a_conflict_and_changes_nothing(
    service: ContactService, repo: MemoryContacts
) -> None:
    made = service.create(ACME, contact("Stale", "0504444444"))
    service.update(ACME, made.id, {"name": "Fresh"}, expected_version=made.version)
    with pytest.raises(Conflict) as refused:
        service.update(ACME, made.id, {"name": "Lost"}, expected_version=made.version)
    assert refused.value.code == "version_mismatch"
    assert repo.get("acme", made.id).name == "Fresh"


def test_contact_create_with_an_external_code_another_contact_holds_is_a_conflict(
    service: ContactService, repo: MemoryContacts
) -> None:
    service.create(ACME, contact("Holder", "0505555555", crm="9"))
    with pytest.raises(Conflict):
        service.create(ACME, contact("Intruder", "0506666666", crm="9"))
    assert len(repo.contacts) == 1


def test_import_now_rows_sharing_a_number_merge_into_one_and_a_rerun_creates_nobody(
    service: ContactService, repo: MemoryContacts
) -> None:
    rows = [
        {"name": "Row 0", "phones": [{"number": "0501230000"}]},
        {"name": "Row 1", "phones": [{"number": "+380501230000"}, {"number": "0501230001"}]},
        {"name": "Bad", "phones": [{"number": "not a number"}]},
        {"phones": "not a list"},
    ]
    results = import_now(service, ACME, rows, merge=True, job_id="file-digest")
    assert [r.status for r in results] == ["created", "updated", "failed", "failed"]
    assert results[0].id == results[1].id
    assert results[3].error["code"] == "invalid_row"
    assert repo.get("acme", results[0].id).phone_numbers() == ["+380501230000", "+380501230001"]
    # the same file again: the same contact, nobody new
    again = import_now(service, ACME, rows, merge=True, job_id="file-digest")
    assert {r.id for r in again if r.id} == {results[0].id}
    assert len(repo.contacts) == 1


def test_import_submit_large_job_is_planned_and_applied_from_its_queue_messages_once(
    service: ContactService, repo: MemoryContacts
) -> None:
    # given more rows than are applied in the request
    jobs, queue = MemoryImportJobs(), MemoryQueue()
    importer = ImportService(service, jobs, queue.send_all, workers=1)
    rows = [{"name": f"N{i}", "phones": [{"number": f"050{i:07d}"}]} for i in range(SYNC_IMPORT_ROWS + 5)]
    # when it is submitted: stored, and one message for the planner
    job = importer.submit(ACME, rows, merge=False, idempotency_key="k1")
    assert job["mode"] == "async" and len(repo.contacts) == 0
    [plan] = queue.take()
    importer.plan_job(ACME, plan["job_id"])
    chunks = queue.take()
    # and each chunk message is delivered twice (SQS is at least once)
    for message in chunks + chunks:
        importer.run_chunk(ACME, message["job_id"], message["chunk"])
    # then every row is a contact once, and the job is done with the right counts
    done = importer.job(ACME, job["job_id"])
    assert len(repo.contacts) == len(rows)
    assert (done["created"], done["failed"], done["chunks_done"]) == (len(rows), 0, done["chunks"])
    # and the same key with other rows is refused
    with pytest.raises(Conflict):
        importer.submit(ACME, rows[:3], merge=False, idempotency_key="k1")
