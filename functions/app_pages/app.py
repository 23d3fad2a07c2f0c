"""The hub's pages under /app/{tenant}/: sign-in, contact card (with click-to-call and the do-not-call
toggle), search, new contact, callbacks.

Server-rendered (Jinja2, autoescape), one stylesheet, usable on a phone. Every page but sign-in
needs this tenant's session; every form checks its CSRF token.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from hub import pages, wiring
from hub.domain.auth import SESSION_SECONDS
from hub.domain.contacts import ContactInput, PhoneInput
from hub.domain.dialing import CallTarget
from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, HubError, NotFound, TooManyAttempts, Unauthorized
from hub.http import http_status, request_body
from hub.models.do_not_call import ListedBy
from hub.models.tenant import Employee

logger = Logger()
app = APIGatewayHttpResolver()
HTML = "text/html; charset=utf-8"


class Page:
    """One request's view of the pages: its tenant, language, signed-in employee and form fields."""

    def __init__(self, tenant: str) -> None:
        self.context: TenantContext = wiring.tenant_directory().by_slug(tenant)
        self.tenant = self.context.tenant
        event = app.current_event
        self.cookies = dict(c.split("=", 1) for c in (event.cookies or []) if "=" in c)
        self.lang = pages.language(self.tenant, (event.headers or {}).get("accept-language"))
        self.employee: Employee | None = wiring.page_sessions().employee(
            self.tenant, self.cookies.get(pages.SESSION_COOKIE)
        )
        self.query = dict(parse_qsl(event.raw_query_string or "", keep_blank_values=True))
        self.form = dict(parse_qsl(request_body(app), keep_blank_values=True)) if event.body else {}
        self.csrf = self.cookies.get(pages.CSRF_COOKIE) or pages.new_csrf_token()
        logger.append_keys(tenant=self.tenant.slug)

    @property
    def base(self) -> str:
        return f"/app/{self.tenant.slug}"

    def html(
        self, template: str, status: int = 200, cookies: list[Cookie] | None = None, **context: Any
    ) -> Response:
        body = pages.render(
            template, self.tenant, self.lang, employee=self.employee, csrf=self.csrf, **context
        )
        return Response(
            status_code=status,
            content_type=HTML,
            body=body,
            cookies=[self._csrf_cookie(), *(cookies or [])],
            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
        )

    def message(self, key: str, status: int) -> Response:
        return self.html("message.html", status, message=pages.LABELS[self.lang][key])

    def redirect(self, location: str, cookies: list[Cookie] | None = None) -> Response:
        return Response(status_code=303, headers={"Location": location}, body="", cookies=cookies or [])

    def require_employee(self) -> Response | None:
        """None when signed in; else the redirect to sign-in, back to this page afterwards."""
        if self.employee is not None:
            return None
        event = app.current_event
        here = event.raw_path + (f"?{event.raw_query_string}" if event.raw_query_string else "")
        return self.redirect(f"{self.base}/login?next={quote(here, safe='')}")

    def csrf_failed(self) -> Response | None:
        if pages.csrf_ok(self.cookies.get(pages.CSRF_COOKIE), self.form.get("csrf")):
            return None
        return self.message("forbidden", 403)

    def cookie(self, name: str, value: str, max_age: int, same_site: SameSite = SameSite.LAX_MODE) -> Cookie:
        return Cookie(
            name=name,
            value=value,
            path=self.base,
            secure=True,
            http_only=True,
            max_age=max_age,
            same_site=same_site,
        )

    def _csrf_cookie(self) -> Cookie:
        return self.cookie(pages.CSRF_COOKIE, self.csrf, SESSION_SECONDS, SameSite.STRICT_MODE)


@app.get("/app/static/app.css")
def stylesheet() -> Response:
    return Response(
        status_code=200,
        content_type="text/css; charset=utf-8",
        body=pages.stylesheet(),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@app.get("/app/<tenant>")
@app.get("/app/<tenant>/")
def home(tenant: str) -> Response:
    page = Page(tenant)
    return page.redirect(f"{page.base}/callbacks")


@app.get("/app/<tenant>/login")
def login_form(tenant: str) -> Response:
    page = Page(tenant)
    return page.html("login.html", next=page.query.get("next", ""), error=None)


@app.post("/app/<tenant>/login")
def login(tenant: str) -> Response:
    page = Page(tenant)
    if failed := page.csrf_failed():
        return failed
    target = pages.safe_next(page.base, page.form.get("next", ""))
    try:
        if target is None:
            raise BadRequest("the return address holds control characters")
        employee = wiring.authenticator().authenticate(
            page.tenant.slug, page.form.get("login"), page.form.get("password"), api_key_allowed=False
        )
        session = wiring.page_sessions().open(page.tenant, employee)
        if session is None:
            raise Unauthorized("the credentials changed meanwhile")
    except (BadRequest, Unauthorized, TooManyAttempts) as exc:
        key = {BadRequest: "bad_sign_in", TooManyAttempts: "locked"}.get(type(exc), "wrong_credentials")
        back = target or f"{page.base}/callbacks"
        return page.html("login.html", http_status(exc), next=back, error=pages.LABELS[page.lang][key])
    cookie = page.cookie(pages.SESSION_COOKIE, session, SESSION_SECONDS)
    return page.redirect(target, cookies=[cookie])


@app.post("/app/<tenant>/logout")
def logout(tenant: str) -> Response:
    """Ends the session on the server, not only in this browser."""
    page = Page(tenant)
    if failed := page.csrf_failed():
        return failed
    wiring.page_sessions().close(page.tenant, page.cookies.get(pages.SESSION_COOKIE))
    return page.redirect(f"{page.base}/login", cookies=[page.cookie(pages.SESSION_COOKIE, "", 0)])


@app.get("/app/<tenant>/search")
def search(tenant: str) -> Response:
    page = Page(tenant)
    if login_first := page.require_employee():
        return login_first
    phone, name = page.query.get("phone", "").strip(), page.query.get("name", "").strip()
    contacts = []
    if phone:
        contacts = wiring.contact_service().with_number(page.context, phone)
    elif name:
        contacts = wiring.contact_service().by_name(page.context, name)
    return page.html("search.html", phone=phone, name=name, contacts=contacts, searched=bool(phone or name))


@app.get("/app/<tenant>/contacts/new")
def new_contact_form(tenant: str) -> Response:
    page = Page(tenant)
    if login_first := page.require_employee():
        return login_first
    form = {"phone": page.query.get("phone", ""), "type": "contact"}
    return page.html("new_contact.html", form=form, error=None, holders=number_holders(page, form["phone"]))


def number_holders(page: Page, phone: str) -> list[Any]:
    """Who already has the number the form is about to be filled with: several contacts may share a
    number, so the form still creates one, but says whose it is first."""
    return wiring.contact_service().with_number(page.context, phone) if phone.strip() else []


@app.post("/app/<tenant>/contacts/new")
def create_contact(tenant: str) -> Response:
    page = Page(tenant)
    if (login_first := page.require_employee()) or (failed := page.csrf_failed()):
        return login_first or failed  # type: ignore[return-value]
    form = page.form
    try:
        data = ContactInput(
            type=form.get("type") or "contact",
            name=form.get("name") or None,
            company=form.get("company") or None,
            email=form.get("email") or None,
            description=form.get("description") or None,
            phones=[PhoneInput(number=form.get("phone", ""))],
            responsible_employee_id=page.employee.id if page.employee.id in page.context.employees else None,
        )
        contact = wiring.contact_service().create(page.context, data, created_by=page.employee.id)
    except (HubError, ValidationError) as exc:
        error = exc.message if isinstance(exc, HubError) else pages.LABELS[page.lang]["error"]
        holders = number_holders(page, form.get("phone", ""))
        return page.html("new_contact.html", 400, form=form, error=error, holders=holders)
    return page.redirect(f"{page.base}/contacts/{contact.id}")


@app.get("/app/<tenant>/contacts/<contact_id>")
def contact_card(tenant: str, contact_id: str) -> Response:
    page = Page(tenant)
    if login_first := page.require_employee():
        return login_first
    try:
        card = wiring.contact_cards().card(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    notice = page.query.get("notice", "")
    return page.html(
        "contact.html",
        notice=notice if notice in pages.CARD_NOTICES else None,
        good_notices=pages.GOOD_NOTICES,
        listed=wiring.do_not_call().listed_among(page.context, card.contact.phone_numbers()),
        contact=card.contact,
        calls=card.calls,
        callbacks=card.callbacks,
        events=card.events,
        responsible=card.responsible,
        employees=page.context.employees,
        presence=card.presence,
    )


@app.post("/app/<tenant>/contacts/<contact_id>/call")
def call_contact(tenant: str, contact_id: str) -> Response:
    """Click-to-call from the card, as the signed-in employee: the PBX rings their extension, then
    dials the phone chosen. The card says how it went (a notice key, never the vendor's text); a
    303 back to it, so reloading the card does not dial again."""
    page = Page(tenant)
    if (login_first := page.require_employee()) or (failed := page.csrf_failed()):
        return login_first or failed  # type: ignore[return-value]
    target = CallTarget(contact_id=contact_id, phone=page.form.get("phone") or None)
    try:
        # the session's own read of the employee is fresh: an extension just set counts at once
        context = replace(page.context, employees={**page.context.employees, page.employee.id: page.employee})
        placed = wiring.dialing().place_call(context, page.employee.id, target)
        logger.info("call placed from the card", extra={"call_uuid": placed.uuid, "ext": placed.ext})
        notice = "call_placed"
    except NotFound:
        return page.message("not_found", 404)
    except HubError as exc:
        logger.info("call from the card refused", extra={"code": exc.code})
        notice = pages.call_notice(exc.code, http_status(exc))
    return page.redirect(f"{page.base}/contacts/{quote(contact_id, safe='')}?notice={notice}")


@app.post("/app/<tenant>/contacts/<contact_id>/do-not-call")
def contact_do_not_call(tenant: str, contact_id: str) -> Response:
    """The card's do-not-call toggle, per phone of the contact: the form names the state wanted
    (`listed` 1 or 0), not a flip, so a form sent twice leaves the number as the person chose."""
    page = Page(tenant)
    if (login_first := page.require_employee()) or (failed := page.csrf_failed()):
        return login_first or failed  # type: ignore[return-value]
    wanted, phone = page.form.get("listed"), page.form.get("phone", "")
    try:
        contact = wiring.contact_service().get(page.context, contact_id)
    except NotFound:
        return page.message("not_found", 404)
    if wanted not in ("0", "1") or phone not in contact.phone_numbers():
        return page.message("error", 400)  # only the card's own numbers, as the card sent them
    do_not_call = wiring.do_not_call()
    if wanted == "1":
        do_not_call.add(page.context, phone, page.employee.id, ListedBy.CARD)
    else:
        do_not_call.remove(page.context, phone)
    logger.info("do-not-call set from the card", extra={"listed": wanted == "1"})
    notice = "dnc_listed" if wanted == "1" else "dnc_unlisted"
    return page.redirect(f"{page.base}/contacts/{quote(contact_id, safe='')}?notice={notice}")


@app.get("/app/<tenant>/callbacks")
def callbacks(tenant: str) -> Response:
    page = Page(tenant)
    if login_first := page.require_employee():
        return login_first
    return page.html("callbacks.html", callbacks=wiring.call_log().open_callbacks(page.context))


@app.post("/app/<tenant>/callbacks/close")
def close_callback(tenant: str) -> Response:
    page = Page(tenant)
    if (login_first := page.require_employee()) or (failed := page.csrf_failed()):
        return login_first or failed  # type: ignore[return-value]
    # NotFound: closed meanwhile, by a call or a colleague; the list shows the truth either way.
    with contextlib.suppress(NotFound):
        wiring.call_service().close_callback(page.context, page.form.get("phone", ""), page.employee.ext)
    return page.redirect(f"{page.base}/callbacks")


def status_page(status: int) -> Response:
    return Response(
        status_code=status, content_type=HTML, body=f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    )


@app.exception_handler(HubError)
def _refused(exc: HubError) -> Response:
    """A domain error no page handled (an unknown tenant, a body that is not UTF-8): its status, in HTML."""
    status = http_status(exc)
    if status >= 500:
        logger.warning("request failed", extra={"code": exc.code})
    return status_page(status)


@app.not_found
def _no_route(_exc: Exception) -> Response:
    return status_page(404)


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    logger.exception("unexpected error")
    return status_page(500)


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
