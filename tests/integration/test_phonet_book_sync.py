"""Keeping Phonet's contact book in step with the hub (the `phonet_contacts` sync source) against the
Phonet fake over loopback HTTP: the book's changes read back, the hub's pushed with `batch` + merge,
a contact changed on both sides resolved by the later change and reported."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.exceptions import BadRequest

from hub import wiring
from hub.domain.contacts import ContactInput
from hub.domain.sync import Source, SyncLimits, SyncRun, SyncService
from hub.domain.tenants import TenantContext
from hub.ids import now_ms
from hub.vendors.accounts import VendorAccountsFromSecrets
from hub.vendors.phonet.book_sync import PhonetBookSync
from hubtools.fakes import PhonetFake
from tests.conftest import Seeded
from tests.integration.test_sync_against_fakes import FAST, put_phonet_credentials

BATCH = "/rest/crm/contacts/v2/batch"
LIMITS = SyncLimits(settle_ms=0)


@pytest.fixture
def pbx() -> Iterator[PhonetFake]:
    with PhonetFake(domain="acme.phonet.com.ua", api_key="acme-pbx-key") as fake:
        yield fake


def acme_with(seeded: Seeded, pbx: PhonetFake, on: bool) -> TenantContext:
    put_phonet_credentials(seeded, "acme", pbx)
    settings = seeded.acme.tenant.settings.model_copy(update={"phonet_book_sync": on})
    seeded.tenant_store.put_settings("acme", settings)
    return seeded.context("acme")


@pytest.fixture
def acme(seeded: Seeded, pbx: PhonetFake) -> TenantContext:
    return acme_with(seeded, pbx, on=True)


def service() -> SyncService:
    accounts = VendorAccountsFromSecrets(
        wiring.vendor_secrets(),
        lambda slug: wiring.tenant_directory().by_slug(slug).tenant,
        wiring.phonet_session_cache(),
        FAST,
    )
    store = wiring.sync_store()
    book = PhonetBookSync(accounts, wiring.contact_service(), store, LIMITS)
    return SyncService(
        accounts, wiring.call_service(), wiring.tenant_store(), store, store, LIMITS, book=book
    )


def sync(context: TenantContext) -> SyncRun:
    time.sleep(0.01)  # the hub's and the fake's ms clocks: a change never shares the mark's ms
    context = wiring.tenant_directory().by_slug("acme")
    run = service().run(context, Source.PHONET_CONTACTS, now=now_ms())
    assert run.outcome.value == "ok", run.record()
    time.sleep(0.01)
    return run


def book_contact(pbx: PhonetFake, contact_id: int) -> dict[str, Any]:
    return pbx.book.get(contact_id)


def imported(acme: TenantContext, pbx: PhonetFake, **plain: Any) -> tuple[int, str]:
    """A book contact and the hub contact the import made of it: (phonet id, hub id)."""
    made = pbx.add_contact(**plain)
    contact = wiring.contact_service().merge(
        acme,
        ContactInput(
            name=" ".join(p for p in (plain.get("first_name"), plain.get("last_name")) if p),
            phones=[{"number": n} for n in plain.get("phones", [])],
            external_codes={"phonet": str(made["id"])},
            origin_updated_at=made["lastModified"],
        ),
    )
    return made["id"], contact.id


def test_phonet_book_sync_a_book_change_appears_in_the_hub_after_the_next_sync(
    acme: TenantContext, pbx: PhonetFake
) -> None:
    phonet_id, hub_id = imported(acme, pbx, first_name="Олена", last_name="Коваль", phones=["0671234567"])
    sync(acme)  # the first run sets the mark

    pbx.book.update({**book_contact(pbx, phonet_id), "firstName": "Олена-Марія", "companyTitle": "Зоря"})
    run = sync(acme)

    contact = wiring.contact_service().get(acme, hub_id)
    assert contact.name == "Олена-Марія Коваль" and contact.company == "Зоря"
    assert (run.tally.read, run.tally.merged, run.details["conflict_count"]) == (1, 1, 0)
    assert run.details["pushed"] == 0  # what it read back is not pushed back


def test_phonet_book_sync_a_hub_change_appears_in_the_fake_after_the_next_push(
    acme: TenantContext, pbx: PhonetFake
) -> None:
    phonet_id, hub_id = imported(acme, pbx, first_name="Олена", last_name="Коваль", phones=["0671234567"])
    sync(acme)

    wiring.contact_service().update(
        acme,
        hub_id,
        {
            "name": "Олена Шевченко",
            "company": "Зоря",
            "phones": [{"number": "0671234567"}, {"number": "0509876543"}],
        },
    )
    run = sync(acme)

    held = book_contact(pbx, phonet_id)
    assert run.details["pushed"] == 1, (run.details, run.tally)
    assert (held["firstName"], held["lastName"], held["companyTitle"]) == ("Олена", "Шевченко", "Зоря")
    assert "0509876543" in {v["value"] for f in held["fields"] for v in f["values"]}
    assert run.details["pushed"] == 1 and len(pbx.book.contacts) == 1  # merged, not a second contact
    assert len(pbx.hits("POST", BATCH)) == 1

    again = sync(acme)  # the push's own change is read back (its lastModified kept): nothing pushed
    assert (again.details["pushed"], again.details["conflict_count"]) == (0, 0)
    assert wiring.contact_service().get(acme, hub_id).name == "Олена Шевченко"
    assert len(pbx.hits("POST", BATCH)) == 1


def test_phonet_book_sync_a_new_hub_contact_is_created_in_the_book_and_linked_on_read_back(
    acme: TenantContext, pbx: PhonetFake
) -> None:
    sync(acme)
    made = wiring.contact_service().create(
        acme, ContactInput(name="Іван Сірко", phones=[{"number": "0631112233"}])
    )
    sync(acme)

    (held,) = pbx.book.contacts.values()
    assert (held["firstName"], held["lastName"]) == ("Іван", "Сірко")
    sync(acme)  # the book's new contact is read back and matched by its number
    assert wiring.contact_service().get(acme, made.id).external_codes["phonet"] == str(held["id"])


@pytest.mark.parametrize("later", ["phonet", "hub"])
def test_phonet_book_sync_a_conflict_changed_on_both_sides_is_resolved_by_the_later_and_reported(
    acme: TenantContext, pbx: PhonetFake, later: str, caplog: pytest.LogCaptureFixture
) -> None:
    phonet_id, hub_id = imported(acme, pbx, first_name="Олена", last_name="Коваль", phones=["0671234567"])
    sync(acme)

    def in_book() -> None:
        pbx.book.update({**book_contact(pbx, phonet_id), "companyTitle": "Книга"})

    def in_hub() -> None:
        wiring.contact_service().update(acme, hub_id, {"company": "Хаб"})

    for change in (in_hub, in_book) if later == "phonet" else (in_book, in_hub):
        change()
        time.sleep(0.01)
    run = sync(acme)

    winner = "Книга" if later == "phonet" else "Хаб"
    assert wiring.contact_service().get(acme, hub_id).company == winner
    assert book_contact(pbx, phonet_id)["companyTitle"] == winner
    (conflict,) = run.details["conflicts"]
    assert conflict["contact_id"] == hub_id and conflict["phonet_id"] == str(phonet_id)
    assert conflict["kept"] == later
    assert (conflict["phonet_modified_at"] > conflict["hub_updated_at"]) == (later == "phonet")
    stored = wiring.sync_store().states("acme")[Source.PHONET_CONTACTS.value].last_run
    assert stored is not None and stored["details"]["conflicts"] == [conflict]

    again = sync(acme)  # decided once: the next run sees both sides agree
    assert again.details["conflict_count"] == 0


def test_phonet_book_sync_with_the_setting_off_reads_and_pushes_nothing(
    seeded: Seeded, pbx: PhonetFake
) -> None:
    acme = acme_with(seeded, pbx, on=False)
    assert seeded.acme.tenant.settings.phonet_book_sync is False  # the default
    _, hub_id = imported(acme, pbx, first_name="Олена", phones=["0671234567"])
    sync(acme)
    wiring.contact_service().update(acme, hub_id, {"name": "Інша"})
    hits_before = len(pbx.hits("GET", "/rest/crm/contacts/v2/")) + len(pbx.hits("POST", BATCH))

    run = sync(acme)

    assert run.details == {"off": "phonet_book_sync is off for this tenant"}
    assert len(pbx.hits("GET", "/rest/crm/contacts/v2/")) + len(pbx.hits("POST", BATCH)) == hits_before
    assert wiring.sync_store().read("acme", Source.PHONET_CONTACTS.value) is None


def test_phonet_book_sync_a_partial_batch_failure_retries_only_the_failed_contact_alone_once(
    acme: TenantContext, pbx: PhonetFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(acme)
    service = wiring.contact_service()
    for i in range(3):
        service.create(acme, ContactInput(name=f"Клієнт {i}", phones=[{"number": f"067000000{i}"}]))
    refused = service.create(acme, ContactInput(name="Відмова Тест", phones=[{"number": "0679999999"}]))
    batch_one = pbx.book._batch_one

    def refusing(item: Any, merge: bool, user_id: int | None) -> None:
        if item.get("firstName") == "Відмова":
            raise BadRequest("refused")
        batch_one(item, merge, user_id)

    monkeypatch.setattr(pbx.book, "_batch_one", refusing)
    run = sync(acme)

    sent = [len(h.body["contacts"]) for h in pbx.hits("POST", BATCH)]
    assert sent == [4, 1]  # the chunk, then only the refused one, alone, once
    assert run.details["pushed"] == 3 and run.details["push_failed"] == [refused.id]
    assert len(pbx.book.contacts) == 3
