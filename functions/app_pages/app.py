"""The hub's pages under /app/{tenant}/: sign-in, contact card (with click-to-call and the do-not-call
toggle), search, new contact, callbacks, dial campaigns (a list, and each one's live progress).

Server-rendered (Jinja2, autoescape), one stylesheet, usable on a phone. Every page but sign-in
needs this tenant's session; every form checks its CSRF token.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
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
from hub.api import paging
from hub.domain.auth import SESSION_SECONDS
from hub.domain.contacts import ContactInput, PhoneInput
from hub.domain.dialing import CallTarget
from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict, HubError, NotFound, TooManyAttempts, Unauthorized
from hub.http import http_status, request_body
from hub.models.campaign import BatchStatus, DialBatch, DialChunk
from hub.models.do_not_call import ListedBy
from hub.models.tenant import Employee, Tenant

logger = Logger()
app = APIGatewayHttpResolver()
HTML = "text/html; charset=utf-8"
BATCH_ID = re.compile(r"^[0-9a-f]{24}$")  # as the REST API's path takes it
CAMPAIGNS_PAGE = 20
CHUNK_ROWS = 200  # a 100,000-record robot batch has 100 chunks; a call list's may have 1000
POLL_MS = 3000
FINAL_STATUSES = (BatchStatus.DONE, BatchStatus.CANCELLED)


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


@app.get("/app/static/campaign.js")
def campaign_script() -> Response:
    return Response(
        status_code=200,
        content_type="text/javascript; charset=utf-8",
        body=pages.campaign_script(),
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


def campaign_view(tenant: Tenant, lang: str, batch: DialBatch) -> dict[str, Any]:
    """What the list and the campaign page show of a batch, and the progress endpoint answers: its
    status in words, the sent share of the accepted records, and the outcome of every record received."""
    t, counts = pages.LABELS[lang], batch.counts
    meaning = t[f"meaning_{batch.status.value}"]
    if batch.status is BatchStatus.RECEIVING:
        meaning = meaning.format(batch.pages_received, batch.pages)
    elif batch.status is BatchStatus.WAITING:
        meaning = meaning.format(pages.render_opening(tenant, lang, batch.next_window_at))
    provider = t[f"provider_{batch.provider.value}"].format(batch.scenario or batch.base_id or "")
    not_known = max(0, counts.sent - counts.answered - counts.not_answered)
    outcomes = [
        ("answered", t["answered_count"], counts.answered),
        ("not_answered", t["not_answered_count"], counts.not_answered),
        ("not_known", t["not_known"], not_known),
        ("not_sent", t["not_sent_yet"], max(0, counts.accepted - counts.sent)),
        *[
            (f"rejected-{reason}", t.get(f"reason_{reason}", reason), count)
            for reason, count in counts.rejected.items()
        ],
    ]
    scale = max(counts.received, sum(count for _, _, count in outcomes), 1)
    return {
        "batch": batch,
        "provider": provider,
        "status": batch.status.value,
        "status_label": t[f"status_{batch.status.value}"],
        "meaning": meaning,
        "final": batch.status in FINAL_STATUSES,
        "sent": counts.sent,
        "accepted": counts.accepted,
        "sent_text": t["sent_of"].format(sent=counts.sent, accepted=counts.accepted),
        "answered": counts.answered,
        "not_answered": counts.not_answered,
        "outcomes": [
            {"key": key, "label": label, "count": count, "percent": round(100 * count / scale, 1)}
            for key, label, count in outcomes
        ],
    }


def campaign_of(page: Page, batch_id: str) -> tuple[dict[str, Any], list[DialChunk]]:
    """The batch's view and its first chunks; NotFound for another tenant's, or no such, batch."""
    if not BATCH_ID.match(batch_id):
        raise NotFound("no such dial batch", code="batch_not_found")
    service = wiring.campaign_service()
    batch = service.batch(page.context, batch_id)
    chunks = service.chunks(page.context, batch_id, CHUNK_ROWS, None).items
    return campaign_view(page.tenant, page.lang, batch), chunks


@app.get("/app/<tenant>/campaigns")
def campaigns(tenant: str) -> Response:
    """The tenant's batches, newest first, a page at a time (the cursor as the REST API signs it)."""
    page = Page(tenant)
    if login_first := page.require_employee():
        return login_first
    found, after = paging.read(
        page.context,
        paging.scope("campaign-pages"),
        page.query.get("after") or None,
        lambda start: wiring.campaign_service().batches(page.context, CAMPAIGNS_PAGE, start),
    )
    return page.html(
        "campaigns.html",
        campaigns=[campaign_view(page.tenant, page.lang, batch) for batch in found],
        after=after,
    )


@app.get("/app/<tenant>/campaigns/<batch_id>")
def campaign(tenant: str, batch_id: str) -> Response:
    page = Page(tenant)
    if login_first := page.require_employee():
        return login_first
    try:
        view, chunks = campaign_of(page, batch_id)
    except NotFound:
        return page.message("not_found", 404)
    notice = page.query.get("notice", "")
    return page.html(
        "campaign.html",
        notice=notice if notice in pages.CAMPAIGN_NOTICES else None,
        good_notices=pages.CAMPAIGN_GOOD_NOTICES,
        view=view,
        chunks=chunks,
        poll_ms=POLL_MS,
    )


@app.get("/app/<tenant>/campaigns/<batch_id>/progress")
def campaign_progress(tenant: str, batch_id: str) -> Response:
    """The campaign page's poll: counts, status and the chunk rows and outcome chart as the page
    renders them (one template for both), so the bar moves without a reload. The session's, as the
    page: a 401 (not a redirect to sign-in) tells the script to stop."""
    page = Page(tenant)
    if page.employee is None:
        return json_response({"error": "sign_in_required"}, 401)
    try:
        view, chunks = campaign_of(page, batch_id)
    except NotFound:
        return json_response({"error": "not_found"}, 404)
    batch = view.pop("batch")
    parts = {"view": view, "chunks": chunks, "batch": batch}
    return json_response(
        {
            **{key: value for key, value in view.items() if key != "provider"},
            "chunks": batch.chunks,
            "chunks_html": fragment(page, "campaign_chunks.html", **parts),
            "outcomes_html": fragment(page, "campaign_outcomes.html", **parts),
        }
    )


def fragment(page: Page, template: str, **context: Any) -> str:
    return pages.render(template, page.tenant, page.lang, employee=page.employee, csrf=page.csrf, **context)


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False),
        headers={"Cache-Control": "no-store"},
    )


def campaign_action(
    tenant: str, batch_id: str, act: Callable[[TenantContext, str], Any], done: str
) -> Response:
    """An operator's button on the campaign page, then back to it (303: a reload repeats nothing).
    A Conflict (the chunk moved on meanwhile, the batch was cancelled) comes back as its notice."""
    page = Page(tenant)
    if (login_first := page.require_employee()) or (failed := page.csrf_failed()):
        return login_first or failed  # type: ignore[return-value]
    if not BATCH_ID.match(batch_id):
        return page.message("not_found", 404)
    try:
        act(page.context, page.employee.id)  # type: ignore[union-attr]  # signed in: checked above
        notice = done
    except NotFound:
        return page.message("not_found", 404)
    except Conflict as exc:
        logger.info("campaign action refused", extra={"batch": batch_id, "code": exc.code})
        notice = exc.code if exc.code in pages.CAMPAIGN_NOTICES else "campaign_action_failed"
    return page.redirect(f"{page.base}/campaigns/{batch_id}?notice={notice}")


def chunk_number(number: str) -> int:
    if not number.isdigit() or len(number) > 6:
        raise NotFound("no such chunk", code="chunk_not_found")
    return int(number)


@app.post("/app/<tenant>/campaigns/<batch_id>/cancel")
def cancel_campaign(tenant: str, batch_id: str) -> Response:
    def cancel(context: TenantContext, by: str) -> None:
        wiring.campaign_service().cancel(context, batch_id, by)
        logger.info("dial batch cancelled from its page", extra={"batch": batch_id})

    return campaign_action(tenant, batch_id, cancel, "campaign_cancelled")


@app.post("/app/<tenant>/campaigns/<batch_id>/chunks/<number>/resend")
def resend_chunk(tenant: str, batch_id: str, number: str) -> Response:
    def resend(context: TenantContext, by: str) -> None:
        chunk = chunk_number(number)
        wiring.campaign_service().resend(context, batch_id, chunk, by)
        logger.info("dial chunk resent from its page", extra={"batch": batch_id, "chunk": chunk})

    return campaign_action(tenant, batch_id, resend, "chunk_resent")


@app.post("/app/<tenant>/campaigns/<batch_id>/chunks/<number>/done")
def chunk_sent(tenant: str, batch_id: str, number: str) -> Response:
    def mark(context: TenantContext, by: str) -> None:
        chunk = chunk_number(number)
        wiring.campaign_service().mark_done(context, batch_id, chunk, by)
        logger.info("dial chunk marked sent from its page", extra={"batch": batch_id, "chunk": chunk})

    return campaign_action(tenant, batch_id, mark, "chunk_marked_sent")


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
