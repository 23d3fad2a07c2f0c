"""PhonetFake's contact book over real loopback HTTP (seed "CRM teler. Контакты", spec/phonet.md §B2)."""

from __future__ import annotations

import time

import pytest
import requests

from hubtools.fakes import PhonetFake

V2 = "/rest/crm/contacts/v2"
CONTACT_KEYS = {
    "id",
    "firstName",
    "lastName",
    "companyTitle",
    "lastModified",
    "responsibleUserId",
    "dateCreate",
    "createUserId",
    "fields",
}
NOTE_KEYS = {
    "id",
    "elementId",
    "elementType",
    "noteType",
    "dateCreate",
    "lastModified",
    "content",
    "responsibleUserId",
    "otherLegNum",
    "otherLegName",
    "status",
    "errorMsg",
    "uuid",
    "end",
    "legId",
    "logicDirection",
    "billSec",
    "recordLink",
    "trunk",
    "tag",
}


def login(fake: PhonetFake) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{fake.url}/rest/security/authorize", json={"domain": fake.domain, "apiKey": fake.api_key})
    assert r.status_code == 200
    return s


@pytest.fixture
def book(phonet: PhonetFake) -> tuple[PhonetFake, requests.Session]:
    return phonet, login(phonet)


def values(contact: dict, code: str) -> list:
    return [v["value"] for f in contact["fields"] if f["enumCode"] == code for v in f["values"]]


def plain_text_error(r: requests.Response, status: int) -> bool:
    return r.status_code == status and r.headers["Content-Type"].startswith("text/plain") and bool(r.text)


# ---- get / auth -------------------------------------------------------------------------------------
def test_phonet_contact_get_seed_shape(book) -> None:
    fake, s = book
    made = fake.add_contact(first_name="Александр", phones=["+380440000000"], company="Online company")

    r = s.get(f"{fake.url}{V2}/{made['id']}", timeout=2)

    contact = r.json()
    assert r.status_code == 200 and set(contact) == CONTACT_KEYS
    assert contact["createUserId"] == 36 and contact["lastModified"] > 10**12
    field = contact["fields"][0]
    assert set(field) == {"id", "enumCode", "values"}
    assert set(field["values"][0]) == {"id", "enumValueCode", "lastModified", "value"}
    assert values(contact, "Телефон") == ["+380440000000"] and values(contact, "Имя") == ["Александр"]


@pytest.mark.parametrize(("cid", "status"), [("999999", 404), ("abc", 400), ("1.5", 400), ("9" * 20, 400)])
def test_phonet_contact_get_unknown_404_not_a_long_400(book, cid: str, status: int) -> None:
    fake, s = book

    assert plain_text_error(s.get(f"{fake.url}{V2}/{cid}", timeout=2), status)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{V2}/"),
        ("GET", f"{V2}/7068"),
        ("GET", f"{V2}/searchByOLNum?otherLegNum=1"),
        ("POST", f"{V2}/"),
        ("DELETE", f"{V2}/7068"),
        ("POST", f"{V2}/batch"),
        ("GET", f"{V2}/7068/notes"),
        ("PUT", f"{V2}/7068/notes"),
        ("DELETE", f"{V2}/7068/notes/1"),
    ],
)
def test_phonet_contacts_without_session_403(phonet: PhonetFake, method: str, path: str) -> None:
    phonet.add_contact(first_name="A")

    r = requests.request(method, f"{phonet.url}{path}", json={}, timeout=2)

    assert plain_text_error(r, 403) and phonet.book.contacts  # nothing changed


# ---- list -------------------------------------------------------------------------------------------
def test_phonet_contacts_list_default_limit_30_max_60_offset(book) -> None:
    fake, s = book
    ids = [fake.add_contact(first_name=f"C{i}")["id"] for i in range(70)]

    default = s.get(f"{fake.url}{V2}/", timeout=2).json()
    sixty = s.get(f"{fake.url}{V2}/", params={"limit": 60}, timeout=2).json()
    rest = s.get(f"{fake.url}{V2}/", params={"limit": 60, "offset": 60}, timeout=2).json()
    none = s.get(f"{fake.url}{V2}/", params={"limit": 0}, timeout=2).json()
    no_slash = s.get(f"{fake.url}{V2}", params={"limit": " 5 "}, timeout=2).json()

    assert [c["id"] for c in default] == ids[:30]
    assert [c["id"] for c in sixty + rest] == ids and none == [] and len(no_slash) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 61},
        {"limit": -1},
        {"offset": -1},
        {"limit": "x"},
        {"limit": "1_0"},
        {"filterBy": 2},
        {"filterBy": 1, "from": "y"},
    ],
)
def test_phonet_contacts_list_bad_params_400(book, params: dict) -> None:
    fake, s = book

    assert plain_text_error(s.get(f"{fake.url}{V2}/", params=params, timeout=2), 400)


def test_phonet_contacts_list_search_text_any_case_field_narrows(book) -> None:
    fake, s = book
    ivan = fake.add_contact(first_name="Иван", company="Ромашка")["id"]
    fake.add_contact(first_name="Ромашка", company="Лютик")

    anywhere = s.get(f"{fake.url}{V2}/", params={"searchText": "РОМАШ"}, timeout=2).json()
    in_company = s.get(f"{fake.url}{V2}/", params={"searchText": "ромаш", "field": "Компания"}).json()

    assert len(anywhere) == 2 and [c["id"] for c in in_company] == [ivan]


def test_phonet_contacts_list_filter_by_created_or_modified_window(book) -> None:
    fake, s = book
    old = fake.add_contact(first_name="Old")
    time.sleep(0.01)
    cut = int(time.time() * 1000)
    new = fake.add_contact(first_name="New")
    time.sleep(0.01)
    s.post(f"{fake.url}{V2}/", json={**old, "firstName": "Old, edited"}, timeout=2)

    created = s.get(f"{fake.url}{V2}/", params={"filterBy": 0, "from": cut}, timeout=2).json()
    modified = s.get(f"{fake.url}{V2}/", params={"filterBy": 1, "from": cut}, timeout=2).json()
    before = s.get(f"{fake.url}{V2}/", params={"filterBy": 0, "from": 0, "to": cut - 1}, timeout=2).json()

    assert [c["id"] for c in created] == [new["id"]]
    assert [c["id"] for c in modified] == [old["id"], new["id"]]
    assert [c["id"] for c in before] == [old["id"]]


def test_phonet_contacts_list_search_note_text(book) -> None:
    fake, s = book
    a, b = fake.add_contact(first_name="A")["id"], fake.add_contact(first_name="B")["id"]
    s.post(f"{fake.url}{V2}/{b}/notes", json={"content": "Перезвонить в пятницу"}, timeout=2)

    found = s.get(f"{fake.url}{V2}/", params={"searchNoteText": "пятниц"}, timeout=2).json()

    assert [c["id"] for c in found] == [b] and a != b


# ---- searchByOLNum ----------------------------------------------------------------------------------
def test_phonet_contacts_search_by_number_digits_match(book) -> None:
    fake, s = book
    hit = fake.add_contact(first_name="A", phones=["+380 44 000-00-00"])["id"]
    fake.add_contact(first_name="B", phones=["+380441111111"])

    plus = s.get(f"{fake.url}{V2}/searchByOLNum", params={"otherLegNum": "+380440000000"}, timeout=2)
    # an unencoded "+" arrives as a space: the digits still match
    raw = s.get(f"{fake.url}{V2}/searchByOLNum?otherLegNum=+380440000000", timeout=2)
    miss = s.get(f"{fake.url}{V2}/searchByOLNum", params={"otherLegNum": "0440000001"}, timeout=2)

    assert [c["id"] for c in plus.json()] == [hit] and [c["id"] for c in raw.json()] == [hit]
    assert miss.status_code == 200 and miss.json() == []


@pytest.mark.parametrize("params", [{}, {"otherLegNum": ""}, {"otherLegNum": "1", "limit": 61}])
def test_phonet_contacts_search_by_number_missing_or_bad_400(book, params: dict) -> None:
    fake, s = book

    assert plain_text_error(s.get(f"{fake.url}{V2}/searchByOLNum", params=params, timeout=2), 400)


# ---- update / delete --------------------------------------------------------------------------------
def test_phonet_contact_update_answers_1_and_replaces_fields(book) -> None:
    fake, s = book
    made = fake.add_contact(first_name="Петр", phones=["+380440000000"])
    name_field = next(f for f in made["fields"] if f["enumCode"] == "Имя")
    body = {
        "id": str(made["id"]),  # a Long as a string is bound like a number
        "lastName": "Петров",
        "fields": [{**name_field, "values": [{**name_field["values"][0], "value": "Пётр"}]}],
    }

    r = s.post(f"{fake.url}{V2}/", json=body, timeout=2)
    after = s.get(f"{fake.url}{V2}/{made['id']}", timeout=2).json()

    assert r.status_code == 200 and r.text == "1" and r.json() == 1
    assert (after["firstName"], after["lastName"]) == ("Петр", "Петров")
    assert values(after, "Имя") == ["Пётр"] and values(after, "Телефон") == []  # replaced, not merged
    assert after["fields"][0]["id"] == name_field["id"] and after["lastModified"] >= made["lastModified"]
    assert (after["dateCreate"], after["createUserId"]) == (made["dateCreate"], made["createUserId"])


def test_phonet_contact_update_ids_not_its_own_get_fresh_ones(book) -> None:
    fake, s = book
    other = fake.add_contact(first_name="Other", phones=["+380500000000"])
    made = fake.add_contact(first_name="A")
    foreign = other["fields"][1]  # another contact's phone field, ids and all
    body = {
        "id": made["id"],
        "fields": [*made["fields"], {**foreign, "values": [{"id": 1, "value": "+3805"}]}],
    }

    s.post(f"{fake.url}{V2}/", json=body, timeout=2)

    after = fake.book.get(made["id"])
    ids = [f["id"] for c in fake.book.contacts.values() for f in c["fields"]]
    ids += [v["id"] for c in fake.book.contacts.values() for f in c["fields"] for v in f["values"]]
    assert after["fields"][0] == {**made["fields"][0], "values": after["fields"][0]["values"]}
    assert after["fields"][1]["id"] != foreign["id"] and after["fields"][1]["values"][0]["id"] != 1
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"firstName": "x"}, 400),
        ({"id": None}, 400),
        ({"id": True}, 400),
        ({"id": "7068a"}, 400),
        ({"id": 7068, "fields": "no"}, 400),
        ({"id": 7068, "fields": [{"enumCode": "Имя", "values": [{"value": {"x": 1}}]}]}, 400),
        ({"id": 999999}, 404),
        ([1], 400),
    ],
)
def test_phonet_contact_update_without_id_or_malformed_400_unknown_404(book, body, status: int) -> None:
    fake, s = book
    fake.add_contact(first_name="A")

    r = s.post(f"{fake.url}{V2}/", json=body, timeout=2)

    assert plain_text_error(r, status) and fake.book.get(7068)["firstName"] == "A"


def test_phonet_contact_update_not_json_415(book) -> None:
    fake, s = book

    r = s.post(f"{fake.url}{V2}/", data="id=7068", timeout=2)

    assert plain_text_error(r, 415)


def test_phonet_contact_update_number_values_kept_as_text(book) -> None:
    fake, s = book
    cid = fake.add_contact(first_name="A")["id"]
    body = {"id": cid, "fields": [{"enumCode": "Телефон", "values": [{"value": 380440000000}]}]}

    s.post(f"{fake.url}{V2}/", json=body, timeout=2)

    assert values(fake.book.get(cid), "Телефон") == ["380440000000"]


def test_phonet_contact_delete_answers_1_then_404(book) -> None:
    fake, s = book
    cid = fake.add_contact(first_name="A")["id"]

    first = s.delete(f"{fake.url}{V2}/{cid}", timeout=2)
    again = s.delete(f"{fake.url}{V2}/{cid}", timeout=2)

    assert first.status_code == 200 and first.json() == 1
    assert plain_text_error(again, 404) and plain_text_error(s.get(f"{fake.url}{V2}/{cid}"), 404)


# ---- batch ------------------------------------------------------------------------------------------
def test_phonet_contacts_batch_merge_1_joins_by_phone_201(book) -> None:
    fake, s = book
    cid = fake.add_contact(first_name="Иван", phones=["+380440000000"])["id"]
    body = {
        "merge": 1,
        "contacts": [
            {"fields": [{"enumCode": "Телефон", "values": [{"value": "380440000000"}, {"value": "+3805"}]}]},
            {"firstName": "Новый", "fields": []},
            "not a contact",
        ],
    }

    r = s.post(f"{fake.url}{V2}/batch", json=body, timeout=2)

    assert r.status_code == 201 and r.json() == {"succeeded": 2, "failed": 1}
    assert values(fake.book.get(cid), "Телефон") == ["+380440000000", "+3805"]
    assert sorted(c["firstName"] for c in fake.book.contacts.values()) == ["Иван", "Новый"]


def test_phonet_contacts_batch_merge_1_value_with_its_id_replaced_not_added(book) -> None:
    fake, s = book
    made = fake.add_contact(first_name="Иван", phones=["+380440000000", "+380440000001"])
    phones = next(f for f in made["fields"] if f["enumCode"] == "Телефон")
    edited = {**phones["values"][0], "value": "+380449999999"}  # the first phone, renumbered
    body = {"merge": 1, "contacts": [{"id": made["id"], "fields": [{**phones, "values": [edited]}]}]}

    r = s.post(f"{fake.url}{V2}/batch", json=body, timeout=2)

    after = fake.book.get(made["id"])
    assert r.status_code == 201 and r.json() == {"succeeded": 1, "failed": 0}
    assert values(after, "Телефон") == ["+380449999999", "+380440000001"]
    kept = next(f for f in after["fields"] if f["enumCode"] == "Телефон")["values"]
    assert [v["id"] for v in kept] == [v["id"] for v in phones["values"]]


def test_phonet_contacts_batch_merge_0_resent_batch_duplicates(book) -> None:
    fake, s = book
    body = {"merge": "0", "contacts": [{"firstName": "A", "fields": [{"enumCode": "Телефон", "values": []}]}]}

    first = s.post(f"{fake.url}{V2}/batch", json=body, timeout=2)
    second = s.post(f"{fake.url}{V2}/batch", json=body, timeout=2)

    assert first.json() == second.json() == {"succeeded": 1, "failed": 0}
    assert len(fake.book.contacts) == 2


def test_phonet_contacts_batch_merge_0_with_known_id_replaces(book) -> None:
    fake, s = book
    cid = fake.add_contact(first_name="A", phones=["+380440000000"])["id"]
    body = {"merge": 0, "contacts": [{"id": cid, "firstName": "B", "fields": []}]}

    s.post(f"{fake.url}{V2}/batch", json=body, timeout=2)

    assert len(fake.book.contacts) == 1 and fake.book.get(cid)["firstName"] == "B"
    assert fake.book.get(cid)["fields"] == []


@pytest.mark.parametrize("body", [{"merge": 1}, {"merge": 2, "contacts": []}, {"contacts": {}}, [], "batch"])
def test_phonet_contacts_batch_bad_body_400(book, body) -> None:
    fake, s = book

    assert plain_text_error(s.post(f"{fake.url}{V2}/batch", json=body, timeout=2), 400)


# ---- notes ------------------------------------------------------------------------------------------
def test_phonet_contact_notes_post_get_put_delete(book) -> None:
    fake, s = book
    cid = fake.add_contact(first_name="A")["id"]
    call_note = {"id": 0, "content": "звонок", "uuid": "u1", "billSec": "42", "otherLegNum": "+380440000000"}

    saved = s.post(f"{fake.url}{V2}/{cid}/notes", json=call_note, timeout=2).json()
    listed = s.get(f"{fake.url}{V2}/{cid}/notes", timeout=2).json()
    put = s.put(f"{fake.url}{V2}/{cid}/notes", json={**saved, "content": "перезвонил"}, timeout=2)
    changed = s.get(f"{fake.url}{V2}/{cid}/notes", timeout=2).json()
    deleted = s.delete(f"{fake.url}{V2}/{cid}/notes/{saved['id']}", timeout=2)

    assert set(saved) == NOTE_KEYS and saved["id"] > 0 and saved["elementId"] == cid
    assert (saved["billSec"], saved["uuid"], saved["dateCreate"] > 10**12) == (42, "u1", True)
    assert listed == [saved]
    assert put.status_code == 200 and put.json() == 1 and changed[0]["content"] == "перезвонил"
    assert deleted.status_code == 200 and deleted.json() == 1
    assert s.get(f"{fake.url}{V2}/{cid}/notes", timeout=2).json() == []


@pytest.mark.parametrize(
    ("method", "suffix", "body", "status"),
    [
        ("GET", "999999/notes", None, 404),
        ("POST", "999999/notes", {"content": "x"}, 404),
        ("PUT", "999999/notes", {"id": 1}, 404),
        ("DELETE", "999999/notes/1", None, 404),
        ("DELETE", "{cid}/notes/999999", None, 404),
        ("PUT", "{cid}/notes", {"id": 999999, "content": "x"}, 404),
        ("PUT", "{cid}/notes", {"content": "x"}, 400),
        ("POST", "{cid}/notes", [1], 400),
        ("POST", "{cid}/notes", {"billSec": "many"}, 400),
        ("DELETE", "{cid}/notes/x", None, 400),
        ("GET", "x/notes", None, 400),
    ],
)
def test_phonet_contact_notes_unknown_404_bad_input_400(book, method, suffix, body, status: int) -> None:
    fake, s = book
    cid = fake.add_contact(first_name="A")["id"]

    r = s.request(method, f"{fake.url}{V2}/{suffix.format(cid=cid)}", json=body, timeout=2)

    assert plain_text_error(r, status) and fake.book.notes[cid] == {}


def test_phonet_contacts_seeded_from_constructor_and_reset(receiver) -> None:
    seed = {"firstName": "Seed", "fields": [{"enumCode": "Телефон", "values": [{"value": "+380441"}]}]}
    with PhonetFake(contacts=[seed]) as fake:
        s = login(fake)
        s.post(f"{fake.url}{V2}/batch", json={"merge": 0, "contacts": [{"firstName": "More"}]}, timeout=2)
        fake.reset()
        after = login(fake).get(f"{fake.url}{V2}/", timeout=2).json()

    assert [c["firstName"] for c in after] == ["Seed"] and fake.errors == []


@pytest.mark.parametrize("cid", [7068, "7068", " 7068 ", 7068.0])
def test_phonet_contact_ids_as_numbers_or_strings_accepted(book, cid) -> None:
    fake, s = book
    fake.add_contact(first_name="A")

    r = s.post(f"{fake.url}{V2}/", json={"id": cid, "firstName": "B"}, timeout=2)

    assert r.json() == 1 and fake.book.get(7068)["firstName"] == "B"


@pytest.mark.parametrize("cid", [1.5, "7 068", [7068], {"id": 7068}])
def test_phonet_contact_ids_not_a_long_400(book, cid) -> None:
    fake, s = book
    fake.add_contact(first_name="A")

    assert plain_text_error(s.post(f"{fake.url}{V2}/", json={"id": cid, "firstName": "B"}, timeout=2), 400)


def test_phonet_contacts_seeded_over_http_control(phonet: PhonetFake) -> None:
    phone = {"enumCode": "Телефон", "values": [{"value": 1}]}
    seed = [{"firstName": "A"}, {"firstName": "B", "fields": [phone]}]

    r = requests.post(f"{phonet.url}/_fake/contacts", json=seed, timeout=2)
    bad = requests.post(f"{phonet.url}/_fake/contacts", json={"fields": "x"}, timeout=2)

    assert r.status_code == 201 and [c["firstName"] for c in r.json()] == ["A", "B"]
    assert bad.status_code == 400 and len(phonet.book.contacts) == 2 and phonet.count() == 0
