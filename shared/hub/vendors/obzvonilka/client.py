"""The hub as a client of Obzvonilka's REST API (spec/obzvonilka.md): contact bases, their contacts
and the organization's users.

The organization's key goes as the `api_key` query parameter (the seed's example), or in a header
when the tenant names one (the seed: "either a GET or POST parameter or an HTTP header"; it names no
header). The service has moved hosts between versions of its document, so the base URL is a setting;
a redirect is never followed (`hub.vendors.http`): a POST or PATCH turned into a GET would report a
contact written that was not, and the key would travel to wherever the redirect points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, model_validator

from hub.errors import BadRequest
from hub.models.common import LooseStr, OptionalLooseStr
from hub.vendors.http import (
    Call,
    HttpPolicy,
    Rows,
    checked,
    json_body,
    parse_one,
    parse_rows,
    send,
    vendor_session,
    web_base_url,
)

VENDOR = "obzvonilka"
DEFAULT_BASE_URL = "https://obzvonilka.ru"
PHONE_SLOTS = 10  # phone1..phone10, phone_remark1..phone_remark10
TEXT_FIELDS = ("name", "address_string", "description", "email", "external_code", "www")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


Answer = TypeVar("Answer", bound=_Answer)


class ContactBase(_Answer):
    """A contact base (read only through the API); `deleted` = in the recycle bin."""

    id: LooseStr
    name: OptionalLooseStr = None
    remark: OptionalLooseStr = None
    deleted: bool = False
    select_from_last: bool = False


class ContactPhone(_Answer):
    slot: int
    number: LooseStr
    remark: OptionalLooseStr = None


class BaseContact(_Answer):
    """A contact in a base; `phones` gathers the filled `phone1..10` slots with their remarks."""

    id: LooseStr
    name: OptionalLooseStr = None
    address_string: OptionalLooseStr = None
    description: OptionalLooseStr = None
    email: OptionalLooseStr = None
    external_code: OptionalLooseStr = None
    www: OptionalLooseStr = None
    phones: list[ContactPhone] = []

    @model_validator(mode="before")
    @classmethod
    def _gather_phones(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        phones = [
            {"slot": slot, "number": data[f"phone{slot}"], "remark": data.get(f"phone_remark{slot}")}
            for slot in range(1, PHONE_SLOTS + 1)
            if str(data.get(f"phone{slot}") or "").strip()
        ]
        return {**data, "phones": phones}


class ObzvonilkaUser(_Answer):
    """A user of the organization: `email` is the login; `account_enabled` false = blocked."""

    id: LooseStr
    email: OptionalLooseStr = None
    name: OptionalLooseStr = None
    account_enabled: bool = True
    admin: bool = False


@dataclass(frozen=True)
class ContactForm:
    """A contact to write: fields left None are not sent (a PATCH leaves them as they are). `phones`
    are (number, remark) pairs, at most ten; given on an update, they replace the contact's phones
    (the slots after them are sent blank)."""

    name: str | None = None
    external_code: str | None = None
    address_string: str | None = None
    description: str | None = None
    email: str | None = None
    www: str | None = None
    phones: Sequence[tuple[str, str | None]] | None = None

    def fields(self, *, replace_phones: bool) -> dict[str, str]:
        """The `contact[...]` form fields."""
        form = {
            f"contact[{name}]": value for name in TEXT_FIELDS if (value := getattr(self, name)) is not None
        }
        if self.phones is None:
            return form
        if len(self.phones) > PHONE_SLOTS:
            raise BadRequest(f"an Obzvonilka contact holds at most {PHONE_SLOTS} phones")
        slots = PHONE_SLOTS if replace_phones else len(self.phones)
        for slot in range(1, slots + 1):
            number, remark = self.phones[slot - 1] if slot <= len(self.phones) else ("", None)
            form[f"contact[phone{slot}]"] = number
            if remark is not None or replace_phones:
                form[f"contact[phone_remark{slot}]"] = remark or ""
        return form


class ObzvonilkaClient:
    """One tenant's Obzvonilka organization."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        key_header: str | None = None,
        session: requests.Session | None = None,
        policy: HttpPolicy | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("Obzvonilka needs an API key")
        self.base_url = web_base_url(base_url or DEFAULT_BASE_URL, "Obzvonilka base_url")
        self._api_key = api_key
        self._key_header = key_header
        self.policy = policy or HttpPolicy()
        self._http = vendor_session(self.policy, session)

    # ---- bases ---------------------------------------------------------------------------------
    def bases(self) -> Rows[ContactBase]:
        call = Call(VENDOR, "contact_bases.list")
        return parse_rows(ContactBase, self._read(call, "/api/contact_bases.json"), call)

    def base(self, base_id: str | int) -> ContactBase | None:
        """One base, or None if there is no such base."""
        return self._read_one(ContactBase, Call(VENDOR, "contact_bases.get"), _base_path(base_id) + ".json")

    # ---- contacts ------------------------------------------------------------------------------
    def contacts(self, base_id: str | int) -> Rows[BaseContact]:
        """Every contact of a base (the API documents no paging)."""
        call = Call(VENDOR, "contacts.list")
        return parse_rows(BaseContact, self._read(call, f"{_base_path(base_id)}/contacts.json"), call)

    def contact(self, base_id: str | int, contact_id: str | int) -> BaseContact | None:
        path = f"{_base_path(base_id)}/contacts/{_segment(contact_id)}.json"
        return self._read_one(BaseContact, Call(VENDOR, "contacts.get"), path)

    def find_by_external(self, base_id: str | int, external_code: str) -> BaseContact | None:
        """The contact uploaded with that external code (the hub's contact id), or None."""
        path = f"{_base_path(base_id)}/contacts/find_by_external/{_segment(external_code)}.json"
        return self._read_one(BaseContact, Call(VENDOR, "contacts.find_by_external"), path)

    def create_contact(self, base_id: str | int, contact: ContactForm) -> BaseContact:
        """Add a contact to a base. Never resent by the transport: a lost answer may hide a contact
        added, which `upsert_contact` then finds by its external code."""
        call = Call(VENDOR, "contacts.create", "POST")
        form = contact.fields(replace_phones=False)
        if not form:
            raise BadRequest("a new Obzvonilka contact needs at least one field")
        body = self._write(call, f"{_base_path(base_id)}/contacts.json", form)
        return parse_one(BaseContact, body, call)

    def update_contact(self, base_id: str | int, contact_id: str | int, contact: ContactForm) -> BaseContact:
        call = Call(VENDOR, "contacts.update", "PATCH")
        form = contact.fields(replace_phones=True)
        if not form:
            raise BadRequest("an Obzvonilka contact update needs at least one field")
        path = f"{_base_path(base_id)}/contacts/{_segment(contact_id)}.json"
        return parse_one(BaseContact, self._write(call, path, form), call)

    def upsert_contact(self, base_id: str | int, entry: ContactForm) -> BaseContact:
        """Write a contact keyed by its external code: find it, then PATCH it, else POST it, so a push
        sent again never leaves a second copy in the base."""
        if not entry.external_code:
            raise BadRequest("an upsert into Obzvonilka needs the contact's external code")
        found = self.find_by_external(base_id, entry.external_code)
        if found is None:
            return self.create_contact(base_id, entry)
        return self.update_contact(base_id, found.id, entry)

    # ---- users ---------------------------------------------------------------------------------
    def users(self) -> Rows[ObzvonilkaUser]:
        call = Call(VENDOR, "users.list")
        return parse_rows(ObzvonilkaUser, self._read(call, "/api/users.json"), call)

    def user(self, user_id: str | int) -> ObzvonilkaUser | None:
        return self._read_one(
            ObzvonilkaUser, Call(VENDOR, "users.get"), f"/api/users/{_segment(user_id)}.json"
        )

    # ---- transport -----------------------------------------------------------------------------
    def _auth(self) -> dict[str, Any]:
        if self._key_header:
            return {"headers": {self._key_header: self._api_key}}
        return {"params": {"api_key": self._api_key}}

    def _read(self, call: Call, path: str, *, missing_ok: bool = False) -> Any:
        """A GET's JSON; None for a 404 when the caller asked for one thing that may not exist."""
        response = send(self._http, call, f"{self.base_url}{path}", self.policy, **self._auth())
        if missing_ok and response.status_code == 404:
            return None
        return json_body(checked(response, call), call)

    def _read_one(self, model: type[Answer], call: Call, path: str) -> Answer | None:
        """One object, or None when there is no such thing (a 404)."""
        body = self._read(call, path, missing_ok=True)
        return None if body is None else parse_one(model, body, call)

    def _write(self, call: Call, path: str, form: dict[str, str]) -> Any:
        response = send(self._http, call, f"{self.base_url}{path}", self.policy, data=form, **self._auth())
        return json_body(checked(response, call), call)


def _segment(value: str | int) -> str:
    """An id or code as one path segment (a `/` or `..` in an external code cannot reach another path)."""
    text = str(value).strip()
    if not text or text in (".", ".."):
        raise BadRequest("an Obzvonilka id or code must not be empty")
    return quote(text, safe="")


def _base_path(base_id: str | int) -> str:
    return f"/api/contact_bases/{_segment(base_id)}"
