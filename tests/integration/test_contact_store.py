"""The contacts table and its phone index stay consistent through every kind of change."""

from __future__ import annotations

import threading

import pytest

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.errors import BadRequest, Conflict, InvalidPhone
from tests.conftest import Seeded


def person(name: str, *numbers: str, **fields: object) -> ContactInput:
    return ContactInput(name=name, phones=[PhoneInput(number=n) for n in numbers], **fields)


def holders(seeded: Seeded, tenant: str, e164: str) -> set[str]:
    return {entry.id for entry in seeded.contact_store.phone_entries(tenant, e164)}


def test_tables_created_from_template_match_its_key_schema(tables, template) -> None:
    for definition in template.table_definitions():
        described = tables.describe_table(TableName=definition["TableName"])["Table"]
        assert described["KeySchema"] == definition["KeySchema"]


def test_create_contact_indexes_every_number_in_e164_and_keeps_raw(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    contact = service.create(
        seeded.acme, person("Ivan", "(044) 224-65-95", "+380 50 582 66 33", "0442246595")
    )
    assert [(p.e164, p.raw) for p in contact.phones] == [
        ("+380442246595", "(044) 224-65-95"),
        ("+380505826633", "+380 50 582 66 33"),
    ]
    assert holders(seeded, "acme", "+380442246595") == {contact.id}
    assert holders(seeded, "acme", "+380505826633") == {contact.id}
    assert service.get(seeded.acme, contact.id) == contact


def test_update_contact_phones_moves_index_entries_in_the_same_write(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    contact = service.create(seeded.acme, person("Ivan", "0442246595", "0505826633"))
    updated = service.update(
        seeded.acme,
        contact.id,
        {"name": "Ivan P.", "phones": [{"number": "0505826633"}, {"number": "0671234567"}]},
    )
    assert updated.version == contact.version + 1
    assert holders(seeded, "acme", "+380442246595") == set()
    assert holders(seeded, "acme", "+380505826633") == {contact.id}
    assert holders(seeded, "acme", "+380671234567") == {contact.id}
    (entry,) = seeded.contact_store.phone_entries("acme", "+380505826633")
    assert entry.name == "Ivan P."


def test_update_contact_with_stale_version_is_a_conflict_and_changes_nothing(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    contact = service.create(seeded.acme, person("Ivan", "0442246595"))
    service.update(seeded.acme, contact.id, {"name": "First writer"})
    with pytest.raises(Conflict):
        service.update(seeded.acme, contact.id, {"name": "Second writer"}, expected_version=contact.version)
    with pytest.raises(Conflict):
        seeded.contact_store.update(contact, contact.model_copy(update={"name": "Racing", "version": 2}))
    assert service.get(seeded.acme, contact.id).name == "First writer"


def test_delete_contact_removes_it_from_the_phone_index(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    keep = service.create(seeded.acme, person("Keep", "0442246595"))
    gone = service.create(seeded.acme, person("Gone", "0442246595", external_codes={"obzvonilka": "77"}))
    service.delete(seeded.acme, gone.id)
    assert holders(seeded, "acme", "+380442246595") == {keep.id}
    assert service.find_by_external_code(seeded.acme, "obzvonilka", "77") is None


def test_external_code_taken_by_another_contact_is_a_conflict_and_nothing_is_stored(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    first = service.create(seeded.acme, person("First", "0442246595", external_codes={"obzvonilka": "77"}))
    with pytest.raises(Conflict):
        service.create(seeded.acme, person("Second", "0505826633", external_codes={"obzvonilka": "77"}))
    assert holders(seeded, "acme", "+380505826633") == set()
    assert service.find_by_external_code(seeded.acme, "obzvonilka", "77") == first


def test_invalid_phone_or_too_many_phones_rejected_before_any_write(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    with pytest.raises(InvalidPhone):
        service.create(seeded.acme, person("Bad", "0442246595", "not a number"))
    assert holders(seeded, "acme", "+380442246595") == set()
    with pytest.raises(BadRequest):
        service.create(seeded.acme, person("Many", *[f"050{i:07d}" for i in range(11)]))


def test_same_number_in_two_tenants_is_two_separate_index_items(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    ua = service.create(seeded.acme, person("UA", "+79222220000"))
    ru = service.create(seeded.globex, person("RU", "89222220000"))
    assert holders(seeded, "acme", "+79222220000") == {ua.id}
    assert holders(seeded, "globex", "+79222220000") == {ru.id}


def test_concurrent_creates_on_one_number_lose_no_index_entry(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    created: list[str] = []
    errors: list[Exception] = []

    def create(i: int) -> None:
        try:
            created.append(service.create(seeded.acme, person(f"C{i}", "0442246595")).id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert holders(seeded, "acme", "+380442246595") == set(created)
    assert len(created) == 8


def test_responsible_employee_of_another_tenant_rejected(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    with pytest.raises(BadRequest):
        service.create(seeded.globex, person("X", "89222220000", responsible_employee_id=seeded.manager.id))


# -- search by name ----------------------------------------------------------------------------


def names_found(seeded: Seeded, name: str, tenant: str = "acme", **filters: object) -> list[str]:
    return [
        c.display_name
        for c in seeded.contact_store.list_contacts(tenant, limit=50, name=name, **filters).items
    ]


def test_name_search_any_word_any_case_yo_and_apostrophes_finds_the_contact(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    service.create(seeded.acme, person("Анастасия Берёзкина", "0442246595"))
    service.create(seeded.acme, person("Мар'яна Прокоп’єва", "0505826633", company="ТОВ Ромашка"))
    service.create(seeded.acme, person("Пётр Иванов", "0671234567"))
    service.create(seeded.globex, person("Анастасия Березкина", "89222220000"))  # another tenant's
    for query in ("Березкина", "березкина", "БЕРЁЗ", "анастасия бер", "бер анаст"):
        assert names_found(seeded, query) == ["Анастасия Берёзкина"], query
    for query in ("Марʼяна", "МА", "Маряна", "прокопє", "ромашка", "тов мар"):
        assert names_found(seeded, query) == ["Мар'яна Прокоп’єва"], query
    assert names_found(seeded, "петр") == ["Пётр Иванов"]
    assert names_found(seeded, "березкина иванов") == []
    assert names_found(seeded, "'!") == []


def test_name_search_lists_a_contact_once_and_pages_by_cursor(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    created = [service.create(seeded.acme, person(f"Анна Аннова {i}", f"067000000{i}")) for i in range(5)]
    service.create(seeded.acme, person("Антон Петров", "0671111111", type="lead"))
    seen, start = [], None
    while True:
        page = seeded.contact_store.list_contacts("acme", limit=2, start=start, name="ан")
        seen += [c.id for c in page.items]
        if (start := page.next_start) is None:
            break
    assert sorted(seen) == sorted([c.id for c in created] + [names_id(seeded, "Антон Петров")])
    assert len(seen) == len(set(seen))
    assert names_found(seeded, "ан", contact_type="lead") == ["Антон Петров"]


def names_id(seeded: Seeded, name: str) -> str:
    (contact,) = seeded.contact_store.list_contacts("acme", limit=5, name=name).items
    return contact.id


def test_name_index_follows_renames_and_deletes_and_caps_the_words(seeded: Seeded) -> None:
    service = ContactService(seeded.contact_store)
    contact = service.create(seeded.acme, person("Олег Сидоренко", "0442246595"))
    service.update(seeded.acme, contact.id, {"name": "Олег Коваленко"})
    assert names_found(seeded, "сидоренко") == [] and names_found(seeded, "коваленко") == ["Олег Коваленко"]
    service.delete(seeded.acme, contact.id)
    assert names_found(seeded, "олег") == []
    many = service.create(seeded.acme, person(" ".join(f"слово{i}" for i in range(20)), "0505826633"))
    items = seeded.contact_store.client.query(
        TableName=seeded.contact_store.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "acme#W#с"}},
    )["Items"]
    assert len(items) == 8 and {i["contact_id"]["S"] for i in items} == {many.id}


def test_name_search_finds_contacts_written_before_the_name_index(seeded: Seeded) -> None:
    # given a contact stored the old way: no name_words, no word items
    service = ContactService(seeded.contact_store)
    contact = service.create(seeded.acme, person("Анастасия Березкина", "0442246595"))
    store = seeded.contact_store
    for word in ("анастасия", "березкина"):
        key = {"pk": {"S": f"acme#W#{word[0]}"}, "sk": {"S": f"{word}#{contact.id}"}}
        store.client.delete_item(TableName=store.table, Key=key)
    store.client.update_item(
        TableName=store.table,
        Key={"pk": {"S": f"acme#C#{contact.id}"}, "sk": {"S": "CONTACT"}},
        UpdateExpression="REMOVE name_words",
    )
    # then its name's start still finds it, as before; its next write indexes every word
    assert names_found(seeded, "Анаст") == ["Анастасия Березкина"]
    assert names_found(seeded, "березкина") == []
    service.update(seeded.acme, contact.id, {"description": "re-indexed"})
    assert names_found(seeded, "березкина") == ["Анастасия Березкина"]
    assert names_found(seeded, "Анаст") == ["Анастасия Березкина"]  # once
