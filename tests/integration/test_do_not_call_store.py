"""The do-not-call list in the contacts table (moto): key reads only, the first listing kept, paging."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from hub.domain.do_not_call import DoNotCallList
from hub.models.do_not_call import DoNotCallEntry, ListedBy
from hub.store.do_not_call import DoNotCallStore
from tests.conftest import Seeded

NUMBERS = [f"+38050{n:07d}" for n in range(250)]


@pytest.fixture
def requests() -> list[tuple[str, dict[str, Any]]]:
    return []


@pytest.fixture
def store(seeded: Seeded, template: Any, requests: list[tuple[str, dict[str, Any]]]) -> DoNotCallStore:
    """The store on its own client, whose every DynamoDB request is recorded (operation, params)."""
    client = boto3.client("dynamodb")

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        requests.append((model.name, params))

    client.meta.events.register("provide-client-params.dynamodb", record)
    return DoNotCallStore(template.table_name("ContactsTable"), client=client)


def entry(phone: str, tenant: str = "acme", by: str = "api:k1", reason: str | None = None) -> DoNotCallEntry:
    return DoNotCallEntry(
        tenant=tenant, phone=phone, listed_at=1, listed_by=by, reason=reason, source=ListedBy.API
    )


def test_store_listed_among_250_numbers_is_three_batch_gets_of_at_most_100(
    store: DoNotCallStore, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    listed = set(NUMBERS[::7])
    assert store.add_many([entry(n) for n in sorted(listed)]) == listed
    requests.clear()
    assert store.listed_among("acme", NUMBERS) == listed
    sizes = [len(p["RequestItems"][store.table]["Keys"]) for op, p in requests if op == "BatchGetItem"]
    assert sizes == [100, 100, 50]
    assert {op for op, _ in requests} == {"BatchGetItem"}  # never a Scan or a Query


def test_store_get_is_one_get_item_and_other_tenants_do_not_see_it(
    store: DoNotCallStore, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    assert store.add(entry("+380501112233", reason="asked"))
    requests.clear()
    assert store.get("acme", "+380501112233") == entry("+380501112233", reason="asked")
    assert [op for op, _ in requests] == ["GetItem"]
    assert store.get("globex", "+380501112233") is None
    assert store.listed_among("globex", ["+380501112233"]) == set()
    assert store.page("globex", 10, None).items == []


def test_store_add_keeps_the_first_entry(store: DoNotCallStore) -> None:
    assert store.add(entry("+380501112233", by="api:first")) is True
    assert store.add(entry("+380501112233", by="api:second")) is False
    assert store.get("acme", "+380501112233").listed_by == "api:first"


def test_store_add_many_skips_numbers_listed_meanwhile_and_keeps_their_entries(store: DoNotCallStore) -> None:
    # given: three numbers listed by someone else since the caller checked (no listed_among first)
    early = [NUMBERS[3], NUMBERS[120], NUMBERS[249]]
    for number in early:
        store.add(entry(number, by="emp1"))
    # when
    added = store.add_many([entry(n, by="api:import") for n in NUMBERS])
    # then
    assert added == set(NUMBERS) - set(early)
    assert {store.get("acme", n).listed_by for n in early} == {"emp1"}
    assert store.listed_among("acme", NUMBERS) == set(NUMBERS)


def test_store_page_by_number_with_cursors_and_remove_is_idempotent(store: DoNotCallStore) -> None:
    store.add_many([entry(n) for n in reversed(NUMBERS)])
    store.add(entry("+79222220000", tenant="globex"))
    seen: list[str] = []
    start = None
    sizes = []
    while True:
        page = store.page("acme", 100, start)
        seen += [e.phone for e in page.items]
        sizes.append(len(page.items))
        if (start := page.next_start) is None:
            break
    assert seen == NUMBERS and sizes == [100, 100, 50]
    store.remove("acme", NUMBERS[0])
    store.remove("acme", NUMBERS[0])
    assert store.get("acme", NUMBERS[0]) is None


def test_store_import_through_the_use_case_counts_on_dynamodb(seeded: Seeded, store: DoNotCallStore) -> None:
    dnc = DoNotCallList(store)
    dnc.add(seeded.acme, NUMBERS[0], "api:k", ListedBy.API)
    outcome = dnc.import_numbers(seeded.acme, [*NUMBERS, "0500000001", "bad"], "api:k")
    assert (outcome.added, outcome.already_listed, outcome.duplicates, len(outcome.invalid)) == (249, 1, 1, 1)
    assert seeded.contact_store.phone_entries("acme", NUMBERS[1]) == []  # no contact index touched
