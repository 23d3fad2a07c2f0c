"""The Avtodialer port adapter writes the hub's E.164 numbers in the form the tenant's account expects
(avtodialer.md Notes), seen by the fake over loopback HTTP, with the form read from the stored
credentials; and the fake's slow and timeout faults on `make` as the campaign worker will meet them."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from hub.errors import InvalidPhone, VendorUnavailable
from hub.models.tenant import NumberFormat, Tenant, Vendor, credentials_for
from hub.ports.vendors import DialRecord
from hub.vendors.accounts import VendorAccountsFromSecrets
from hub.vendors.avtodialer.client import AvtodialerClient
from hub.vendors.avtodialer.dialer import AvtodialerDialer, dial_form
from hub.vendors.http import HttpPolicy
from hub.vendors.phonet.client import MemorySessionCache
from hubtools.fakes import AvtodialerFake
from tests.unit.memory import MemorySecrets

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
RU_MOBILE, UA_MOBILE, KZ_MOBILE = "+79222220000", "+380501112233", "+77012345678"


def record(record_id: str, phone: str) -> DialRecord:
    return DialRecord(record_id, "1", phone, dt.time(10), dt.time(19), name="Пётр")


def dialer_for(
    fake: AvtodialerFake, number_format: NumberFormat = "domestic", policy: HttpPolicy = FAST
) -> AvtodialerDialer:
    client = AvtodialerClient(fake.url, fake.api_key, fake.access_token, policy=policy)
    return AvtodialerDialer(client, number_format=number_format)


@pytest.mark.parametrize(
    ("number_format", "sent"),
    [
        ("domestic", ["89222220000", "380501112233", "87012345678"]),
        ("international", ["79222220000", "380501112233", "77012345678"]),
        ("e164", [RU_MOBILE, UA_MOBILE, KZ_MOBILE]),
    ],
)
def test_avtodialer_dialer_make_sends_numbers_in_the_accounts_form(
    avtodialer: AvtodialerFake, number_format: NumberFormat, sent: list[str]
) -> None:
    calls = [record("r1", RU_MOBILE), record("r2", UA_MOBILE), record("r3", KZ_MOBILE)]

    job = dialer_for(avtodialer, number_format).make(calls)

    assert job.accepted == 3
    assert [call.phone for call in avtodialer.calls] == sent


def test_avtodialer_dialer_newcall_and_cdr_number_in_the_accounts_form(avtodialer: AvtodialerFake) -> None:
    dialer = dialer_for(avtodialer)
    dialer.newcall(record("r1", RU_MOBILE))
    avtodialer.complete("r1", when=dt.datetime(2024, 5, 6, 12, tzinfo=dt.UTC))

    (result,) = dialer.cdr(dt.date(2024, 5, 6), dt.date(2024, 5, 6), number=RU_MOBILE)

    assert avtodialer.calls[0].phone == "89222220000"
    assert avtodialer.hits("POST", "/.*/cdr")[0].body["query"]["to"] == "89222220000"
    assert (result.phone, result.phone_raw) == (RU_MOBILE, "89222220000")


@pytest.mark.parametrize("raw", ["89222220000", "not a number"])
def test_dial_form_a_number_not_in_e164_is_refused_before_sending(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        dial_form(raw)


def test_avtodialer_accounts_build_the_dialer_with_the_stored_number_format(
    avtodialer: AvtodialerFake,
) -> None:
    secrets = MemorySecrets()
    fields = {
        "base_url": avtodialer.url,
        "api_key": avtodialer.api_key,
        "access_token": avtodialer.access_token,
        "number_format": "international",
    }
    secrets.put("acme", Vendor.AVTODIALER, credentials_for(Vendor.AVTODIALER, fields))
    tenant = Tenant(slug="acme", name="Acme", default_country="UA")
    accounts = VendorAccountsFromSecrets(secrets, lambda slug: tenant, MemorySessionCache(), FAST)

    dialer = accounts.dialer("acme")
    dialer.make([record("r1", RU_MOBILE)])
    secrets.put(
        "acme", Vendor.AVTODIALER, credentials_for(Vendor.AVTODIALER, {**fields, "number_format": "e164"})
    )
    again = accounts.dialer("acme")
    again.make([record("r2", UA_MOBILE)])

    assert isinstance(dialer, AvtodialerDialer) and (dialer.country, dialer.fallbacks) == ("UA", ("RU",))
    assert again is not dialer  # a changed format is a changed account: the warm client is rebuilt
    assert [call.phone for call in avtodialer.calls] == ["79222220000", UA_MOBILE]


def test_avtodialer_credentials_number_format_defaults_to_domestic() -> None:
    fields = {"base_url": "https://avtodialer.example", "api_key": "k", "access_token": "t"}
    credentials = credentials_for(Vendor.AVTODIALER, fields)
    assert credentials.number_format == "domestic"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="number_format"):
        credentials_for(Vendor.AVTODIALER, {**fields, "number_format": "8xxx"})


def test_avtodialer_make_slow_fault_queues_then_answers_too_late(avtodialer: AvtodialerFake) -> None:
    avtodialer.fail("slow", method="POST", path="/.*/make", delay=0.6)
    dialer = dialer_for(avtodialer, policy=HttpPolicy(read_timeout=0.2, retries=2, backoff_factor=0))

    with pytest.raises(VendorUnavailable) as lost:
        dialer.make([record("r1", RU_MOBILE)])
    deadline = time.monotonic() + 3
    while not avtodialer.queued() and time.monotonic() < deadline:
        time.sleep(0.02)

    assert lost.value.details["maybe_done"] is True  # ambiguous: the worker marks it uncertain
    assert avtodialer.dial_counts()["uuid"] == {"r1": 1} and avtodialer.count("POST", "/.*/make") == 1


def test_avtodialer_make_timeout_fault_queues_nothing(avtodialer: AvtodialerFake) -> None:
    avtodialer.fail("timeout", method="POST", path="/.*/make", delay=0.4)
    dialer = dialer_for(avtodialer, policy=HttpPolicy(read_timeout=0.2, retries=2, backoff_factor=0))

    with pytest.raises(VendorUnavailable) as lost:
        dialer.make([record("r1", RU_MOBILE)])
    time.sleep(0.5)  # past the fault's hold: the connection is closed, the record never processed

    assert lost.value.details["maybe_done"] is True  # the client cannot tell it from a slow answer
    assert avtodialer.dial_counts() == {"phone": {}, "uuid": {}} and avtodialer.count("POST", "/.*/make") == 1
    (hit,) = avtodialer.journal
    assert (hit.fault, hit.status) == ("timeout", None)
