"""The vendor clients' shared reading of answers (hub.vendors.http) and their request builders, without
sockets: which status means which domain error, and what is refused before anything is sent."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from pydantic import BaseModel

from hub.errors import BadRequest, HubError, VendorRejected, VendorUnavailable
from hub.vendors.avtodialer.client import RobotCall
from hub.vendors.http import Call, HttpPolicy, checked, json_body, parse_rows, web_base_url
from hub.vendors.obzvonilka.client import ContactForm, _segment
from hub.vendors.phonet.client import MemorySessionCache

GET = Call("vendor", "read")
POST = Call("vendor", "write", "POST")


def answer(status: int, body: str = "", **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers)
    return response


@pytest.mark.parametrize(
    ("status", "body", "call", "error", "code", "maybe_done"),
    [
        (301, "", POST, VendorRejected, "vendor_redirected", False),
        (401, "no", GET, VendorRejected, "vendor_auth_refused", False),
        (404, "none", GET, VendorRejected, "vendor_rejected", False),
        (422, "{}", POST, VendorRejected, "vendor_rejected", False),
        (429, "later", POST, VendorUnavailable, "vendor_unavailable", False),
        (503, "", POST, VendorUnavailable, "vendor_unavailable", False),
        (503, "busy", POST, VendorUnavailable, "vendor_unavailable", True),
        (500, "", POST, VendorUnavailable, "vendor_unavailable", True),
        (500, "", GET, VendorUnavailable, "vendor_unavailable", False),
    ],
)
def test_checked_status_maps_to_domain_error(
    status: int, body: str, call: Call, error: type[HubError], code: str, maybe_done: bool
) -> None:
    with pytest.raises(error) as raised:
        checked(answer(status, body, Location="https://moved.example/api?api_key=secret"), call)

    assert raised.value.code == code and raised.value.details["maybe_done"] is maybe_done
    assert raised.value.details["status"] == status and "secret" not in raised.value.message


def test_checked_2xx_passes_and_retry_after_reported() -> None:
    assert checked(answer(204), POST).status_code == 204
    with pytest.raises(VendorUnavailable) as busy:
        checked(answer(429, **{"Retry-After": "120"}), GET)

    assert busy.value.details["retry_after"] == "120" and busy.value.retryable


def test_json_body_not_json_is_unavailable_not_empty() -> None:
    with pytest.raises(VendorUnavailable, match="without JSON"):
        json_body(answer(200, "<html>login</html>", **{"Content-Type": "text/html"}), GET)
    with pytest.raises(VendorUnavailable):
        json_body(answer(200, ""), GET)


class Item(BaseModel):
    id: int


def test_parse_rows_keeps_invalid_rows_apart_and_refuses_non_arrays() -> None:
    rows = parse_rows(Item, [{"id": 1}, {"id": "x"}, "junk"], GET)

    assert [r.id for r in rows.rows] == [1] and [i.index for i in rows.invalid] == [1, 2] and len(rows) == 3
    with pytest.raises(VendorUnavailable, match="JSON array"):
        parse_rows(Item, {"rows": []}, GET)


def test_http_policy_retries_gets_only_and_caps_retry_after() -> None:
    retry = HttpPolicy(retries=3, retry_after_max=2.0).retry()

    assert retry.allowed_methods == frozenset({"GET"}) and retry.total == 3 and not retry.raise_on_status
    assert {429, 500, 502, 503, 504} <= set(retry.status_forcelist or ())
    assert retry.new().parse_retry_after("3600") == 2.0  # an hour asked, two seconds waited


@pytest.mark.parametrize("url", ["ftp://x.example", "x.example", "https://x.example/?k=1", "https://"])
def test_web_base_url_refuses_non_http_urls(url: str) -> None:
    with pytest.raises(ValueError):
        web_base_url(url, "base_url")


def test_web_base_url_drops_trailing_slash() -> None:
    assert web_base_url(" https://x.example/api/ ", "base_url") == "https://x.example/api"


def test_memory_session_cache_forgets_only_the_session_it_holds() -> None:
    cache = MemorySessionCache(clock=lambda: 0.0)
    cache.save("k", "new", 60)

    cache.forget("k", "old")  # another invocation's stale id
    assert cache.load("k") == "new"
    cache.forget("k", "new")
    assert cache.load("k") is None


def test_obzvonilka_contact_form_update_blanks_unused_phone_slots() -> None:
    form = ContactForm(name="A", phones=[("111", "моб")])

    assert form.fields(replace_phones=False) == {
        "contact[name]": "A",
        "contact[phone1]": "111",
        "contact[phone_remark1]": "моб",
    }
    update = form.fields(replace_phones=True)
    assert update["contact[phone10]"] == "" and update["contact[phone_remark2]"] == "" and len(update) == 21
    with pytest.raises(BadRequest):
        ContactForm(phones=[("1", None)] * 11).fields(replace_phones=False)


@pytest.mark.parametrize(
    ("raw", "segment"), [("a/b", "a%2Fb"), ("код 1", "%D0%BA%D0%BE%D0%B4%201"), (22, "22")]
)
def test_obzvonilka_path_segment_quoted(raw: str | int, segment: str) -> None:
    assert _segment(raw) == segment


@pytest.mark.parametrize("raw", ["", " ", "..", "."])
def test_obzvonilka_path_segment_empty_or_dots_refused(raw: str) -> None:
    with pytest.raises(BadRequest):
        _segment(raw)


def test_avtodialer_robot_call_more_than_three_variables_refused() -> None:
    call = RobotCall("89220000000", "c0", "1", dt.time(10), dt.time(19), variables=("a", "b", "c", "d"))

    with pytest.raises(BadRequest, match="3 variables"):
        call.fields()
