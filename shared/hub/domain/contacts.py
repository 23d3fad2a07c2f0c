"""Creating and changing contacts: numbers normalized, index kept with the contact, versions checked."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict, InvalidPhone, NotFound
from hub.ids import new_id, now_ms
from hub.models.common import LooseStr
from hub.models.contact import (
    ADDRESS_LENGTH,
    DESCRIPTION_LENGTH,
    EMAIL_LENGTH,
    EXTERNAL_CODE_LENGTH,
    EXTERNAL_SYSTEM,
    EXTRA_NAME_LENGTH,
    EXTRA_VALUE_LENGTH,
    ID_LENGTH,
    MAX_EXTERNAL_CODES,
    MAX_EXTRA_FIELDS,
    MAX_EXTRA_VALUES,
    MAX_PHONES,
    NAME_LENGTH,
    PHONE_LENGTH,
    REMARK_LENGTH,
    Contact,
    ContactPhone,
    ContactType,
)
from hub.names import contact_name_words, matches_name, name_words
from hub.phones import normalize_phone
from hub.ports import ContactRepository, Page

ExternalCode = Annotated[LooseStr, Field(min_length=1, max_length=EXTERNAL_CODE_LENGTH)]
ExternalSystem = Annotated[str, Field(pattern=rf"^{EXTERNAL_SYSTEM}$")]
ExtraName = Annotated[LooseStr, Field(min_length=1, max_length=EXTRA_NAME_LENGTH)]
ExtraValues = Annotated[
    list[Annotated[LooseStr, Field(max_length=EXTRA_VALUE_LENGTH)]], Field(max_length=MAX_EXTRA_VALUES)
]


class PhoneInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: LooseStr = Field(max_length=PHONE_LENGTH)
    remark: LooseStr | None = Field(default=None, max_length=REMARK_LENGTH)


class ContactInput(BaseModel):
    """A contact as a person, an import file or an integration gives it: numbers in any local form."""

    model_config = ConfigDict(extra="forbid")

    type: ContactType = ContactType.CONTACT
    name: LooseStr | None = Field(default=None, max_length=NAME_LENGTH)
    company: LooseStr | None = Field(default=None, max_length=NAME_LENGTH)
    description: LooseStr | None = Field(default=None, max_length=DESCRIPTION_LENGTH)
    email: LooseStr | None = Field(default=None, max_length=EMAIL_LENGTH)
    address: LooseStr | None = Field(default=None, max_length=ADDRESS_LENGTH)
    www: LooseStr | None = Field(default=None, max_length=ADDRESS_LENGTH)
    phones: list[PhoneInput] = Field(default_factory=list)
    # The contact's id in another system (a vendor, the tenant's CRM): unique per tenant and system.
    external_codes: dict[ExternalSystem, ExternalCode] = Field(
        default_factory=dict, max_length=MAX_EXTERNAL_CODES
    )
    responsible_employee_id: str | None = Field(default=None, max_length=ID_LENGTH)
    source: LooseStr | None = Field(default=None, max_length=NAME_LENGTH)
    category: LooseStr | None = Field(default=None, max_length=NAME_LENGTH)
    # Fields of the system the contact came from that the hub has no place for, kept as given.
    extra_fields: dict[ExtraName, ExtraValues] = Field(default_factory=dict, max_length=MAX_EXTRA_FIELDS)
    origin_created_at: int | None = Field(default=None, ge=0)
    origin_updated_at: int | None = Field(default=None, ge=0)


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
    ) -> tuple[Contact, bool]:
        """The contact created under `unique_key`, and whether this call created it (else a concurrent
        or earlier call did: a retried message must not make a second lead)."""
        owner = self.repo.unique_owner(context.slug, unique_key)
        for _ in range(3):
            if owner is not None:
                # Strongly consistent: a lead another worker created a moment ago must not look deleted.
                existing = self.repo.get(context.slug, owner, consistent=True)
                if existing is not None:
                    return existing, False
                # Its contact was deleted since: the key is free again (a deleted lead calls back).
            try:
                made = self.create(
                    context, data, created_by=created_by, unique_key=unique_key, stale_owner=owner
                )
            except Conflict:
                owner = self.repo.unique_owner(context.slug, unique_key)
                if owner is None:
                    raise
            else:
                return made, True
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

    def check(self, context: TenantContext, data: dict[str, Any]) -> None:
        """Refuse what create or update would refuse in `data` alone (ContactInput fields): a form
        checks every field before it saves, so a person sees all that is wrong at once."""
        checked = ContactInput.model_validate(data)
        _check_responsible(context, checked.responsible_employee_id)
        normalize_phones(checked.phones, context.tenant.default_country)

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

    def holders(self, context: TenantContext, e164: str) -> list[str]:
        """The ids of the contacts holding an E.164 number: one read of the phone index."""
        return [entry.id for entry in self.repo.phone_entries(context.slug, e164)]

    def find(
        self,
        context: TenantContext,
        *,
        limit: int,
        phone: str | None = None,
        external_code: tuple[str, str] | None = None,
        name: str | None = None,
        contact_type: ContactType | None = None,
        updated_since: int | None = None,
    ) -> list[Contact]:
        """The contacts holding an external code (system, code) or a number, narrowed by the other
        filters: a key lookup, so a handful of contacts and no paging."""
        if external_code is not None:
            found = self.find_by_external_code(context, external_code[0], external_code[1].strip())
            contacts = [found] if found else []
        else:
            contacts = self.with_number(context, phone or "")
        query = name_words(name)
        return [
            c
            for c in contacts
            if (not name or (bool(query) and matches_name(contact_name_words(c), query)))
            and (contact_type is None or c.type == contact_type)
            and (updated_since is None or c.updated_at >= updated_since)
        ][:limit]

    def page(
        self,
        context: TenantContext,
        *,
        limit: int,
        start: dict[str, str] | None = None,
        name: str | None = None,
        contact_type: ContactType | None = None,
        updated_since: int | None = None,
    ) -> Page[Contact]:
        """A page of the tenant's contacts: by name, or oldest change first with `updated_since`."""
        return self.repo.list_contacts(
            context.slug,
            limit=limit,
            start=start,
            name=name,
            contact_type=contact_type.value if contact_type else None,
            updated_since=updated_since,
        )

    def by_name(self, context: TenantContext, name: str, limit: int = 50) -> list[Contact]:
        """Contacts with a word of their name or company starting with each word of `name`."""
        return self.repo.by_name(context.slug, name, limit=limit)

    def timeline(self, context: TenantContext, contact_id: str) -> list[dict[str, Any]]:
        """The events on the contact's timeline (calls, SMS, notes), newest first."""
        return list(reversed(self.repo.events(context.slug, contact_id)))

    def call_uuids(self, context: TenantContext, contact_id: str) -> list[str]:
        """The contact's calls, newest first."""
        return list(reversed(self.repo.timeline_call_uuids(context.slug, contact_id)))

    def merge(
        self,
        context: TenantContext,
        data: ContactInput,
        created_by: str | None = None,
        contact_id: str | None = None,
    ) -> Contact:
        """`merge_outcome`'s contact."""
        return self.merge_outcome(context, data, created_by, contact_id)[0]

    def merge_outcome(
        self,
        context: TenantContext,
        data: ContactInput,
        created_by: str | None = None,
        contact_id: str | None = None,
    ) -> tuple[Contact, Literal["created", "updated", "unchanged"]]:
        """The contact holding `data`'s external code, else its numbers, updated with what `data` gives
        (numbers and codes added, other given fields replaced); a new contact when nobody matches.
        Two different matches are ambiguous and change nothing. With `contact_id`, a new contact gets
        that id, and once it exists the merge is done: a replay returns it and changes nothing.
        A match that already holds everything `data` gives is left as it is ("unchanged": no new
        version, no write), so importing the same rows again moves nothing."""
        if contact_id is not None:
            made = self.repo.get(context.slug, contact_id, consistent=True)
            if made is not None:
                return made, "created"
        match = self._match(context, data)
        if match is None:
            if contact_id is not None:
                return self.create_with_id(context, data, contact_id, created_by=created_by), "created"
            return self.create(context, data, created_by=created_by), "created"
        changes = self.merge_changes(context, match, data)
        if changes is None:
            return match, "unchanged"
        return self.update(context, match.id, changes, expected_version=match.version), "updated"

    def merge_changes(
        self, context: TenantContext, match: Contact, data: ContactInput
    ) -> dict[str, Any] | None:
        """What merging `data` into `match` would change (numbers and codes added, other given fields
        replaced); None when `match` already holds all of it. A sync asks this before it decides
        whether two sides really disagree."""
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
        if (
            ContactInput.model_validate({**_as_input(match), **changes}).model_dump()
            == ContactInput.model_validate(_as_input(match)).model_dump()
        ):
            return None
        return changes

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
