"""The contact card (editing, notes, naming a lead, click-to-call, the do-not-call toggle), the search
and the new-contact form.

Every error a form shows is a label of the page's language, next to its field: the domain's messages
(and pydantic's) are English and for the API, so a form reads only their codes and locations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import ValidationError

from hub import pages
from hub.domain.cards import named_by_number
from hub.domain.contacts import ContactInput
from hub.domain.dialing import CallTarget
from hub.errors import Conflict, HubError, InvalidPhone, LimitExceeded, NotFound
from hub.http import http_status
from hub.models.contact import DESCRIPTION_LENGTH, MAX_PHONES, Contact, ContactType
from hub.models.do_not_call import ListedBy
from hub.pages import formats
from hub.pages.web import Page, posted_version

logger = Logger()
router = Router()

# What the card may say after its own forms (`?notice=`), besides the Call and do-not-call notices.
CONTACT_GOOD_NOTICES = frozenset({"saved", "note_added", "converted"})
CONTACT_NOTICES = CONTACT_GOOD_NOTICES | {"note_empty", "note_too_long"}
# The fields a person edits on the form, as ContactInput names them (phones apart: one row each).
EDITED = (
    "type",
    "name",
    "company",
    "email",
    "address",
    "www",
    "responsible_employee_id",
    "source",
    "description",
)
# A person's address as a mail program takes it: one @, a dot in the domain, no spaces. The API keeps
# what an integration sends; the form helps a person who mistyped.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


@router.get("/app/<tenant>/search")
def search(tenant: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    phone, name = page.query.get("phone", "").strip(), page.query.get("name", "").strip()
    contacts = []
    if phone:
        contacts = page.services.contacts.with_number(page.context, phone)
    elif name:
        contacts = page.services.contacts.by_name(page.context, name)
    return page.html("search.html", phone=phone, name=name, contacts=contacts, searched=bool(phone or name))


@router.get("/app/<tenant>/contacts/new")
def new_contact_form(tenant: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    form = {"phone": page.query.get("phone", ""), "type": "contact"}
    return page.html("new_contact.html", form=form, errors={}, holders=number_holders(page, form["phone"]))


def number_holders(page: Page, phone: str) -> list[Any]:
    """Who already has the number the form is about to be filled with: several contacts may share a
    number, so the form still creates one, but says whose it is first."""
    return page.services.contacts.with_number(page.context, phone) if phone.strip() else []


@router.post("/app/<tenant>/contacts/new")
def create_contact(tenant: str) -> Response:
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    form, employee = page.form, page.signed_in
    given = {
        "type": form.get("type") or "contact",
        "name": form.get("name") or None,
        "company": form.get("company") or None,
        "email": form.get("email") or None,
        "description": form.get("description") or None,
        "phones": [{"number": form.get("phone", "")}],
        "responsible_employee_id": employee.id if employee.id in page.context.employees else None,
    }
    errors = checked(page, given, ["phone"]) | typed_errors(page, form, ["phone"])
    if not errors:
        try:
            data = ContactInput.model_validate(given)
            contact = page.services.contacts.create(page.context, data, created_by=employee.id)
        except (HubError, ValidationError) as exc:
            errors = field_errors(page, exc, ["phone"])
        else:
            return page.redirect(f"{page.base}/contacts/{contact.id}")
    holders = number_holders(page, form.get("phone", ""))
    return page.html("new_contact.html", 400, form=form, errors=errors, holders=holders)


@router.get("/app/<tenant>/contacts/<contact_id>")
def contact_card(tenant: str, contact_id: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    return card_page(page, contact_id, notice=page.query.get("notice", ""))


def card_page(page: Page, contact_id: str, status: int = 200, notice: str = "", **naming: Any) -> Response:
    """The card, with a notice of its allow-list (a key, never free text) and, after a refused
    naming of a lead, what the person typed and why it was refused (`naming`)."""
    try:
        card = page.services.cards.card(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    known = notice in pages.CARD_NOTICES or notice in CONTACT_NOTICES
    return page.html(
        "contact.html",
        status,
        notice=notice if known else None,
        notice_text=page.labels[notice].format(DESCRIPTION_LENGTH) if known else None,
        good_notices=pages.GOOD_NOTICES | CONTACT_GOOD_NOTICES,
        listed=page.services.do_not_call.listed_among(page.context, card.contact.phone_numbers()),
        contact=card.contact,
        heading=heading(page, card.contact),
        needs_name=card.needs_name,
        named_by_number=named_by_number(card.contact),
        calls=card.calls,
        callbacks=card.callbacks,
        events=card.events,
        responsible=card.responsible,
        employees=page.context.employees,
        presence=card.presence,
        here=card_path(page, card.contact.id),
        note_limit=DESCRIPTION_LENGTH,
        # a lead named by its number gets an empty field: its "name" is no name to start from
        naming={
            "name": "" if named_by_number(card.contact) else card.contact.name or "",
            "error": None,
            **naming,
        },
    )


def heading(page: Page, contact: Contact) -> str:
    """The card's title: a contact known only by its number shows it as the tenant's people write it."""
    shown = contact.display_name
    if shown in contact.phone_numbers():
        return formats.format_phone(shown, page.tenant.default_country)
    return shown


def card_path(page: Page, contact_id: str, notice: str | None = None) -> str:
    path = f"{page.base}/contacts/{quote(contact_id, safe='')}"
    return f"{path}?notice={notice}" if notice else path


@router.get("/app/<tenant>/contacts/<contact_id>/edit")
def edit_form(tenant: str, contact_id: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    try:
        contact = page.services.contacts.get(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    return edit_page(page, contact, ContactForm.of(contact))


@router.post("/app/<tenant>/contacts/<contact_id>/edit")
def save_contact(tenant: str, contact_id: str) -> Response:
    """The edit form saved as one change, if nobody changed the contact since the form was opened
    (its `version`): else the form again, with what the card holds now beside the person's input,
    so nothing typed is lost and nothing of the other change is overwritten unseen."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    try:
        contact = page.services.contacts.get(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    form = ContactForm.posted(page.form, contact)
    fields = form.phone_fields()
    errors = (
        checked(page, form.changes(), fields) | typed_errors(page, form.values, []) | form.phone_errors(page)
    )
    if not errors:
        try:
            page.services.contacts.update(
                page.context, contact.id, form.changes(), expected_version=form.version
            )
        except Conflict as exc:
            if exc.code not in ("version_mismatch", "conflict"):
                errors = {"form": page.labels["error"]}
            else:
                logger.info("contact changed meanwhile", extra={"code": exc.code})
                current = page.services.contacts.get(page.context, contact.id, consistent=True)
                kept = replace(form, version=current.version)  # saving again is a choice made seeing both
                return edit_page(page, current, kept, status=409, conflict=True)
        except (HubError, ValidationError) as exc:
            errors = field_errors(page, exc, fields)
        else:
            return page.redirect(card_path(page, contact.id, "saved"))
    return edit_page(page, contact, form, status=400, errors=errors)


def edit_page(
    page: Page,
    contact: Contact,
    form: ContactForm,
    status: int = 200,
    errors: dict[str, str] | None = None,
    conflict: bool = False,
) -> Response:
    """The edit form: `contact` is what the card holds now, `form` what the fields show."""
    chosen = form.values.get("responsible_employee_id") or ""
    people = [e for e in page.context.employees.values() if e.active or e.id == chosen]
    return page.html(
        "contact_edit.html",
        status,
        contact=contact,
        form=form,
        errors=errors or {},
        conflict=conflict,
        people=sorted(people, key=lambda e: e.name.casefold()),
        employees=page.context.employees,
        types=[t.value for t in ContactType],
    )


@dataclass(frozen=True)
class ContactForm:
    """The edit form's fields as text, as the person typed them (or as the contact holds them), its
    phone rows (number, remark) and the version it was opened at."""

    values: dict[str, str]
    phones: list[tuple[str, str]]
    version: int

    @classmethod
    def of(cls, contact: Contact) -> ContactForm:
        values = {name: str(getattr(contact, name) or "") for name in EDITED}
        values["type"] = contact.type.value
        return cls(values, [(p.e164, p.remark or "") for p in contact.phones], contact.version)

    @classmethod
    def posted(cls, form: dict[str, str], contact: Contact) -> ContactForm:
        """The rows as sent: a row marked removed or left empty is dropped; a number shown in E.164
        and sent back unchanged is kept in the form it was given in (its `raw`)."""
        raw_of = {p.e164: p.raw for p in contact.phones}
        phones = []
        for row in range(MAX_PHONES + 1):
            number = form.get(f"phone_{row}", "").strip()
            if number and not form.get(f"remove_{row}"):
                phones.append((raw_of.get(number, number), form.get(f"remark_{row}", "").strip()))
        # A form without its version cannot know what it overwrites: a conflict.
        version = posted_version(form)
        return cls({name: form.get(name, "").strip() for name in EDITED}, phones, version)

    def changes(self) -> dict[str, Any]:
        """The ContactInput fields the form sets: an emptied field is cleared."""
        return {
            **{name: value or None for name, value in self.values.items()},
            "type": self.values.get("type") or ContactType.CONTACT.value,
            "phones": [{"number": n, "remark": r or None} for n, r in self.phones],
        }

    def phone_fields(self) -> list[str]:
        """The field of each phone the form sends, in the order the domain sees them."""
        return [f"phone_{row}" for row in range(len(self.phones))]

    def phone_errors(self, page: Page) -> dict[str, str]:
        if len(self.phones) > MAX_PHONES:
            return {"phones": page.labels["too_many_phones"].format(MAX_PHONES)}
        return {}


def typed_errors(page: Page, values: dict[str, str], phone_fields: list[str]) -> dict[str, str]:
    """What the form can tell before the domain: an email a mail program would refuse, a number
    left empty where one is required."""
    errors = {}
    email = values.get("email", "").strip()
    if email and not _EMAIL.match(email):
        errors["email"] = page.labels["invalid_email"]
    for field in phone_fields:
        if not values.get(field, "").strip():
            errors[field] = page.labels["phone_required"]
    return errors


def checked(page: Page, data: dict[str, Any], phone_fields: list[str]) -> dict[str, str]:
    """What the domain would refuse in the form's fields, by field, before anything is written."""
    try:
        page.services.contacts.check(page.context, data)
    except (HubError, ValidationError) as exc:
        return field_errors(page, exc, phone_fields)
    return {}


def field_errors(page: Page, exc: HubError | ValidationError, phone_fields: list[str]) -> dict[str, str]:
    """A refused contact as localized messages by field (`form` for the whole): the domain's codes
    and pydantic's locations only, never their English text. `phone_fields` names the field of
    each phone given, in order."""
    labels = page.labels

    def phone_field(index: Any) -> str:
        return phone_fields[index] if isinstance(index, int) and index < len(phone_fields) else "phones"

    if isinstance(exc, ValidationError):
        errors: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            loc = error.get("loc") or ("form",)
            field = phone_field(loc[1] if len(loc) > 1 else None) if loc[0] == "phones" else str(loc[0])
            limit = (error.get("ctx") or {}).get("max_length")
            errors.setdefault(field, labels["too_long"].format(limit) if limit else labels["invalid_value"])
        return errors
    if isinstance(exc, InvalidPhone):
        return {phone_field((exc.details or {}).get("phone_index", 0)): labels["invalid_phone"]}
    if exc.code == "too_many_phones":
        return {"phones": labels["too_many_phones"].format(MAX_PHONES)}
    if exc.code == "unknown_employee":
        return {"responsible_employee_id": labels["unknown_employee"]}
    if isinstance(exc, LimitExceeded):
        return {"phones": labels["number_limit"]}
    logger.info("contact form refused", extra={"code": exc.code})
    return {"form": labels["error"]}


@router.post("/app/<tenant>/contacts/<contact_id>/notes")
def add_note(tenant: str, contact_id: str) -> Response:
    """A note on the contact's timeline, by the signed-in employee; back to the card, which shows it."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    text = page.form.get("text", "").strip()
    try:
        if not text or len(text) > DESCRIPTION_LENGTH:
            page.services.contacts.get(page.context, contact_id)  # back to a card only if it is one
            return page.redirect(card_path(page, contact_id, "note_empty" if not text else "note_too_long"))
        page.services.contacts.add_event(page.context, contact_id, "note", None, text, page.signed_in.id)
    except NotFound:
        return page.message("not_found", 404)
    return page.redirect(card_path(page, contact_id, "note_added"))


@router.post("/app/<tenant>/contacts/<contact_id>/convert")
def convert_lead(tenant: str, contact_id: str) -> Response:
    """A lead named and made a contact, in one change at the version the card showed; a refused
    name, or a change made meanwhile, shows the card again with the name typed still in its field."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    name = page.form.get("name", "").strip()
    if not name:
        return card_page(page, contact_id, 400, name=name, error=page.labels["name_required"])
    version = posted_version(page.form)
    changes = {"type": ContactType.CONTACT.value, "name": name}
    try:
        page.services.contacts.update(page.context, contact_id, changes, expected_version=version)
    except NotFound:
        return page.message("not_found", 404)
    except Conflict:
        return card_page(page, contact_id, 409, name=name, error=page.labels["version_conflict_card"])
    except (HubError, ValidationError) as exc:
        error = field_errors(page, exc, []).popitem()[1]
        return card_page(page, contact_id, 400, name=name, error=error)
    return page.redirect(card_path(page, contact_id, "converted"))


@router.post("/app/<tenant>/contacts/<contact_id>/call")
def call_contact(tenant: str, contact_id: str) -> Response:
    """Click-to-call from the card, as the signed-in employee: the PBX rings their extension, then
    dials the phone chosen. The card says how it went (a notice key, never the vendor's text); a
    303 back to it, so reloading the card does not dial again."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    employee = page.signed_in
    target = CallTarget(contact_id=contact_id, phone=page.form.get("phone") or None)
    try:
        # the session's own read of the employee is fresh: an extension just set counts at once
        context = replace(page.context, employees={**page.context.employees, employee.id: employee})
        placed = page.services.dialing.place_call(context, employee.id, target)
        logger.info("call placed from the card", extra={"call_uuid": placed.uuid, "ext": placed.ext})
        notice = "call_placed"
    except NotFound:
        return page.message("not_found", 404)
    except HubError as exc:
        logger.info("call from the card refused", extra={"code": exc.code})
        notice = pages.call_notice(exc.code, http_status(exc))
    return page.redirect(card_path(page, contact_id, notice))


@router.post("/app/<tenant>/contacts/<contact_id>/do-not-call")
def contact_do_not_call(tenant: str, contact_id: str) -> Response:
    """The card's do-not-call toggle, per phone of the contact: the form names the state wanted
    (`listed` 1 or 0), not a flip, so a form sent twice leaves the number as the person chose."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    employee = page.signed_in
    wanted, phone = page.form.get("listed"), page.form.get("phone", "")
    try:
        contact = page.services.contacts.get(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    if wanted not in ("0", "1") or phone not in contact.phone_numbers():
        return page.message("error", 400)  # only the card's own numbers, as the card sent them
    if wanted == "1":
        page.services.do_not_call.add(page.context, phone, employee.id, ListedBy.CARD)
    else:
        page.services.do_not_call.remove(page.context, phone)
    logger.info("do-not-call set from the card", extra={"listed": wanted == "1"})
    notice = "dnc_listed" if wanted == "1" else "dnc_unlisted"
    return page.redirect(card_path(page, contact_id, notice))
