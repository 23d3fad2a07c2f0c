"""The hub's own pages: Jinja2 with autoescape, Russian and English labels, signed sessions, CSRF.

A session is a cookie signed with the tenant's own key and scoped to `/app/{tenant}`, so it can
never open another tenant's pages (hub.domain.auth.PageSessions mints and checks it). Forms carry
a CSRF token that must equal a SameSite=Strict cookie (double submit): a page on another site can
neither read nor set it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.models.common import is_web_url
from hub.models.tenant import Language, Tenant
from hub.pages import formats
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
WEEKDAYS = {
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
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


def language(tenant: Tenant, accept_language: str | None) -> str:
    """The browser's first language the pages speak (Ukrainian reads the Russian pages), else the tenant's."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LABELS:
            return code
        if code == "uk":
            return Language.RU.value
    return tenant.language.value


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["duration"] = lambda seconds: f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    env.filters.update(formats.FILTERS)  # phone (tenant's country), attribution (readable keys)
    # Autoescape keeps a link inside its attribute, not off `javascript:`: links are also tested.
    env.tests["web_url"] = is_web_url
    return env


def render(template: str, tenant: Tenant, lang: str, **context: Any) -> str:
    env = environment()
    zone = ZoneInfo(tenant.timezone)

    def when(ms: int | None) -> str:
        return (
            datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).strftime("%d.%m.%Y %H:%M") if ms else ""
        )

    local = env.overlay()
    local.filters["when"] = when  # in the tenant's time zone
    return local.get_template(template).render(
        t=LABELS[lang],
        weekdays=WEEKDAYS[lang],
        lang=lang,
        tenant=tenant.slug,
        tenant_name=tenant.name,
        **context,
    )


def render_opening(tenant: Tenant, lang: str, ms: int | None) -> str:
    """A moment ahead as a person plans around it, in the tenant's time zone: "09:00, вт 02.12"."""
    if not ms:
        return ""
    local = datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(tenant.timezone))
    return f"{local:%H:%M}, {WEEKDAYS[lang][local.weekday()]} {local:%d.%m}"


def stylesheet() -> str:
    return (HERE / "static" / "app.css").read_text(encoding="utf-8")


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
