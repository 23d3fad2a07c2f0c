"""Phonet's contact book in the hub's terms: a book contact (hub.vendors.phonet.book.PhonetContact)
becomes the hub's ContactInput, the one shape every import goes through.

The `enumCode`s differ per account ("Телефон", "Phone", "Категория", "Category"), so which code fills
which hub field is the tenant's setting (TenantSettings.phonet_book_fields, defaults in
hub.models.tenant.PHONET_BOOK_FIELDS). Nothing the book holds is dropped: a code mapped to no field
is kept in the contact's `extra_fields` under the code as the account spells it, and so is a phone
that does not read as a number or one past the hub's MAX_PHONES (under `phonet:phones_over_limit`,
and the row's result says so). The Phonet id is the contact's `phonet` external code, so a second
import finds and updates the contact it made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hub.domain.contacts import ContactInput
from hub.domain.imports import overflow_key
from hub.errors import InvalidPhone
from hub.models.contact import (
    EMAIL_LENGTH,
    EXTRA_NAME_LENGTH,
    EXTRA_VALUE_LENGTH,
    MAX_EXTRA_FIELDS,
    MAX_EXTRA_VALUES,
    MAX_PHONES,
    NAME_LENGTH,
    PHONE_LENGTH,
    REMARK_LENGTH,
)
from hub.phones import normalize_phone
from hub.vendors.phonet.book import PhonetContact

SOURCE = "phonet"  # the external-code system and the import job's source
UNMAPPED_RESPONSIBLE = "phonet:responsibleUserId"  # a responsible user no employee stands for
UNREADABLE_PHONES = "phonet:unreadable_phones"  # numbers the tenant's country cannot read


@dataclass(frozen=True)
class Skipped:
    """A book contact that is no hub contact: `code` and `message` say why."""

    ref: str
    code: str
    message: str


@dataclass
class BookRows:
    """A whole book read: the rows to import (ContactInput dicts, the book's order) and the skipped."""

    rows: list[dict[str, object]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def employees_by_user(managed: Mapping[str, str]) -> dict[str, str]:
    """The users sync's `managed` (employee id -> Phonet user id) turned round: Phonet user -> employee."""
    return {str(user): employee for employee, user in sorted(managed.items())}


def to_contact_input(
    contact: PhonetContact,
    fields: Mapping[str, str],
    country: str,
    employees: Mapping[str, str] | None = None,
) -> ContactInput | Skipped:
    """`contact` as a hub contact; Skipped when it has neither a name, a company nor a phone.

    `fields`: enumCode -> hub field (`first_name`, `last_name`, `phone`, `email`, `company`,
    `category`); `employees`: Phonet user id -> employee id (from the users sync)."""
    by_field: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    for book_field in contact.fields:
        code = (book_field.enum_code or "").strip()
        values = [v.value.strip() for v in book_field.values if v.value and v.value.strip()]
        if not values:
            continue
        target = fields.get(code) or fields.get(code.casefold())
        if target:
            by_field.setdefault(target, []).extend(values)
        else:
            extra.setdefault(code or "?", []).extend(values)

    first = contact.first_name or _first(by_field.get("first_name"))
    last = contact.last_name or _first(by_field.get("last_name"))
    name = " ".join(part.strip() for part in (first, last) if part and part.strip()) or None
    company = (contact.company_title or "").strip() or _first(by_field.get("company"))
    _extra_rest(extra, "first_name", by_field, first, fields)
    _extra_rest(extra, "last_name", by_field, last, fields)
    _extra_rest(extra, "company", by_field, company, fields)

    phones, unreadable, over = _phones(contact, by_field.get("phone", []), country)
    if unreadable:
        extra[UNREADABLE_PHONES] = unreadable
    if over:
        extra[overflow_key(SOURCE)] = over
    email = _one_of(by_field.get("email", []), EMAIL_LENGTH, _code_of(fields, "email"), extra)
    category = _one_of(by_field.get("category", []), NAME_LENGTH, _code_of(fields, "category"), extra)

    if not (name or company or phones):
        return Skipped(contact.id, "no_name_or_phone", "the book contact has no name, company or phone")

    responsible = None
    if contact.responsible_user_id:
        responsible = (employees or {}).get(contact.responsible_user_id)
        if responsible is None:
            extra[UNMAPPED_RESPONSIBLE] = [contact.responsible_user_id]
    return ContactInput(
        name=name[:NAME_LENGTH] if name else None,
        company=company[:NAME_LENGTH] if company else None,
        email=email,
        phones=phones,
        category=category,
        external_codes={SOURCE: contact.id},
        responsible_employee_id=responsible,
        extra_fields=_bounded(extra),
        origin_created_at=contact.date_create,
        origin_updated_at=contact.last_modified,
        source="phonet_book",
    )


def book_rows(
    contacts: Iterable[PhonetContact],
    fields: Mapping[str, str],
    country: str,
    employees: Mapping[str, str] | None = None,
) -> BookRows:
    """Every contact translated; one met twice (the book moved under the pages) counts once."""
    read = BookRows()
    seen: set[str] = set()
    for contact in contacts:
        if contact.id in seen:
            continue
        seen.add(contact.id)
        made = to_contact_input(contact, fields, country, employees)
        if isinstance(made, Skipped):
            read.skipped.append(made)
        else:
            read.rows.append(made.model_dump(mode="json", exclude_defaults=True))
    return read


def _phones(
    contact: PhonetContact, numbers: list[str], country: str
) -> tuple[list[dict[str, str | None]], list[str], list[str]]:
    """(up to MAX_PHONES distinct readable phones, with their kind as remark; the unreadable; the
    readable ones past the limit)."""
    kinds = {(v.value or "").strip(): v.enum_value_code for f in contact.fields for v in f.values if v.value}
    kept: dict[str, dict[str, str | None]] = {}
    unreadable: list[str] = []
    over: list[str] = []
    for number in numbers:
        try:
            e164 = normalize_phone(number[:PHONE_LENGTH], country) if len(number) <= PHONE_LENGTH else None
        except InvalidPhone:
            e164 = None
        if e164 is None:
            unreadable.append(number)
        elif e164 in kept or e164 in over:
            continue
        elif len(kept) < MAX_PHONES:
            remark = kinds.get(number)
            kept[e164] = {"number": e164, "remark": remark[:REMARK_LENGTH] if remark else None}
        else:
            over.append(e164)
    return list(kept.values()), unreadable, over


def _one_of(values: list[str], limit: int, code: str, extra: dict[str, list[str]]) -> str | None:
    """The first value that fits the hub's field; the others are kept as extras under `code`."""
    distinct = list(dict.fromkeys(values))
    kept = next((v for v in distinct if len(v) <= limit), None)
    rest = [v for v in distinct if v != kept]
    if rest:
        extra.setdefault(code, []).extend(rest)
    return kept


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _extra_rest(
    extra: dict[str, list[str]],
    target: str,
    by_field: dict[str, list[str]],
    kept: str | None,
    fields: Mapping[str, str],
) -> None:
    """A field's values the hub did not take (a second first name) are kept as extras."""
    rest = [v for v in by_field.get(target, []) if v != kept]
    if rest:
        extra.setdefault(_code_of(fields, target), []).extend(rest)


def _code_of(fields: Mapping[str, str], target: str) -> str:
    return next((code for code, name in fields.items() if name == target), target)


def _bounded(extra: dict[str, list[str]]) -> dict[str, list[str]]:
    """Within ContactInput's limits; what would not fit is cut here, where it is visible, rather than
    refused (a contact with a 600-character note field is still a contact)."""
    bounded: dict[str, list[str]] = {}
    for code, values in list(extra.items())[:MAX_EXTRA_FIELDS]:
        bounded[code[:EXTRA_NAME_LENGTH]] = [v[:EXTRA_VALUE_LENGTH] for v in values[:MAX_EXTRA_VALUES]]
    return bounded
