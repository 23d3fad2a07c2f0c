"""The do-not-call list (hub.domain.do_not_call) against its in-memory port: numbers read in the
tenant's country, listing and unlisting idempotent, imports counted row by row, reads by key."""

from __future__ import annotations

import pytest

from hub.domain.do_not_call import DoNotCallList, InvalidNumber
from hub.domain.tenants import TenantContext
from hub.errors import InvalidPhone, NotFound
from hub.models.do_not_call import ListedBy
from hub.models.tenant import Tenant
from tests.unit.memory import MemoryDoNotCall

UA = TenantContext(Tenant(slug="acme", name="Acme", default_country="UA", session_key="k" * 43))
RU = TenantContext(Tenant(slug="globex", name="Globex", default_country="RU", session_key="k" * 43))


@pytest.fixture
def repo() -> MemoryDoNotCall:
    return MemoryDoNotCall()


@pytest.fixture
def dnc(repo: MemoryDoNotCall) -> DoNotCallList:
    return DoNotCallList(repo)


def test_add_local_form_lists_the_e164_number(dnc: DoNotCallList) -> None:
    entry, added = dnc.add(UA, "(050) 111-22-33", "api:key1", ListedBy.API, reason="asked twice")
    assert added is True
    assert (entry.phone, entry.listed_by, entry.reason, entry.source) == (
        "+380501112233",
        "api:key1",
        "asked twice",
        ListedBy.API,
    )
    assert dnc.listed(UA, "+380501112233") and dnc.listed(UA, "380501112233")


def test_add_again_keeps_and_answers_the_first_entry(dnc: DoNotCallList) -> None:
    first, _ = dnc.add(UA, "0501112233", "api:key1", ListedBy.API, reason="first")
    again, added = dnc.add(UA, "+380501112233", "emp2", ListedBy.CARD, reason="second")
    assert added is False and again == first


def test_remove_twice_and_remove_unlisted_are_fine(dnc: DoNotCallList) -> None:
    dnc.add(UA, "0501112233", "api:key1", ListedBy.API)
    dnc.remove(UA, "050 111 22 33")
    dnc.remove(UA, "050 111 22 33")
    dnc.remove(UA, "0671234567")
    assert not dnc.listed(UA, "0501112233")
    with pytest.raises(NotFound):
        dnc.get(UA, "0501112233")


def test_add_unreadable_number_is_invalid_phone_and_lists_nothing(
    dnc: DoNotCallList, repo: MemoryDoNotCall
) -> None:
    with pytest.raises(InvalidPhone):
        dnc.add(UA, "12", "api:key1", ListedBy.API)
    assert repo.entries == {}


def test_listed_among_one_read_for_the_whole_chunk_and_per_tenant(
    dnc: DoNotCallList, repo: MemoryDoNotCall
) -> None:
    dnc.add(UA, "0501112233", "api:k", ListedBy.API)
    dnc.add(RU, "89222220000", "api:k", ListedBy.API)
    repo.reads.clear()
    numbers = [f"+38067{n:07d}" for n in range(999)] + ["+380501112233", "+79222220000"]
    assert dnc.listed_among(UA, numbers) == {"+380501112233"}
    assert repo.reads == [("batch", 1001)]  # one call of the port; the store batches it by 100
    assert dnc.listed_among(RU, numbers) == {"+79222220000"}
    assert dnc.listed_among(UA, []) == set()


def test_import_counts_added_listed_duplicates_and_invalid_rows(dnc: DoNotCallList) -> None:
    first, _ = dnc.add(UA, "0671234567", "api:k", ListedBy.API, reason="kept")
    outcome = dnc.import_numbers(
        UA,
        ["0501112233", "+380501112233", "", "abc", "067 123 45 67", 380442246595, None, "0442246595"],
        "api:k2",
        reason="imported",
    )
    assert (outcome.added, outcome.already_listed, outcome.duplicates) == (2, 1, 2)
    assert outcome.invalid == [
        InvalidNumber(2, "empty"),
        InvalidNumber(3, "not_a_phone_number"),
        InvalidNumber(6, "empty"),
    ]
    assert dnc.get(UA, "0671234567") == first
    imported = dnc.get(UA, "0442246595")
    assert (imported.source, imported.listed_by, imported.reason) == (ListedBy.IMPORT, "api:k2", "imported")


def test_import_repeated_adds_nothing_the_second_time(dnc: DoNotCallList) -> None:
    phones: list[str | int | None] = ["0501112233", "0501112234", "x"]
    assert dnc.import_numbers(UA, phones, "api:k").added == 2
    again = dnc.import_numbers(UA, phones, "api:k")
    assert (again.added, again.already_listed, len(again.invalid)) == (0, 2, 1)


def test_import_reads_numbers_in_the_tenants_country(dnc: DoNotCallList) -> None:
    dnc.import_numbers(RU, ["89222220000"], "api:k")
    assert dnc.listed(RU, "+79222220000") and not dnc.listed(UA, "+79222220000")


def test_page_lists_by_number_one_tenant(dnc: DoNotCallList) -> None:
    dnc.import_numbers(UA, ["0501112235", "0501112233", "0501112234"], "api:k")
    dnc.add(RU, "89222220000", "api:k", ListedBy.API)
    first = dnc.page(UA, 2, None)
    second = dnc.page(UA, 2, first.next_start)
    assert [e.phone for e in first.items + second.items] == [
        "+380501112233",
        "+380501112234",
        "+380501112235",
    ]
    assert second.next_start is None
