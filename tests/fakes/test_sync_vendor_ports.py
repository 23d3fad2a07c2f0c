"""The port adapters of Avtodialer (DialerClient) and Obzvonilka (CallListClient) against their fakes
over real loopback HTTP, and the syncs that use them: Obzvonilka's users and bases and Avtodialer's
cdr, run twice over the same data (the second run creates nothing)."""

from __future__ import annotations

import datetime as dt

from hub.domain.sync import RunOutcome, Source, SyncService
from hub.domain.tenants import TenantContext
from hub.models.contact import Contact, ContactPhone
from hub.models.tenant import Tenant
from hub.ports.vendors import CallListEntry, DialRecord
from hub.vendors.avtodialer.client import AvtodialerClient
from hub.vendors.avtodialer.dialer import AvtodialerDialer
from hub.vendors.http import HttpPolicy
from hub.vendors.obzvonilka.call_list import ObzvonilkaCallList, entry_of
from hub.vendors.obzvonilka.client import ObzvonilkaClient
from hubtools.fakes import AvtodialerFake, ObzvonilkaFake
from tests.unit.memory_sync import FakeAccounts, MemorySyncStore, StubCalls, SyncTenants

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
ACME = TenantContext(Tenant(slug="acme", name="Acme", default_country="RU", timezone="Europe/Moscow"))


def call_list_for(fake: ObzvonilkaFake) -> ObzvonilkaCallList:
    return ObzvonilkaCallList(ObzvonilkaClient(fake.api_key, base_url=fake.url, policy=FAST))


def dialer_for(fake: AvtodialerFake) -> AvtodialerDialer:
    return AvtodialerDialer(AvtodialerClient(fake.url, fake.api_key, fake.access_token, policy=FAST))


def service(
    accounts: FakeAccounts, tenants: SyncTenants, store: MemorySyncStore, calls: StubCalls
) -> SyncService:
    return SyncService(accounts, calls, tenants, store, store)


def test_sync_vendor_ports_obzvonilka_bases_users_and_an_upsert_by_external_code(
    obzvonilka: ObzvonilkaFake,
) -> None:
    call_list = call_list_for(obzvonilka)
    assert [(b.vendor_id, b.name, b.deleted) for b in call_list.bases()] == [
        ("1", "Должники", False),
        ("2", "Новые клиенты", False),
    ]
    assert [(u.vendor_id, u.email, u.active) for u in call_list.users()][:2] == [
        ("1", "admin@example.com", True),
        ("2", "operator@example.com", True),
    ]
    contact = Contact(
        id="c1", tenant="acme", name="Пётр", phones=[ContactPhone(e164="+79221234567", raw="89221234567")]
    )
    first = call_list.upsert_contact("1", entry_of(contact))
    again = call_list.upsert_contact("1", entry_of(contact.model_copy(update={"name": "Пётр И."})))
    assert first == again  # found by its external code, changed, not added twice
    assert obzvonilka.push_counts()["1"] == {"c1": 1} and obzvonilka.contacts_created == 1
    (pushed,) = obzvonilka.find_by_external(1, "c1")
    assert (pushed["name"], pushed["phone1"]) == ("Пётр И.", "+79221234567")


def test_sync_vendor_ports_avtodialer_make_then_cdr_as_dial_results(avtodialer: AvtodialerFake) -> None:
    dialer = dialer_for(avtodialer)
    record = DialRecord("r1", "1", "+79220000001", dt.time(10), dt.time(19), name="Пётр")
    job = dialer.make([record])
    assert job.job_id.isdigit() and int(job.job_id) > 2**53 and job.accepted == 1
    when = dt.datetime(2024, 5, 6, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    avtodialer.complete("r1", code="ANSWERED", sec=17, when=when)
    (result,) = dialer.cdr(dt.date(2024, 5, 6), dt.date(2024, 5, 6))
    assert (result.job_id, result.phone, result.phone_raw, result.code, result.seconds) == (
        job.job_id,
        "+79220000001",
        "89220000001",
        "ANSWERED",
        17,
    )
    assert result.at == int(when.timestamp() * 1000)


def test_sync_vendor_ports_obzvonilka_syncs_twice_create_nothing_the_second_time(
    obzvonilka: ObzvonilkaFake,
) -> None:
    tenants, store, calls, accounts = SyncTenants(), MemorySyncStore(), StubCalls(), FakeAccounts()
    tenants.create_tenant(ACME.tenant, {})
    accounts.call_lists["acme"] = call_list_for(obzvonilka)
    sync = service(accounts, tenants, store, calls)
    users = sync.run(ACME, Source.OBZVONILKA_USERS)
    bases = sync.run(ACME, Source.OBZVONILKA_BASES)
    assert users.outcome is bases.outcome is RunOutcome.OK
    assert users.tally.created == users.tally.read >= 2 and bases.tally.created == 2
    assert {e.obzvonilka_user_id for e in tenants.list_employees("acme")} >= {"1", "2"}
    second_users = sync.run(ACME, Source.OBZVONILKA_USERS)
    second_bases = sync.run(ACME, Source.OBZVONILKA_BASES)
    assert (second_users.tally.created, second_users.tally.merged) == (0, 0)
    assert (second_bases.tally.created, second_bases.tally.unchanged) == (0, 2)


def test_sync_vendor_ports_avtodialer_cdr_sync_merges_each_outcome_once(avtodialer: AvtodialerFake) -> None:
    tenants, store, calls, accounts = SyncTenants(), MemorySyncStore(), StubCalls(), FakeAccounts()
    tenants.create_tenant(ACME.tenant, {})
    dialer = dialer_for(avtodialer)
    accounts.dialers["acme"] = dialer
    dialer.make([DialRecord("r1", "1", "+79220000001", dt.time(10), dt.time(19), name="Пётр")])
    avtodialer.complete("r1", code="ANSWERED", sec=17, when=dt.datetime.now(dt.UTC))
    sync = service(accounts, tenants, store, calls)
    first = sync.run(ACME, Source.AVTODIALER_CDR)
    second = sync.run(ACME, Source.AVTODIALER_CDR)
    assert (first.tally.read, first.tally.created) == (1, 1)
    assert (second.tally.read, second.tally.created, second.tally.unchanged) == (1, 0, 1)
    assert len(avtodialer.hits("POST", "/.*/cdr")) == 2


def test_sync_vendor_ports_obzvonilka_entry_keeps_the_services_ten_phone_slots(
    obzvonilka: ObzvonilkaFake,
) -> None:
    phones = tuple((f"+7922000{n:04d}", "моб" if n == 0 else None) for n in range(12))
    entry = CallListEntry(external_code="rec-7", name="Без контакта", phones=phones, email="a@example.com")

    vendor_id = call_list_for(obzvonilka).upsert_contact("2", entry)

    (pushed,) = obzvonilka.find_by_external(2, "rec-7")
    assert str(pushed["id"]) == vendor_id and pushed["email"] == "a@example.com"
    assert [pushed[f"phone{slot}"] for slot in range(1, 11)] == [number for number, _ in phones[:10]]
    assert pushed["phone_remark1"] == "моб"
    assert "+79220000010" not in str(obzvonilka.hits("POST")[0].body)  # the 11th and 12th left out
