"""The hub's own pages: Jinja2 with autoescape, Ukrainian, Russian and English labels (hub.pages.i18n
picks one and writes dates and numbers in it), signed sessions, CSRF.

A session is a cookie signed with the tenant's own key and scoped to `/app/{tenant}`, so it can
never open another tenant's pages (hub.domain.auth.PageSessions mints and checks it). Forms carry
a CSRF token that must equal a SameSite=Strict cookie (double submit): a page on another site can
neither read nor set it.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.models.common import is_web_url
from hub.models.tenant import Tenant
from hub.pages import formats, i18n
from hub.pages.labels import LABELS
from hub.secrets import same_digest

HERE = Path(__file__).parent
SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"

# What the card may say after its Call button (`?notice=`): a key of LABELS, never free text.
CALL_NOTICES = frozenset(
    {
        "call_placed",
        "call_no_ext",
        "call_no_credentials",
        "call_bad_number",
        "call_vendor_failed",
        "call_unknown",
    }
)
# What the card may say after its do-not-call toggle, besides the Call button's notices.
DO_NOT_CALL_NOTICES = frozenset({"dnc_listed", "dnc_unlisted"})
CARD_NOTICES = CALL_NOTICES | DO_NOT_CALL_NOTICES
GOOD_NOTICES = frozenset({"call_placed", *DO_NOT_CALL_NOTICES})
# What a campaign page may say after one of its buttons (`?notice=`); errors are their Conflict codes.
CAMPAIGN_GOOD_NOTICES = frozenset({"campaign_cancelled", "chunk_resent", "chunk_marked_sent"})
CAMPAIGN_NOTICES = CAMPAIGN_GOOD_NOTICES | {
    "chunk_not_resendable",
    "chunk_not_uncertain",
    "batch_cancelled",
    "campaign_action_failed",
}
# The header's navigation: (path under /app/{tenant}/, label key), in the order people use them.
NAVIGATION = (
    ("search", "search"),
    ("calls", "nav_calls"),
    ("callbacks", "callbacks"),
    ("team", "nav_team"),
    ("campaigns", "campaigns"),
    ("contacts/new", "new_contact"),
)
_CALL_NOTICE_BY_CODE = {
    "employee_without_ext": "call_no_ext",
    "employee_inactive": "call_no_ext",
    "credentials_missing": "call_no_credentials",
    "call_outcome_unknown": "call_unknown",
}


def call_notice(code: str, status: int) -> str:
    """The notice for a refused click-to-call: by its error code, else by kind (input or vendor)."""
    if code in _CALL_NOTICE_BY_CODE:
        return _CALL_NOTICE_BY_CODE[code]
    return "call_bad_number" if status == 400 else "call_vendor_failed"


def language(tenant: Tenant, accept_language: str | None, chosen: str | None = None) -> str:
    """The person's chosen language, else the browser's first the pages speak, else the tenant's."""
    return i18n.negotiate(tenant.language.value, accept_language, chosen)


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["duration"] = lambda seconds: f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    env.filters.update(formats.FILTERS)  # phone (tenant's country), attribution (readable keys)
    # Autoescape keeps a link inside its attribute, not off `javascript:`: links are also tested.
    env.tests["web_url"] = is_web_url
    env.filters.update(i18n.FILTERS)  # when, day, number: in the page's language and tenant's zone
    return env


def render(template: str, tenant: Tenant, lang: str, **context: Any) -> str:
    return (
        environment()
        .get_template(template)
        .render(
            t=LABELS[lang],
            weekdays=i18n.weekdays(lang),
            lang=lang,
            languages=i18n.ENDONYMS,
            navigation=NAVIGATION,
            tenant=tenant.slug,
            tenant_name=tenant.name,
            **{i18n.ZONE_VARIABLE: tenant.timezone, formats.COUNTRY_VARIABLE: tenant.default_country},
            **context,
        )
    )


def render_status(status: int, accept_language: str | None, chosen: str | None = None) -> str:
    """The page for a request no tenant's page answered (an unknown tenant or address, a body that
    cannot be read, a failure): in the browser's language, as the tenant's pages would be."""
    lang = i18n.negotiate(Tenant.model_fields["language"].default.value, accept_language, chosen)
    key = {404: "not_found", 403: "forbidden"}.get(status, "error" if status >= 500 else "bad_request")
    page = environment().get_template("status.html")
    return page.render(lang=lang, status=status, message=LABELS[lang][key])


def render_opening(tenant: Tenant, lang: str, ms: int | None) -> str:
    """A moment ahead as a person plans around it, in the tenant's time zone: "ср, 02.12, 09:00"."""
    return i18n.opening(ms, lang, tenant.timezone)


def stylesheet() -> str:
    return (HERE / "static" / "app.css").read_text(encoding="utf-8")


def nav_script() -> str:
    """Keeps the current section of the header's strip in view on a phone (the strip works without it)."""
    return (HERE / "static" / "nav.js").read_text(encoding="utf-8")


def campaign_script() -> str:
    """The campaign page's poller: a file of ours, as the stylesheet (nothing from a CDN)."""
    return (HERE / "static" / "campaign.js").read_text(encoding="utf-8")


def safe_next(base: str, target: str) -> str | None:
    """Where to go after sign-in: a path of this tenant's pages (never an open redirect) or its default;
    None for a control character (CR/LF would split the Location header), which is refused."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    if not target.startswith(base + "/") or "\\" in target:
        return f"{base}/callbacks"
    return target


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(cookie: str | None, field: str | None) -> bool:
    return bool(cookie) and bool(field) and same_digest(cookie or "", field or "")
