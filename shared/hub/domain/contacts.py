"""Creating and changing contacts: numbers normalized, index kept with the contact, versions checked."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict, InvalidPhone, NotFound
from hub.ids import new_id, now_ms
from hub.models.common import LooseStr
from hub.models.contact import MAX_PHONES, Contact, ContactPhone, ContactType, PhoneEntry
from hub.phones import normalize_phone


class ContactRepository(Protocol):
    def phone_entries(self, tenant: str, e164: str) -> list[PhoneEntry]: ...
    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None: ...
    def contact_id_by_external_code(self, tenant: str, vendor: str, code: str) -> str | None: ...
    def create(
        self, contact: Contact, unique_key: str | None = None, stale_owner: str | None = None
    ) -> None: ...
    def unique_owner(self, tenant: str, unique_key: str) -> str | None: ...
    def add_event(self, tenant: str, contact_id: str, event: dict[str, Any]) -> None: ...
    def update(self, old: Contact, new: Contact) -> None: ...
    def delete(self, contact: Contact) -> None: ...


ExternalCode = Annotated[LooseStr, Field(min_length=1, max_length=100)]


class PhoneInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: LooseStr = Field(max_length=64)
    remark: LooseStr | None = Field(default=None, max_length=200)


class ContactInput(BaseModel):
    """A contact as a person, an import file or an integration gives it: numbers in any local form."""

    model_config = ConfigDict(extra="forbid")

    type: ContactType = ContactType.CONTACT
    name: LooseStr | None = Field(default=None, max_length=300)
    company: LooseStr | None = Field(default=None, max_length=300)
    description: LooseStr | None = Field(default=None, max_length=4000)
    email: LooseStr | None = Field(default=None, max_length=254)
    address: LooseStr | None = Field(default=None, max_length=500)
    www: LooseStr | None = Field(default=None, max_length=500)
    phones: list[PhoneInput] = Field(default_factory=list)
    # The contact's id in another system (a vendor, the tenant's CRM): unique per tenant and system.
    external_codes: dict[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")], ExternalCode] = Field(
        default_factory=dict, max_length=10
    )
    responsible_employee_id: str | None = Field(default=None, max_length=40)
    source: LooseStr | None = Field(default=None, max_length=300)


def normalize_phones(phones: list[PhoneInput], default_country: str) -> list[ContactPhone]:
    """E.164 each number, drop repeats (the first remark wins), and keep at most MAX_PHONES."""
    normalized: dict[str, ContactPhone] = {}
    for position, phone in enumerate(phones):
        try:
            e164 = normalize_phone(phone.number, default_country)
        except InvalidPhone as exc:
            raise InvalidPhone(exc.message, details={"phone_index": position}) from exc
        normalized.setdefault(e164, ContactPhone(e164=e164, raw=phone.number, remark=phone.remark))
    if len(normalized) > MAX_PHONES:
        raise BadRequest(f"a contact has at most {MAX_PHONES} phone numbers", code="too_many_phones")
    return list(normalized.values())


# -- search by name -------------------------------------------------------------------------------

# How many words of a contact's name and company are indexed: each is one index item written with the
# contact, so this bounds a contact write. Eight cover "Name Patronymic Surname" plus a long company.
MAX_NAME_WORDS = 8
# A word's share of a 1024-byte sort key, in characters (at most 4 bytes each in UTF-8).
MAX_WORD_LENGTH = 64
# Ukrainian names are written with any of these (Мар'яна, Мар’яна, Марʼяна) or none: all compare equal.
_APOSTROPHES = dict.fromkeys(map(ord, "'`´ʹʻʼʽ‘’′"))
_WORD = re.compile(r"\w+")


def name_words(text: str | None) -> list[str]:
    """The words of `text` as search compares them: case-folded, ё read as е, apostrophes dropped,
    split at spaces, hyphens and punctuation; distinct, in order."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").translate(_APOSTROPHES)
    return list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in _WORD.findall(folded)))


def contact_name_words(contact: Contact) -> list[str]:
    """The words a contact is found by: its name's, then its company's, at most MAX_NAME_WORDS."""
    words = dict.fromkeys([*name_words(contact.name), *name_words(contact.company)])
    return list(words)[:MAX_NAME_WORDS]


def matches_name(words: list[str], query: list[str]) -> bool:
    """Every word of the query starts some word of the name ("бер" finds "Анастасия Березкина")."""
    return all(any(word.startswith(part) for word in words) for part in query)


class ContactService:
    def __init__(self, repo: ContactRepository) -> None:
        self.repo = repo

    def create(
        self,
        context: TenantContext,
        data: ContactInput,
        created_by: str | None = None,
        unique_key: str | None = None,
        stale_owner: str | None = None,
        contact_id: str | None = None,
    ) -> Contact:
        """A new contact. With `unique_key`, at most one existing contact is ever created under that key
        (`stale_owner`: a deleted contact that held the key, whose claim may be replaced). With
        `contact_id`, the contact gets that id, and a second create with it is a Conflict."""
        _check_responsible(context, data.responsible_employee_id)
        now = now_ms()
        contact = Contact(
            id=contact_id or new_id(),
            tenant=context.slug,
            **data.model_dump(exclude={"phones"}),
            phones=normalize_phones(data.phones, context.tenant.default_country),
            created_by=created_by,
            created_at=now,
            updated_at=now,
            version=1,
        )
        self.repo.create(contact, unique_key=unique_key, stale_owner=stale_owner)
        return contact

    def create_once(
        self, context: TenantContext, data: ContactInput, unique_key: str, created_by: str | None = None
    ) -> Contact:
        """The contact created under `unique_key`: this one, or the one a concurrent or earlier call
        created (a retried message must not make a second lead)."""
        owner = self.repo.unique_owner(context.slug, unique_key)
        for _ in range(3):
            if owner is not None:
                # Strongly consistent: a lead another worker created a moment ago must not look deleted.
                existing = self.repo.get(context.slug, owner, consistent=True)
                if existing is not None:
                    return existing
                # Its contact was deleted since: the key is free again (a deleted lead calls back).
            try:
                return self.create(
                    context, data, created_by=created_by, unique_key=unique_key, stale_owner=owner
                )
            except Conflict:
                owner = self.repo.unique_owner(context.slug, unique_key)
                if owner is None:
                    raise
        raise Conflict("the contact kept changing while it was created; retry", code="busy_contact")

    def create_with_id(
        self, context: TenantContext, data: ContactInput, contact_id: str, created_by: str | None = None
    ) -> Contact:
        """The contact created under a deterministic `contact_id`: this one, or the one an earlier run
        of the same work created (a replayed import row must not make a second contact)."""
        try:
            return self.create(context, data, created_by=created_by, contact_id=contact_id)
        except Conflict:
            made = self.repo.get(context.slug, contact_id, consistent=True)
            if made is None:
                raise
            return made

    def get(self, context: TenantContext, contact_id: str, consistent: bool = False) -> Contact:
        contact = self.repo.get(context.slug, contact_id, consistent=consistent)
        if contact is None:
            raise NotFound("no such contact")
        return contact

    def update(
        self,
        context: TenantContext,
        contact_id: str,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> Contact:
        """Apply `changes` (ContactInput fields); a stale version or a racing writer is a Conflict."""
        current = self.get(context, contact_id, consistent=True)
        if expected_version is not None and expected_version != current.version:
            raise Conflict("the contact was changed by someone else", code="version_mismatch")
        merged = ContactInput.model_validate({**_as_input(current), **changes})
        _check_responsible(context, merged.responsible_employee_id)
        updated = current.model_copy(
            update={
                **merged.model_dump(exclude={"phones"}),
                "phones": normalize_phones(merged.phones, context.tenant.default_country),
                "updated_at": max(now_ms(), current.updated_at + 1),
                "version": current.version + 1,
            }
        )
        self.repo.update(current, updated)
        return updated

    def delete(self, context: TenantContext, contact_id: str, expected_version: int | None = None) -> None:
        """The contact, its index entries and its timeline; the calls stay, as records of what happened."""
        current = self.get(context, contact_id, consistent=True)
        if expected_version is not None and expected_version != current.version:
            raise Conflict("the contact was changed by someone else", code="version_mismatch")
        self.repo.delete(current)

    def with_number(self, context: TenantContext, number: str) -> list[Contact]:
        """Every contact holding the number, in any local form; an unparseable number holds nobody."""
        try:
            e164 = normalize_phone(number, context.tenant.default_country)
        except InvalidPhone:
            return []
        found = (
            self.repo.get(context.slug, entry.id) for entry in self.repo.phone_entries(context.slug, e164)
        )
        return sorted((c for c in found if c is not None), key=lambda c: (c.created_at, c.id))

    def add_event(
        self,
        context: TenantContext,
        contact_id: str,
        kind: str,
        subject: str | None,
        description: str | None,
        author_id: str | None,
    ) -> str:
        """An event on the contact's timeline; returns its id. An unknown contact is NotFound."""
        event = {
            "id": new_id(),
            "kind": kind,
            "subject": subject,
            "description": description,
            "author_employee_id": author_id,
            "at": now_ms(),
        }
        try:
            self.repo.add_event(context.slug, contact_id, {k: v for k, v in event.items() if v is not None})
        except Conflict as exc:
            raise NotFound("no such contact") from exc
        return str(event["id"])

    def find_by_external_code(self, context: TenantContext, vendor: str, code: str) -> Contact | None:
        contact_id = self.repo.contact_id_by_external_code(context.slug, vendor, code)
        return self.repo.get(context.slug, contact_id) if contact_id else None

    def merge(
        self,
        context: TenantContext,
        data: ContactInput,
        created_by: str | None = None,
        contact_id: str | None = None,
    ) -> Contact:
        """The contact holding `data`'s external code, else its numbers, updated with what `data` gives
        (numbers and codes added, other given fields replaced); a new contact when nobody matches.
        Two different matches are ambiguous and change nothing. With `contact_id`, a new contact gets
        that id, and once it exists the merge is done: a replay returns it and changes nothing."""
        if contact_id is not None:
            made = self.repo.get(context.slug, contact_id, consistent=True)
            if made is not None:
                return made
        match = self._match(context, data)
        if match is None:
            if contact_id is not None:
                return self.create_with_id(context, data, contact_id, created_by=created_by)
            return self.create(context, data, created_by=created_by)
        given = data.model_dump(exclude_none=True, exclude_unset=True, exclude={"phones", "external_codes"})
        held = set(match.phone_numbers())
        added = [
            {"number": phone.raw, "remark": phone.remark}
            for phone in normalize_phones(data.phones, context.tenant.default_country)
            if phone.e164 not in held
        ]
        changes = {
            **given,
            "phones": [*_as_input(match)["phones"], *added],
            "external_codes": {**match.external_codes, **data.external_codes},
        }
        return self.update(context, match.id, changes, expected_version=match.version)

    def _match(self, context: TenantContext, data: ContactInput) -> Contact | None:
        ids = {
            found
            for vendor, code in data.external_codes.items()
            if (found := self.repo.contact_id_by_external_code(context.slug, vendor, code))
        }
        if not ids:
            numbers = normalize_phones(data.phones, context.tenant.default_country)
            ids = {
                entry.id for phone in numbers for entry in self.repo.phone_entries(context.slug, phone.e164)
            }
        if len(ids) > 1:
            raise Conflict(
                "the row matches more than one contact", code="ambiguous_match", details={"ids": sorted(ids)}
            )
        return self.repo.get(context.slug, ids.pop(), consistent=True) if ids else None


def _as_input(contact: Contact) -> dict[str, Any]:
    data = contact.model_dump(include=set(ContactInput.model_fields) - {"phones"})
    data["phones"] = [{"number": p.raw, "remark": p.remark} for p in contact.phones]
    return data


def _check_responsible(context: TenantContext, employee_id: str | None) -> None:
    if employee_id is not None and employee_id not in context.employees:
        raise BadRequest(
            "the responsible employee is not an employee of this tenant", code="unknown_employee"
        )
