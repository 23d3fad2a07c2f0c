"""ObzvonilkaClient against ObzvonilkaFake over real loopback HTTP: bases, contacts written as
`contact[...]` form fields and upserted by external code, users, a moved host (spec/obzvonilka.md)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import VendorRejected, VendorUnavailable
from hub.vendors.http import HttpPolicy
from hub.vendors.obzvonilka.client import ContactForm, ObzvonilkaClient
from hubtools.fakes import ObzvonilkaFake

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
CONTACTS = "/api/contact_bases/1/contacts.json"


def client_for(fake: ObzvonilkaFake, **kwargs: Any) -> ObzvonilkaClient:
    kwargs.setdefault("policy", FAST)
    return ObzvonilkaClient(kwargs.pop("api_key", fake.api_key), base_url=fake.url, **kwargs)


def test_obzvonilka_client_bases_list_one_and_unknown(obzvonilka: ObzvonilkaFake) -> None:
    client = client_for(obzvonilka)

    bases = client.bases().rows
    one = client.base(1)

    assert [(b.id, b.name, b.deleted) for b in bases] == [
        ("1", "Должники", False),
        ("2", "Новые клиенты", False),
    ]
    assert one is not None and one.remark == "демо"
    assert client.base(9) is None
    assert all(h.query == {"api_key": obzvonilka.api_key} for h in obzvonilka.journal)


def test_obzvonilka_client_key_in_a_header_when_named(obzvonilka: ObzvonilkaFake) -> None:
    client_for(obzvonilka, key_header="X-Api-Key").users()

    (hit,) = obzvonilka.journal
    assert hit.query == {} and hit.headers["X-Api-Key"] == obzvonilka.api_key


def test_obzvonilka_client_wrong_key_refused(obzvonilka: ObzvonilkaFake) -> None:
    with pytest.raises(VendorRejected) as refused:
        client_for(obzvonilka, api_key="nope").bases()

    assert refused.value.code == "vendor_auth_refused" and "nope" not in refused.value.message


def test_obzvonilka_client_upsert_posts_then_patches_one_contact(obzvonilka: ObzvonilkaFake) -> None:
    client = client_for(obzvonilka)
    first = ContactForm(
        name="Лапшина Ирина", external_code="hub-1", phones=[("+79001110000", "моб"), ("84951112233", None)]
    )
    second = ContactForm(
        name="Лапшина Ирина Дмитриевна", external_code="hub-1", phones=[("+79001110000", "моб")]
    )

    created = client.upsert_contact(1, first)
    updated = client.upsert_contact(1, second)

    assert created.id == updated.id and len(obzvonilka.find_by_external(1, "hub-1")) == 1
    assert [(p.slot, p.number, p.remark) for p in created.phones] == [
        (1, "+79001110000", "моб"),
        (2, "84951112233", None),
    ]
    assert [(p.slot, p.number) for p in updated.phones] == [(1, "+79001110000")]  # phone2 cleared
    assert [h.method for h in obzvonilka.journal if h.method != "GET"] == ["POST", "PATCH"]
    assert obzvonilka.hits("POST", CONTACTS)[0].body == {
        "contact[name]": "Лапшина Ирина",
        "contact[external_code]": "hub-1",
        "contact[phone1]": "+79001110000",
        "contact[phone_remark1]": "моб",
        "contact[phone2]": "84951112233",
    }
    patch = obzvonilka.hits("PATCH")[0]
    assert patch.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert patch.body["contact[phone2]"] == "" and patch.body["contact[phone10]"] == ""


def test_obzvonilka_client_contacts_one_and_find_by_external(obzvonilka: ObzvonilkaFake) -> None:
    obzvonilka.add_contact(
        1, id=22, name="Иван", external_code="hub 7 код", phone1="111", phone3="333", phone_remark3="раб"
    )
    client = client_for(obzvonilka)

    listed = client.contacts(1).rows
    one = client.contact(1, 22)
    found = client.find_by_external(1, "hub 7 код")

    assert [c.id for c in listed] == ["22"] and one == found == listed[0]
    assert [(p.slot, p.number, p.remark) for p in listed[0].phones] == [(1, "111", None), (3, "333", "раб")]
    assert client.find_by_external(1, "missing") is None and client.contact(1, 99) is None
    assert obzvonilka.hits("GET", "/api/contact_bases/1/contacts/find_by_external/hub 7 код.json")


def test_obzvonilka_client_unknown_attribute_422_rejected_with_body(obzvonilka: ObzvonilkaFake) -> None:
    obzvonilka.fail("status", method="POST", status=422, body='{"errors": {"phone1": ["is invalid"]}}')

    with pytest.raises(VendorRejected, match="is invalid") as refused:
        client_for(obzvonilka).create_contact(1, ContactForm(name="x", phones=[("bad", None)]))

    assert refused.value.details["status"] == 422


def test_obzvonilka_client_users_list_and_one(obzvonilka: ObzvonilkaFake) -> None:
    client = client_for(obzvonilka)

    users = client.users().rows
    one = client.user(2)

    assert [(u.id, u.email, u.admin, u.account_enabled) for u in users][0] == (
        "1",
        "admin@example.com",
        True,
        True,
    )
    assert one is not None and one.name == "Оператор Мария" and client.user(7) is None


def test_obzvonilka_client_get_5xx_retried_post_5xx_not(obzvonilka: ObzvonilkaFake) -> None:
    obzvonilka.fail("status", method="GET", path="/api/users.json", status=500)
    obzvonilka.fail("status", method="POST", status=502, body="bad gateway")
    client = client_for(obzvonilka)

    assert len(client.users().rows) == 2
    with pytest.raises(VendorUnavailable) as busy:
        client.create_contact(1, ContactForm(name="x"))

    assert busy.value.details["maybe_done"] is True
    assert obzvonilka.count("GET", "/api/users.json") == 2 and obzvonilka.count("POST") == 1


@pytest.mark.parametrize("status", [301, 302, 308])
def test_obzvonilka_client_moved_host_redirect_never_turns_post_into_get(status: int) -> None:
    with ObzvonilkaFake(moved_to="http://127.0.0.1:9", redirect_status=status) as fake:
        client = client_for(fake)

        with pytest.raises(VendorRejected) as moved:
            client.create_contact(1, ContactForm(name="x", external_code="hub-1"))
        with pytest.raises(VendorRejected):
            client.bases()

        assert [h.method for h in fake.journal] == ["POST", "GET"]
    assert moved.value.code == "vendor_redirected" and moved.value.details["location"] == "http://127.0.0.1"
    assert "base URL" in moved.value.message and fake.api_key not in moved.value.message


def test_obzvonilka_client_upsert_twice_push_counts_one(obzvonilka: ObzvonilkaFake) -> None:
    client = client_for(obzvonilka)
    form = ContactForm(name="Пётр", external_code="hub-1", phones=[("+79220000001", None)])

    client.upsert_contact(1, form)
    client.upsert_contact(1, form)

    assert obzvonilka.push_counts() == {"1": {"hub-1": 1}, "2": {}}
    assert obzvonilka.pushed_twice() == {} and obzvonilka.contacts_created == 1
