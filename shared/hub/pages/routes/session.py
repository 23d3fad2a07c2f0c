"""Sign-in and sign-out, the language a person chooses, the stylesheet and scripts, and the tenant's
home address."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub import pages
from hub.domain.auth import SESSION_SECONDS
from hub.errors import BadRequest, TooManyAttempts, Unauthorized
from hub.http import http_status
from hub.pages import i18n
from hub.pages.web import Page, static_file

router = Router()
LANGUAGE_SECONDS = 365 * 24 * 3600  # a choice lasts, as a browser's own language does


@router.get("/app/static/app.css")
def stylesheet() -> Response:
    return static_file(pages.stylesheet(), "text/css; charset=utf-8")


@router.get("/app/static/nav.js")
def nav_script() -> Response:
    return static_file(pages.nav_script(), "text/javascript; charset=utf-8")


@router.get("/app/static/campaign.js")
def campaign_script() -> Response:
    return static_file(pages.campaign_script(), "text/javascript; charset=utf-8")


@router.get("/app/<tenant>")
@router.get("/app/<tenant>/")
def home(tenant: str) -> Response:
    page = Page(router, tenant)
    return page.redirect(f"{page.base}/callbacks")


@router.get("/app/<tenant>/login")
def login_form(tenant: str) -> Response:
    page = Page(router, tenant)
    return page.html("login.html", next=page.query.get("next", ""), error=None)


@router.post("/app/<tenant>/login")
def login(tenant: str) -> Response:
    page = Page(router, tenant)
    if failed := page.csrf_failed():
        return failed
    target = pages.safe_next(page.base, page.form.get("next", ""))
    try:
        if target is None:
            raise BadRequest("the return address holds control characters")
        employee = page.services.authenticator.authenticate(
            page.tenant.slug, page.form.get("login"), page.form.get("password"), api_key_allowed=False
        )
        session = page.services.sessions.open(page.tenant, employee)
        if session is None:
            raise Unauthorized("the credentials changed meanwhile")
    except (BadRequest, Unauthorized, TooManyAttempts) as exc:
        key = {BadRequest: "bad_sign_in", TooManyAttempts: "locked"}.get(type(exc), "wrong_credentials")
        back = target or f"{page.base}/callbacks"
        return page.html("login.html", http_status(exc), next=back, error=page.labels[key])
    cookie = page.cookie(pages.SESSION_COOKIE, session, SESSION_SECONDS)
    return page.redirect(target, cookies=[cookie])


@router.post("/app/<tenant>/logout")
def logout(tenant: str) -> Response:
    """Ends the session on the server, not only in this browser."""
    page = Page(router, tenant)
    if failed := page.csrf_failed():
        return failed
    page.services.sessions.close(page.tenant, page.cookies.get(pages.SESSION_COOKIE))
    return page.redirect(f"{page.base}/login", cookies=[page.cookie(pages.SESSION_COOKIE, "", 0)])


@router.post("/app/<tenant>/language")
def choose_language(tenant: str) -> Response:
    """The language this browser reads the tenant's pages in from now on, over the browser's and the
    tenant's; back to the page it was chosen on. No session needed: the sign-in page offers it too."""
    page = Page(router, tenant)
    if failed := page.csrf_failed():
        return failed
    chosen = page.form.get("lang", "")
    if chosen not in i18n.SPOKEN:
        return page.message("not_found", 404)
    back = pages.safe_next(page.base, page.form.get("next", "")) or f"{page.base}/callbacks"
    return page.redirect(back, cookies=[page.cookie(i18n.LANGUAGE_COOKIE, chosen, LANGUAGE_SECONDS)])
