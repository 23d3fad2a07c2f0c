"""TelefUM's API (spec/telefum.md): XML contract for find / addcont / addevent, errors included."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.tenants import add_employee
from hub.models.contact import ContactType
from tests.conftest import Seeded
from tests.support import load_event, load_function

PASSWORD = "s3cret-pass"


@pytest.fixture
def telefum(seeded: Seeded):
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Оператор", ext="005", login="op", password=PASSWORD
    )
    return load_function("telefum")


def request(
    module: Any,
    lambda_context: Any,
    params: dict[str, str],
    method: str = "GET",
    tenant: str = "acme",
    path: str = "rest",
    raw_query: str | None = None,
) -> tuple[int, Any, dict[str, str]]:
    event = copy.deepcopy(load_event("telefum/find.json"))
    query = raw_query if raw_query is not None else urlencode(params)
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/telefum/{tenant}/{path}"
    event["requestContext"]["http"]["method"] = method
    event["pathParameters"] = {"tenant": tenant}
    if method == "POST":
        event["rawQueryString"] = ""
        event["body"] = query
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    else:
        event["rawQueryString"] = query
        event.pop("body", None)
    response = module.handler(event, lambda_context)
    body = response.get("body") or ""
    root = ET.fromstring(body.encode()) if body else None
    return response["statusCode"], root, response.get("headers", {})


def creds(**params: str) -> dict[str, str]:
    return {"login": "op", "password": PASSWORD, **params}


def test_find_spec_example_lists_every_contact_with_the_number(seeded, telefum, lambda_context) -> None:
    service = ContactService(seeded.contact_store)
    for name, company, description in [
        ("Василий Петрович", "ООО Резюме", "Компания по трудоустройству"),
        ("Иван Павлович", "ООО Невидимка", "Компания по охране"),
    ]:
        service.create(
            seeded.acme,
            ContactInput(
                name=name,
                company=company,
                description=description,
                phones=[PhoneInput(number="+380123456789")],
            ),
        )
    status, root, headers = request(telefum, lambda_context, creds(typereq="find", phone="0123456789"))
    assert status == 200 and headers["Content-Type"] == "application/xml; charset=utf-8"
    items = root.findall("item")
    assert [[child.tag for child in i] for i in items] == [
        ["id", "typecont", "name", "company", "description"]
    ] * 2
    assert [i.findtext("name") for i in items] == ["Василий Петрович", "Иван Павлович"]
    assert {i.findtext("typecont") for i in items} == {"contact"}
    assert root.findtext("total") == "2" and root[-1].tag == "total"


@pytest.mark.parametrize("phone", ["80123456789", "00380123456789", "+380123456789"])
def test_find_ua_old_trunk_and_00_forms_find_the_contact(seeded, telefum, lambda_context, phone) -> None:
    ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Олена", phones=[PhoneInput(number="+380123456789")])
    )
    status, root, _ = request(telefum, lambda_context, creds(typereq="find", phone=phone))
    assert (status, root.findtext("total"), root.findtext("item/name")) == (200, "1", "Олена")


def test_find_no_match_is_total_zero(telefum, lambda_context) -> None:
    for phone in ("0999999999", "101", "anonymous", "Unknown", "", "+", "   "):
        status, root, _ = request(telefum, lambda_context, creds(typereq="find", phone=phone))
        assert status == 200 and [child.tag for child in root] == ["total"] and root.findtext("total") == "0"


@pytest.mark.parametrize(
    ("params", "status", "description"),
    [
        (
            {"typereq": "find", "phone": "0123456789", "login": "op", "password": "wrong"},
            401,
            "Неправильный логин или пароль",
        ),
        ({"typereq": "find", "phone": "0123456789"}, 401, "Неправильный логин или пароль"),
        (
            {"typereq": "find", "phone": "0123456789", "login": "nobody", "password": "x"},
            401,
            "Неправильный логин или пароль",
        ),
        (creds(typereq="find"), 400, "Не указан номер телефона"),
        (creds(typereq="addcont", name="Без номера"), 400, "Не указан номер телефона"),
        (creds(typereq="addevent", subj="x"), 400, "Не указано id-контакта"),
        (creds(typereq="addevent", id="nope"), 404, "Контакт не найден"),
        (creds(typereq="addcont", phone="0501234567", typecont="alien"), 400, "Неверный тип контакта"),
        (creds(typereq="addcont", phone="abc"), 400, "Неверный номер телефона"),
        (creds(typereq="delete"), 400, "Неизвестный тип запроса"),
    ],
)
def test_errors_have_the_spec_shape_and_russian_descriptions(
    telefum, lambda_context, caplog, params: dict[str, str], status: int, description: str
) -> None:
    got, root, _ = request(telefum, lambda_context, params)
    assert got == 200  # a desktop client may not read a 4xx's body: the cause is in it, and in the log
    refused = [r for r in caplog.records if r.getMessage() == "request refused"]
    assert [(r.status, r.description) for r in refused] == [(status, description)]
    assert [child.tag for child in root] == ["result", "description"]
    assert (root.findtext("result"), root.findtext("description")) == ("error", description)


def test_addcont_spec_example_creates_contact_by_the_employee_with_pstn_source(
    seeded, telefum, lambda_context
) -> None:
    # The spec's own query string: Cyrillic percent-encoded, and x_pstn's `+` unencoded (a space).
    raw = (
        "typereq=addcont&typecont=contact&phone=0123456789"
        "&name=%D0%98%D0%BC%D1%8F%20%D0%BA%D0%BE%D0%BD%D1%82%D0%B0%D0%BA%D1%82%D0%B0"
        "&login=op&password=s3cret-pass&x_pstn=+79012222222"
    )
    status, root, _ = request(telefum, lambda_context, {}, raw_query=raw)
    assert status == 200
    assert [child.tag for child in root] == ["result", "id", "typecont", "description"]
    assert (root.findtext("result"), root.findtext("typecont"), root.findtext("description")) == (
        "ok",
        "contact",
        "Контакт добавлен",
    )
    contact = seeded.contact_store.get("acme", root.findtext("id"))
    operator = seeded.tenant_store.employee_by_login("acme", "op")
    assert (contact.name, contact.source, contact.created_by) == ("Имя контакта", "+79012222222", operator.id)
    assert contact.phones[0].e164 == "+380123456789"


def test_addcont_russian_type_names_are_understood(seeded, telefum, lambda_context) -> None:
    status, root, _ = request(
        telefum, lambda_context, creds(typereq="addcont", phone="0501112233", typecont="Лид")
    )
    assert status == 200 and root.findtext("typecont") == "lead"
    assert seeded.contact_store.get("acme", root.findtext("id")).type == ContactType.LEAD


def test_addevent_by_post_form_attributed_to_the_employee(seeded, telefum, lambda_context) -> None:
    contact = ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="X", phones=[PhoneInput(number="0501234567")])
    )
    params = creds(
        typereq="addevent",
        id=contact.id,
        typecont="contact",
        subj="Входящий Звонок",
        desc="Длительность 3:54",
    )
    status, root, _ = request(telefum, lambda_context, params, method="POST")
    assert status == 200
    assert [child.tag for child in root] == ["result", "idev", "description"]
    assert (root.findtext("result"), root.findtext("description")) == ("ok", "Событие добавлено")
    (event,) = seeded.contact_store.events("acme", contact.id)
    operator = seeded.tenant_store.employee_by_login("acme", "op")
    assert (
        event["id"],
        event["kind"],
        event["subject"],
        event["description"],
        event["author_employee_id"],
    ) == (root.findtext("idev"), "call", "Входящий Звонок", "Длительность 3:54", operator.id)
    wrong_type, root, _ = request(telefum, lambda_context, {**params, "typecont": "company"}, method="POST")
    assert (wrong_type, root.findtext("description")) == (200, "Неверный тип контакта")


def test_any_value_gives_xml_a_strict_parser_accepts(seeded, telefum, lambda_context) -> None:
    nasty = "A & B <tag> \"quoted\" 'single' \x00\x07\x1b\ufffe 😀 ]]> &amp;"
    status, root, _ = request(
        telefum, lambda_context, creds(typereq="addcont", phone="0507654321", name=nasty)
    )
    assert status == 200
    status, root, _ = request(telefum, lambda_context, creds(typereq="find", phone="0507654321"))
    assert root.findtext("item/name") == "A & B <tag> \"quoted\" 'single'  😀 ]]> &amp;"


def test_wrong_passwords_lock_the_login_then_even_the_right_one_is_refused(
    seeded, telefum, lambda_context
) -> None:
    for _ in range(5):
        _, root, _ = request(telefum, lambda_context, creds(typereq="find", phone="1", password="bad"))
        assert root.findtext("description") == "Неправильный логин или пароль"
    status, root, _ = request(telefum, lambda_context, creds(typereq="find", phone="0123456789"))
    assert status == 200 and root.findtext("description").startswith("Слишком много")


def test_api_key_works_as_password_and_a_foreign_tenant_is_refused(seeded, telefum, lambda_context) -> None:
    from hub.domain.tenants import create_api_key

    _, key = create_api_key(seeded.tenant_store, seeded.acme.tenant)
    by_key = {"typereq": "find", "phone": "1", "login": "op"}
    assert request(telefum, lambda_context, {**by_key, "password": key})[1].findtext("total") == "0"
    _, foreign = create_api_key(seeded.tenant_store, seeded.globex.tenant)
    refused = [
        request(telefum, lambda_context, {**by_key, "password": foreign}),
        request(telefum, lambda_context, creds(typereq="find", phone="1"), tenant="globex"),
        request(telefum, lambda_context, creds(typereq="find", phone="1"), tenant="nobody"),
    ]
    assert [(status, root.findtext("description")) for status, root, _ in refused] == [
        (200, "Неправильный логин или пароль"),
        (200, "Неправильный логин или пароль"),
        (200, "Не найдено"),
    ]


def test_card_and_search_redirect_to_the_hubs_pages(telefum, lambda_context) -> None:
    status, _, headers = request(telefum, lambda_context, {"id": "24342", "typecont": "contact"}, path="card")
    assert (status, headers["Location"]) == (302, "/app/acme/contacts/24342")
    status, _, headers = request(telefum, lambda_context, {"phone": "+380123456789"}, path="search")
    assert (status, headers["Location"]) == (302, "/app/acme/search?phone=%2B380123456789")


values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["find", "addcont", "addevent", "op", PASSWORD, "0501234567", "Лид", "+79012222222"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["typereq", "phone", "login", "password", "name", "typecont", "id", "subj", "desc", "x_pstn"]
        ),
        values,
        max_size=8,
    ),
    method=st.sampled_from(["GET", "POST"]),
)
def test_no_input_gives_a_5xx_or_ill_formed_xml(telefum, lambda_context, fields: dict, method: str) -> None:
    params = {key: value for key, value in fields.items() if value is not None}
    status, root, headers = request(telefum, lambda_context, params, method=method)
    assert status < 500 and root is not None and root.tag == "response"
