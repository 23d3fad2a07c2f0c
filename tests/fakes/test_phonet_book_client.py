"""PhonetClient's contact-book calls against PhonetFake over real loopback HTTP (seed "CRM teler.
Контакты", spec/phonet.md §B2): each call both ways, its 400/404 cases, paging, the session and the
shapes the book's answers take."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.errors import BadRequest, VendorRejected, VendorUnavailable
from hub.vendors.http import HttpPolicy
from hub.vendors.phonet.book import ContactBody, ContactFieldBody, FieldValueBody, NoteBody
from hub.vendors.phonet.client import PhonetClient
from hubtools.fakes import PhonetFake
from tests.fakes.test_phonet_contacts_fake import NOTE_KEYS  # the seed's note, as the fake keeps it

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
AUTHORIZE = "/rest/security/authorize"
V2 = "/rest/crm/contacts/v2"
LIST = f"{V2}/"
PHONE = "Телефон"
# the seed's `GET /v2/{id}` example, word for word
SEED_CONTACT: dict[str, Any] = {
    "id": 7068,
    "firstName": None,
    "lastName": None,
    "companyTitle": None,
    "lastModified": 1443597876359,
    "responsibleUserId": 18,
    "dateCreate": 1443597876000,
    "createUserId": 59,
    "fields": [
        {
            "id": 32045,
            "enumCode": "Компания",
            "values": [
                {"id": 33427, "enumValueCode": "Компания", "lastModified": 1446027499803, "value": "Phonet"}
            ],
        },
        {
            "id": 32049,
            "enumCode": "Категория",
            "values": [
                {"id": 33431, "enumValueCode": "Категория", "lastModified": 1446027499803, "value": "EMPL"}
            ],
        },
    ],
}


def client_for(fake: PhonetFake, **kwargs: Any) -> PhonetClient:
    kwargs.setdefault("policy", FAST)
    return PhonetClient(fake.domain, fake.api_key, base_url=fake.url, **kwargs)


def answer_json(fake: PhonetFake, path: str, body: Any, **kwargs: Any) -> None:
    """The next request to `path` is answered 200 with `body` (a shape the fake itself never serves)."""
    fake.fail(
        "status", path=path, status=200, body=json.dumps(body), content_type="application/json", **kwargs
    )


def seed_contacts(fake: PhonetFake, n: int) -> list[int]:
    return [fake.add_contact(first_name=f"C{i}", phones=[f"+38044000{i:04d}"])["id"] for i in range(n)]


def book_requests(fake: PhonetFake) -> int:
    return fake.count(None, f"{V2}.*")


# ---- get ---------------------------------------------------------------------------------------------
def test_phonet_book_client_contact_reads_seed_example(phonet: PhonetFake) -> None:
    answer_json(phonet, f"{V2}/7068", SEED_CONTACT)

    contact = client_for(phonet).book_contact(7068)

    assert contact is not None and contact.id == "7068" and contact.first_name is None
    assert (contact.responsible_user_id, contact.create_user_id) == ("18", "59")
    assert (contact.date_create, contact.last_modified) == (1443597876000, 1443597876359)
    assert contact.values("Компания") == ["Phonet"] and contact.values("Категория") == ["EMPL"]
    assert contact.fields[1].values[0].id == "33431" and contact.fields[1].values[0].last_modified


def test_phonet_book_client_contact_ids_as_strings_read_as_numbers_do(phonet: PhonetFake) -> None:
    as_strings = json.loads(json.dumps(SEED_CONTACT), parse_int=str)
    answer_json(phonet, f"{V2}/7068", as_strings)
    client = client_for(phonet)

    from_strings = client.book_contact("7068")
    answer_json(phonet, f"{V2}/7068", SEED_CONTACT)

    assert from_strings is not None and from_strings == client.book_contact(" 7068 ")
    assert [h.path for h in phonet.hits("GET", f"{V2}/.*")] == [f"{V2}/7068"] * 2


def test_phonet_book_client_contact_from_the_fake_round_trips(phonet: PhonetFake) -> None:
    made = phonet.add_contact(first_name="Александр", company="Online company", emails=["a@b.ua"])

    contact = client_for(phonet).book_contact(made["id"])

    assert contact is not None and contact.id == str(made["id"]) and contact.first_name == "Александр"
    assert contact.values("Email") == ["a@b.ua"] and contact.values("Компания") == ["Online company"]
    assert contact.create_user_id == "36" and contact.date_create and contact.date_create > 10**12


def test_phonet_book_client_contact_unknown_is_none(phonet: PhonetFake) -> None:
    assert client_for(phonet).book_contact(999999) is None
    assert [h.status for h in phonet.hits("GET", f"{V2}/999999")] == [404]  # a 404 is not retried


@pytest.mark.parametrize("bad_id", ["../users", "7a", "", "1.5", -1, True, 2**63])
def test_phonet_book_client_contact_bad_id_refused_before_sending(phonet: PhonetFake, bad_id: Any) -> None:
    client = client_for(phonet)

    for call in (client.book_contact, client.delete_book_contact, client.book_notes):
        with pytest.raises(BadRequest):
            call(bad_id)

    assert phonet.count() == 0


def test_phonet_book_client_contact_with_12_phones_reads_whole(phonet: PhonetFake) -> None:
    phones = [f"+38050000{i:04d}" for i in range(12)]
    made = phonet.add_contact(first_name="Много", phones=phones)
    client = client_for(phonet)

    one = client.book_contact(made["id"])
    (listed,) = client.book_contacts().rows

    assert one is not None and one.values(PHONE) == phones and listed.values(PHONE) == phones
    assert len({v.id for f in one.fields for v in f.values}) == 13  # 12 phones and the name, each its id


def test_phonet_book_client_contact_non_json_200_is_an_error(phonet: PhonetFake) -> None:
    html = "<html><body>Service temporarily unavailable</body></html>"
    phonet.fail("status", path=f"{V2}/7068", status=200, body=html, content_type="text/html")

    with pytest.raises(VendorUnavailable, match="without JSON"):
        client_for(phonet).book_contact(7068)


# ---- list --------------------------------------------------------------------------------------------
def test_phonet_book_client_contacts_read_leniently(phonet: PhonetFake) -> None:
    rows = [
        {"id": "1", "fields": None, "favourite": True},  # fields null, a key the seed never showed
        {"id": 2},  # fields absent
        {"id": 3, "fields": [{"enumCode": PHONE, "values": None}, {"id": "9", "values": [{"value": 380}]}]},
        {"firstName": "no id"},  # does not read: counted, not dropped
    ]
    answer_json(phonet, LIST, rows)

    page = client_for(phonet).book_contacts()

    assert [c.id for c in page.rows] == ["1", "2", "3"] and page.rows[0].fields == []
    assert page.rows[2].fields[0].values == [] and page.rows[2].fields[1].values[0].value == "380"
    assert [i.index for i in page.invalid] == [3] and len(page) == 4


def test_phonet_book_client_contact_pages_until_a_short_page(phonet: PhonetFake) -> None:
    ids = seed_contacts(phonet, 130)

    pages = list(client_for(phonet).book_contact_pages())

    assert [(p.offset, len(p)) for p in pages] == [(0, 60), (60, 60), (120, 10)]
    assert [c.id for p in pages for c in p.rows] == [str(i) for i in ids]
    assert [(h.query["offset"], h.query["limit"]) for h in phonet.hits("GET", LIST)] == [
        ("0", "60"),
        ("60", "60"),
        ("120", "60"),
    ]


def test_phonet_book_client_contact_pages_exactly_full_then_empty(phonet: PhonetFake) -> None:
    seed_contacts(phonet, 60)

    pages = list(client_for(phonet).book_contact_pages())

    assert [(p.offset, len(p), p.next_offset) for p in pages] == [(0, 60, 60), (60, 0, None)]


def test_phonet_book_client_contacts_offset_and_limit_sent(phonet: PhonetFake) -> None:
    ids = seed_contacts(phonet, 10)
    client = client_for(phonet)

    page = client.book_contacts(offset=4, limit=3)
    empty = client.book_contacts(limit=0)

    assert [c.id for c in page.rows] == [str(i) for i in ids[4:7]] and page.next_offset == 7
    assert len(empty) == 0 and empty.next_offset is None


@pytest.mark.parametrize(("offset", "limit"), [(0, 61), (0, -1), (-1, 60), (0, 10.0), (True, 60)])
def test_phonet_book_client_contacts_bad_page_refused_before_sending(
    phonet: PhonetFake, offset: Any, limit: Any
) -> None:
    client = client_for(phonet)

    with pytest.raises(BadRequest):
        client.book_contacts(offset=offset, limit=limit)
    with pytest.raises(BadRequest):
        client.book_contacts_by_number("+380440000000", offset, limit)
    with pytest.raises(BadRequest):
        next(client.book_contact_pages(filter_by="modified", time_from=5, time_to=4))

    assert phonet.journal == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filter_by": "changed"},
        {"time_from": 1},  # a window without filterBy: the PBX would not apply it
        {"filter_by": "modified", "time_from": 5, "time_to": 4},
        {"filter_by": "created", "time_to": -1},
    ],
)
def test_phonet_book_client_contacts_bad_filter_refused_before_sending(
    phonet: PhonetFake, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(BadRequest):
        client_for(phonet).book_contacts(**kwargs)

    assert phonet.journal == []


def test_phonet_book_client_contacts_filter_window_and_search_sent_as_the_seed_names(
    phonet: PhonetFake,
) -> None:
    old, new, other = seed_contacts(phonet, 3)
    with phonet._lock:
        phonet.book.contacts[old]["lastModified"] = 1_000
        phonet.book.contacts[new]["lastModified"] = 2_000
        phonet.book.contacts[other]["dateCreate"] = 5_000
    client = client_for(phonet)

    modified = client.book_contacts(filter_by="modified", time_from=1_500, time_to=2_500)
    created = client.book_contacts(filter_by="created", time_to=5_000)
    searched = client.book_contacts(search_text=" c2 ")

    assert [c.id for c in modified.rows] == [str(new)] and [c.id for c in created.rows] == [str(other)]
    assert [c.id for c in searched.rows] == [str(other)]
    queries = [h.query for h in phonet.hits("GET", LIST)]
    assert queries[0] == {"offset": "0", "limit": "60", "filterBy": "1", "from": "1500", "to": "2500"}
    assert queries[1] == {"offset": "0", "limit": "60", "filterBy": "0", "to": "5000"}
    assert queries[2] == {"offset": "0", "limit": "60", "searchText": "c2"}


def test_phonet_book_client_session_expired_mid_listing_reauthorizes_once(phonet: PhonetFake) -> None:
    seed_contacts(phonet, 130)
    pages = client_for(phonet).book_contact_pages()

    first = next(pages)
    phonet.expire_sessions()
    rest = list(pages)

    assert [len(p) for p in (first, *rest)] == [60, 60, 10]
    assert phonet.count("POST", AUTHORIZE) == 2
    assert [h.status for h in phonet.hits("GET", LIST)] == [200, 403, 200, 200]
    assert [h.query["offset"] for h in phonet.hits("GET", LIST)] == ["0", "60", "60", "120"]


def test_phonet_book_client_contacts_non_json_200_is_an_error_not_the_end(phonet: PhonetFake) -> None:
    seed_contacts(phonet, 70)
    phonet.fail("status", path=LIST, skip=1, status=200, body="<html>oops</html>", content_type="text/html")
    pages = client_for(phonet).book_contact_pages()

    assert len(next(pages)) == 60
    with pytest.raises(VendorUnavailable, match="without JSON"):
        next(pages)


def test_phonet_book_client_contacts_5xx_then_success_retried(phonet: PhonetFake) -> None:
    seed_contacts(phonet, 2)
    phonet.fail("status", method="GET", path=LIST, status=503, body="busy")

    assert len(client_for(phonet).book_contacts()) == 2
    assert [h.status for h in phonet.hits("GET", LIST)] == [503, 200]


# ---- search by number ------------------------------------------------------------------------------
def test_phonet_book_client_contacts_by_number(phonet: PhonetFake) -> None:
    wanted = phonet.add_contact(first_name="A", phones=["+380 44 000-00-01"])["id"]
    phonet.add_contact(first_name="B", phones=["+380440000002"])

    page = client_for(phonet).book_contacts_by_number(" +380440000001 ", limit=5)

    assert [c.id for c in page.rows] == [str(wanted)] and page.next_offset is None
    assert phonet.hits("GET", f"{V2}/searchByOLNum")[0].query == {
        "otherLegNum": "+380440000001",
        "offset": "0",
        "limit": "5",
    }


@pytest.mark.parametrize("number", ["", "   "])
def test_phonet_book_client_contacts_by_number_missing_refused_before_sending(
    phonet: PhonetFake, number: str
) -> None:
    with pytest.raises(BadRequest):
        client_for(phonet).book_contacts_by_number(number)

    assert phonet.journal == []


def test_phonet_book_client_contacts_by_number_400_rejected_not_retried(phonet: PhonetFake) -> None:
    phonet.fail("status", path=f"{V2}/searchByOLNum", status=400, body="otherLegNum is required")

    with pytest.raises(VendorRejected, match="otherLegNum is required") as refused:
        client_for(phonet).book_contacts_by_number("+380440000001")

    assert refused.value.details["status"] == 400 and not refused.value.retryable
    assert phonet.count("GET", f"{V2}/searchByOLNum") == 1


# ---- update ----------------------------------------------------------------------------------------
def test_phonet_book_client_update_answers_1_and_replaces_fields(phonet: PhonetFake) -> None:
    cid = phonet.add_contact(first_name="Петр", phones=["+380440000000"])["id"]
    client = client_for(phonet)
    read = client.book_contact(cid)
    assert read is not None
    phones = next(f for f in read.as_body().fields if f.enum_code == PHONE)
    added = phones.model_copy(update={"values": [*phones.values, FieldValueBody(value="+380500000000")]})

    client.update_book_contact(read.as_body().model_copy(update={"last_name": "Петров", "fields": [added]}))

    sent = phonet.hits("POST", LIST)[0].body
    assert sent["id"] == cid and isinstance(sent["fields"][0]["id"], int) and sent["lastName"] == "Петров"
    assert set(sent) == {"id", "firstName", "lastName", "lastModified", "responsibleUserId", "dateCreate"} | {
        "createUserId",
        "fields",
    }
    after = client.book_contact(cid)
    assert after is not None and after.last_name == "Петров" and after.first_name == "Петр"
    assert after.values(PHONE) == ["+380440000000", "+380500000000"] and after.values("Имя") == []


@pytest.mark.parametrize(("body", "content_type"), [("1", "text/plain"), ("1\n", "application/json")])
def test_phonet_book_client_update_accepts_1_as_text_or_json(
    phonet: PhonetFake, body: str, content_type: str
) -> None:
    phonet.fail("status", method="POST", path=LIST, status=200, body=body, content_type=content_type)

    client_for(phonet).update_book_contact(ContactBody(id=7068, first_name="A"))

    assert phonet.hits("POST", LIST)[0].body == {"id": 7068, "firstName": "A"}


@pytest.mark.parametrize("body", ["", "0", "<html>ok</html>", '{"id": 7068}'])
def test_phonet_book_client_update_200_without_1_is_an_error(phonet: PhonetFake, body: str) -> None:
    phonet.fail("status", method="POST", path=LIST, status=200, body=body)

    with pytest.raises(VendorUnavailable) as odd:
        client_for(phonet).update_book_contact(ContactBody(id=7068))

    assert odd.value.details["maybe_done"] is True


def test_phonet_book_client_update_without_id_refused_unknown_id_rejected(phonet: PhonetFake) -> None:
    client = client_for(phonet)

    with pytest.raises(BadRequest):
        client.update_book_contact(ContactBody(first_name="A"))
    assert phonet.journal == []
    with pytest.raises(VendorRejected) as unknown:
        client.update_book_contact(ContactBody(id=999999, first_name="A"))

    assert unknown.value.details["status"] == 404


def test_phonet_book_client_update_5xx_not_resent(phonet: PhonetFake) -> None:
    phonet.fail("status", method="POST", path=LIST, status=500, body="oops")

    with pytest.raises(VendorUnavailable) as busy:
        client_for(phonet).update_book_contact(ContactBody(id=7068, first_name="A"))

    assert busy.value.details["maybe_done"] is True and phonet.count("POST", LIST) == 1


# ---- delete ----------------------------------------------------------------------------------------
def test_phonet_book_client_delete_answers_true_then_false(phonet: PhonetFake) -> None:
    cid = phonet.add_contact(first_name="A")["id"]
    client = client_for(phonet)

    assert client.delete_book_contact(str(cid)) is True
    assert client.delete_book_contact(cid) is False
    assert client.book_contact(cid) is None
    assert [h.status for h in phonet.hits("DELETE", f"{V2}/{cid}")] == [200, 404]


# ---- batch -----------------------------------------------------------------------------------------
def test_phonet_book_client_merge_201_counts_and_joins_by_phone(phonet: PhonetFake) -> None:
    cid = phonet.add_contact(first_name="Иван", phones=["+380440000000"])["id"]
    phone = ContactFieldBody(
        enum_code=PHONE, values=[FieldValueBody(enum_value_code="Рабочий", value="+3805")]
    )
    same = ContactFieldBody(enum_code=PHONE, values=[FieldValueBody(value="380440000000")])
    contacts = [ContactBody(fields=[same, phone]), ContactBody(first_name="Новый")]

    result = client_for(phonet).merge_book_contacts(contacts)

    assert (result.succeeded, result.failed) == (2, 0)
    assert [h.status for h in phonet.hits("POST", f"{V2}/batch")] == [201]
    sent = phonet.hits("POST", f"{V2}/batch")[0].body
    assert sent["merge"] == 1 and sent["contacts"][1] == {"firstName": "Новый"}
    assert len(phonet.book.contacts) == 2
    assert [
        v["value"] for f in phonet.book.get(cid)["fields"] if f["enumCode"] == PHONE for v in f["values"]
    ] == [
        "+380440000000",
        "+3805",
    ]


def test_phonet_book_client_merge_false_sends_0_and_counts_failures(phonet: PhonetFake) -> None:
    answer_json(phonet, f"{V2}/batch", {"succeeded": 1, "failed": 1})

    result = client_for(phonet).merge_book_contacts([ContactBody(first_name="A")] * 2, merge=False)

    assert (result.succeeded, result.failed) == (1, 1)
    assert phonet.hits("POST", f"{V2}/batch")[0].body["merge"] == 0


def test_phonet_book_client_merge_5xx_not_resent_and_empty_not_sent(phonet: PhonetFake) -> None:
    client = client_for(phonet)
    assert client.merge_book_contacts([]).succeeded == 0 and phonet.journal == []
    phonet.fail("status", method="POST", path=f"{V2}/batch", status=502, body="bad gateway")

    with pytest.raises(VendorUnavailable) as lost:
        client.merge_book_contacts([ContactBody(first_name="A")])

    assert lost.value.details["maybe_done"] is True and phonet.count("POST", f"{V2}/batch") == 1


# ---- notes -----------------------------------------------------------------------------------------
def test_phonet_book_client_notes_add_list_update_delete(phonet: PhonetFake) -> None:
    cid = phonet.add_contact(first_name="A")["id"]
    client = client_for(phonet)
    note = NoteBody(content="звонок", uuid="d38f07d9", bill_sec=42, other_leg_num="+380440000000")

    saved = client.add_book_note(cid, note)
    listed = client.book_notes(cid)
    client.update_book_note(cid, saved.as_body().model_copy(update={"content": "перезвонил"}))
    changed = client.book_notes(cid)
    deleted = client.delete_book_note(cid, saved.id)

    assert saved.id and saved.element_id == str(cid) and (saved.bill_sec, saved.uuid) == (42, "d38f07d9")
    assert listed is not None and listed.rows == [saved]
    assert (
        changed is not None and changed.rows[0].content == "перезвонил" and changed.rows[0].uuid == "d38f07d9"
    )
    assert deleted is True and client.book_notes(cid) == client.book_notes(str(cid))
    posted, put = (
        phonet.hits("POST", f"{V2}/{cid}/notes")[0].body,
        phonet.hits("PUT", f"{V2}/{cid}/notes")[0].body,
    )
    assert set(posted) == set(put) == NOTE_KEYS and posted["id"] == 0 and put["id"] == int(saved.id)
    assert [h.status for h in phonet.hits(None, f"{V2}/{cid}/notes.*")] == [
        200
    ] * 7  # add, list, put, list, delete, list, list


def test_phonet_book_client_notes_of_unknown_contact_or_note(phonet: PhonetFake) -> None:
    cid = phonet.add_contact(first_name="A")["id"]
    client = client_for(phonet)

    assert client.book_notes(999999) is None and client.book_notes(cid).rows == []  # type: ignore[union-attr]
    with pytest.raises(VendorRejected) as add:
        client.add_book_note(999999, NoteBody(content="x"))
    with pytest.raises(VendorRejected) as update:
        client.update_book_note(cid, NoteBody(id=999999, content="x"))

    assert add.value.details["status"] == update.value.details["status"] == 404
    assert client.delete_book_note(cid, 999999) is False and client.delete_book_note(999999, 1) is False


def test_phonet_book_client_note_update_without_id_refused_before_sending(phonet: PhonetFake) -> None:
    with pytest.raises(BadRequest):
        client_for(phonet).update_book_note(7068, NoteBody(content="x"))

    assert phonet.journal == []


def test_phonet_book_client_note_400_rejected_not_resent(phonet: PhonetFake) -> None:
    cid = phonet.add_contact(first_name="A")["id"]
    phonet.fail("status", method="POST", path=f"{V2}/{cid}/notes", status=400, body="content is missing")

    with pytest.raises(VendorRejected, match="content is missing") as refused:
        client_for(phonet).add_book_note(cid, NoteBody())

    assert refused.value.details["status"] == 400 and phonet.count("POST", f"{V2}/{cid}/notes") == 1


# ---- bodies ----------------------------------------------------------------------------------------
def test_phonet_book_bodies_serialize_the_seed_names_and_only_what_was_set() -> None:
    body = ContactBody(
        id="7068",
        responsible_user_id=18,
        fields=[ContactFieldBody(id=316480, enum_code="Имя", values=[FieldValueBody(value="Петр")])],
    )

    assert body.wire() == {
        "id": 7068,
        "responsibleUserId": 18,
        "fields": [{"id": 316480, "enumCode": "Имя", "values": [{"value": "Петр"}]}],
    }
    assert ContactBody(last_name=None).wire() == {"lastName": None}  # set to null: cleared, not omitted
    assert set(NoteBody().wire()) == NOTE_KEYS and NoteBody().wire()["otherLegName"] is None
    for bad in ("7a", "-5", -5, True, 2**63):
        with pytest.raises(ValueError):
            ContactBody(id=bad)
