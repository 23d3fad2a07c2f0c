"""The contact card (with click-to-call and the do-not-call toggle), the search and the new-contact form."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import ValidationError

from hub import pages
from hub.domain.contacts import ContactInput, PhoneInput
from hub.domain.dialing import CallTarget
from hub.errors import HubError, NotFound
from hub.http import http_status
from hub.models.do_not_call import ListedBy
from hub.pages.web import Page

logger = Logger()
router = Router()


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
    return page.html("new_contact.html", form=form, error=None, holders=number_holders(page, form["phone"]))


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
    try:
        data = ContactInput(
            type=form.get("type") or "contact",
            name=form.get("name") or None,
            company=form.get("company") or None,
            email=form.get("email") or None,
            description=form.get("description") or None,
            phones=[PhoneInput(number=form.get("phone", ""))],
            responsible_employee_id=employee.id if employee.id in page.context.employees else None,
        )
        contact = page.services.contacts.create(page.context, data, created_by=employee.id)
    except (HubError, ValidationError) as exc:
        error = exc.message if isinstance(exc, HubError) else page.labels["error"]
        holders = number_holders(page, form.get("phone", ""))
        return page.html("new_contact.html", 400, form=form, error=error, holders=holders)
    return page.redirect(f"{page.base}/contacts/{contact.id}")


@router.get("/app/<tenant>/contacts/<contact_id>")
def contact_card(tenant: str, contact_id: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    try:
        card = page.services.cards.card(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    notice = page.query.get("notice", "")
    return page.html(
        "contact.html",
        notice=notice if notice in pages.CARD_NOTICES else None,
        good_notices=pages.GOOD_NOTICES,
        listed=page.services.do_not_call.listed_among(page.context, card.contact.phone_numbers()),
        contact=card.contact,
        calls=card.calls,
        callbacks=card.callbacks,
        events=card.events,
        responsible=card.responsible,
        employees=page.context.employees,
        presence=card.presence,
    )


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
    return page.redirect(f"{page.base}/contacts/{quote(contact_id, safe='')}?notice={notice}")


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
    return page.redirect(f"{page.base}/contacts/{quote(contact_id, safe='')}?notice={notice}")
