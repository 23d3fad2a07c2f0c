"""What every page route shares: one request's Page (tenant, language, session, form, CSRF) and the
use cases the routes call, which the handler builds (hub.wiring) and passes in the resolver's context,
so a router never looks up a store or a service itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from hub import pages
from hub.domain.auth import SESSION_SECONDS, Authenticator, PageSessions
from hub.domain.call_log import CallLog
from hub.domain.calls import CallService
from hub.domain.campaigns import CampaignService
from hub.domain.cards import ContactCards
from hub.domain.contacts import ContactService
from hub.domain.dialing import Dialing
from hub.domain.do_not_call import DoNotCallList
from hub.domain.team import Team
from hub.domain.tenants import TenantContext, TenantDirectory
from hub.errors import Unauthorized
from hub.http import request_body
from hub.models.tenant import Employee
from hub.pages import i18n

logger = Logger()
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class PageServices:
    """The use cases behind the pages."""

    tenants: TenantDirectory
    sessions: PageSessions
    authenticator: Authenticator
    contacts: ContactService
    cards: ContactCards
    dialing: Dialing
    do_not_call: DoNotCallList
    call_log: CallLog
    calls: CallService
    campaigns: CampaignService
    team: Team


def services(router: Router) -> PageServices:
    return router.context["services"]


class Page:
    """One request's view of the pages: its tenant, language, signed-in employee and form fields."""

    def __init__(self, router: Router, tenant: str) -> None:
        self.services = services(router)
        self.context: TenantContext = self.services.tenants.by_slug(tenant)
        self.tenant = self.context.tenant
        event = router.current_event
        self.event = event
        self.cookies = request_cookies(event)
        self.lang = pages.language(
            self.tenant, (event.headers or {}).get("accept-language"), self.cookies.get(i18n.LANGUAGE_COOKIE)
        )
        self.employee: Employee | None = self.services.sessions.employee(
            self.tenant, self.cookies.get(pages.SESSION_COOKIE)
        )
        self.query = dict(parse_qsl(event.raw_query_string or "", keep_blank_values=True))
        self.form = dict(parse_qsl(request_body(router), keep_blank_values=True)) if event.body else {}
        self.csrf = self.cookies.get(pages.CSRF_COOKIE) or pages.new_csrf_token()
        logger.append_keys(tenant=self.tenant.slug)

    @property
    def base(self) -> str:
        return f"/app/{self.tenant.slug}"

    @property
    def here(self) -> str:
        """This page's address, to come back to (after sign-in, after choosing a language)."""
        event = self.event
        return event.raw_path + (f"?{event.raw_query_string}" if event.raw_query_string else "")

    @property
    def signed_in(self) -> Employee:
        """The employee, in a route that checked require_employee() or refused() first."""
        if self.employee is None:
            raise Unauthorized("sign in first")
        return self.employee

    @property
    def labels(self) -> dict[str, str]:
        return pages.LABELS[self.lang]

    def html(
        self, template: str, status: int = 200, cookies: list[Cookie] | None = None, **context: Any
    ) -> Response:
        return Response(
            status_code=status,
            content_type=HTML,
            # `here` is where the header's forms come back to; a route may name another (the card's own)
            body=self.fragment(template, **{"path": self.event.raw_path, "here": self.here, **context}),
            cookies=[self._csrf_cookie(), *(cookies or [])],
            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
        )

    def fragment(self, template: str, **context: Any) -> str:
        """A template rendered as this page's (a whole page, or a part a script puts in place)."""
        return pages.render(
            template,
            self.tenant,
            self.lang,
            employee=self.employee,
            csrf=self.csrf,
            **context,
        )

    def message(self, key: str, status: int) -> Response:
        return self.html("message.html", status, message=self.labels[key])

    def redirect(self, location: str, cookies: list[Cookie] | None = None) -> Response:
        return Response(status_code=303, headers={"Location": location}, body="", cookies=cookies or [])

    def require_employee(self) -> Response | None:
        """None when signed in; else the redirect to sign-in, back to this page afterwards."""
        if self.employee is not None:
            return None
        return self.redirect(f"{self.base}/login?next={quote(self.here, safe='')}")

    def csrf_failed(self) -> Response | None:
        if pages.csrf_ok(self.cookies.get(pages.CSRF_COOKIE), self.form.get("csrf")):
            return None
        return self.message("forbidden", 403)

    def refused(self) -> Response | None:
        """A form sent without a session or with a wrong CSRF token: the answer to give instead."""
        return self.require_employee() or self.csrf_failed()

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


def posted_version(form: dict[str, str]) -> int:
    """The record version a form was filled from; -1 (matches none, so a conflict) when it has none."""
    version = form.get("version", "")
    return int(version) if version.isdigit() else -1


def request_cookies(event: Any) -> dict[str, str]:
    """An HTTP API event's cookies by name (payload 2.0 sends them as `name=value` strings)."""
    return dict(c.split("=", 1) for c in (event.cookies or []) if "=" in c)


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False),
        headers={"Cache-Control": "no-store"},
    )


def static_file(body: str, content_type: str) -> Response:
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers={"Cache-Control": "public, max-age=3600"},
    )
