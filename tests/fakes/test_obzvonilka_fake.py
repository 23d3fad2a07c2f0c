"""ObzvonilkaFake over real loopback HTTP: key placement, bases, contact upsert by external code, users."""

from __future__ import annotations

import pytest
import requests

from hubtools.fakes import ObzvonilkaFake


def api(fake: ObzvonilkaFake, path: str) -> str:
    return f"{fake.url}/api/{path}"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"api_key": "demo-obzvonilka-key"}, {}),
        ({}, {"X-Api-Key": "demo-obzvonilka-key"}),
        ({}, {"Api-Key": "demo-obzvonilka-key"}),
    ],
)
def test_obzvonilka_key_as_param_or_header_accepted(obzvonilka: ObzvonilkaFake, params, headers) -> None:
    r = requests.get(api(obzvonilka, "contact_bases.json"), params=params, headers=headers, timeout=2)

    assert r.status_code == 200 and [b["id"] for b in r.json()] == [1, 2]


@pytest.mark.parametrize("params", [{}, {"api_key": "wrong"}])
def test_obzvonilka_missing_or_wrong_key_401(obzvonilka: ObzvonilkaFake, params) -> None:
    r = requests.get(api(obzvonilka, "users.json"), params=params, timeout=2)

    assert r.status_code == 401 and "error" in r.json()


def test_obzvonilka_key_as_form_field_on_post(obzvonilka: ObzvonilkaFake) -> None:
    form = {"api_key": obzvonilka.api_key, "contact[name]": "abc", "contact[phone1]": "987654321"}

    r = requests.post(api(obzvonilka, "contact_bases/1/contacts.json"), data=form, timeout=2)

    assert r.status_code == 201 and r.json()["name"] == "abc"


def test_obzvonilka_moved_to_answers_301_to_new_host_unprocessed() -> None:
    with ObzvonilkaFake(moved_to="https://new.example/") as fake:
        form = {"contact[name]": "abc"}
        url = api(fake, "contact_bases/1/contacts.json")

        r = requests.post(url, params={"api_key": fake.api_key}, data=form, timeout=2, allow_redirects=False)

        assert r.status_code == 301
        assert (
            r.headers["Location"]
            == f"https://new.example/api/contact_bases/1/contacts.json?api_key={fake.api_key}"
        )
        assert fake.contacts(1) == []


def test_obzvonilka_base_one_and_unknown_404(obzvonilka: ObzvonilkaFake) -> None:
    key = {"api_key": obzvonilka.api_key}
    one = requests.get(api(obzvonilka, "contact_bases/1.json"), params=key, timeout=2).json()

    assert one["name"] == "Должники" and {"remark", "deleted", "select_from_last"} <= set(one)
    assert requests.get(api(obzvonilka, "contact_bases/9.json"), params=key, timeout=2).status_code == 404


def test_obzvonilka_find_by_external_404_then_found_after_post_then_patch(obzvonilka: ObzvonilkaFake) -> None:
    key = {"api_key": obzvonilka.api_key}
    find = api(obzvonilka, "contact_bases/1/contacts/find_by_external/crm-42.json")

    before = requests.get(find, params=key, timeout=2)
    created = requests.post(
        api(obzvonilka, "contact_bases/1/contacts.json"),
        params=key,
        files={
            "contact[name]": (None, "Лапшина Ирина"),
            "contact[phone1]": (None, "79001112233"),
            "contact[external_code]": (None, "crm-42"),
        },  # multipart, like curl -F
        timeout=2,
    ).json()
    found = requests.get(find, params=key, timeout=2)
    patched = requests.patch(
        api(obzvonilka, f"contact_bases/1/contacts/{created['id']}.json"),
        params=key,
        data={"contact[phone1]": "79009998877"},
        timeout=2,
    )
    listed = requests.get(api(obzvonilka, "contact_bases/1/contacts.json"), params=key, timeout=2).json()

    assert before.status_code == 404
    assert (
        found.status_code == 200 and found.json()["id"] == created["id"] and found.json()["phone10"] is None
    )
    assert patched.json()["phone1"] == "79009998877" and patched.json()["name"] == "Лапшина Ирина"
    assert [c["external_code"] for c in listed] == ["crm-42"]
    assert obzvonilka.count("POST", r"/api/contact_bases/\d+/contacts.json") == 1


def test_obzvonilka_post_twice_duplicates_contact(obzvonilka: ObzvonilkaFake) -> None:
    form = {"contact[name]": "X", "contact[external_code]": "dup"}
    for _ in range(2):
        requests.post(
            api(obzvonilka, "contact_bases/2/contacts.json"),
            params={"api_key": obzvonilka.api_key},
            data=form,
            timeout=2,
        )

    assert len(obzvonilka.find_by_external(2, "dup")) == 2


def test_obzvonilka_unknown_contact_attribute_422(obzvonilka: ObzvonilkaFake) -> None:
    r = requests.post(
        api(obzvonilka, "contact_bases/1/contacts.json"),
        params={"api_key": obzvonilka.api_key},
        data={"contact[phone]": "1"},
        timeout=2,
    )

    assert r.status_code == 422 and "phone" in r.json()["errors"]


def test_obzvonilka_users_list_and_one(obzvonilka: ObzvonilkaFake) -> None:
    key = {"api_key": obzvonilka.api_key}
    users = requests.get(api(obzvonilka, "users.json"), params=key, timeout=2).json()
    one = requests.get(api(obzvonilka, "users/2.json"), params=key, timeout=2)

    assert {"id", "account_enabled", "email", "name", "admin"} == set(users[0])
    assert one.json()["email"] == "operator@example.com"
    assert requests.get(api(obzvonilka, "users/99.json"), params=key, timeout=2).status_code == 404


def test_obzvonilka_seed_over_http_control_then_reset_restores(obzvonilka: ObzvonilkaFake) -> None:
    seed = {
        "bases": [{"id": 7, "name": "Seeded"}],
        "contacts": [{"base_id": 7, "name": "S", "external_code": "s1"}],
    }

    r = requests.post(f"{obzvonilka.url}/_fake/seed", json=seed, timeout=2)
    found = requests.get(
        api(obzvonilka, "contact_bases/7/contacts/find_by_external/s1.json"),
        headers={"X-Api-Key": obzvonilka.api_key},
        timeout=2,
    )
    obzvonilka.reset()

    assert r.status_code == 201 and found.json()["name"] == "S"
    assert 7 not in obzvonilka.bases and obzvonilka.journal == []


def test_obzvonilka_push_counts_two_after_two_plain_posts_of_one_code(obzvonilka: ObzvonilkaFake) -> None:
    form = {"api_key": obzvonilka.api_key, "contact[name]": "Пётр", "contact[external_code]": "hub-1"}
    for _ in range(2):
        assert requests.post(api(obzvonilka, "contact_bases/1/contacts.json"), data=form, timeout=2).ok
    obzvonilka.add_contact(2, name="Seeded", external_code="hub-1")  # another base, not created via API

    counts = requests.get(f"{obzvonilka.url}/_fake/push_counts", timeout=2).json()

    assert counts == {"push_counts": {"1": {"hub-1": 2}, "2": {"hub-1": 1}}, "contacts_created": 2}
    assert obzvonilka.pushed_twice() == {"1": ["hub-1"]}
    found = requests.get(
        api(obzvonilka, "contact_bases/1/contacts/find_by_external/hub-1.json"),
        params={"api_key": obzvonilka.api_key},
        timeout=2,
    )
    assert found.json()["id"] == min(c["id"] for c in obzvonilka.find_by_external(1, "hub-1"))
