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
from hub.secrets import same_digest

HERE = Path(__file__).parent
SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "brand": "Телефония",
        "search": "Поиск",
        "callbacks": "Перезвонить",
        "new_contact": "Новый контакт",
        "logout": "Выйти",
        "login_title": "Вход",
        "login": "Логин",
        "password": "Пароль",
        "sign_in": "Войти",
        "wrong_credentials": "Неправильный логин или пароль",
        "locked": "Слишком много попыток. Повторите позже",
        "bad_sign_in": "Неверный логин или адрес перехода",
        "inactive": "неактивен",
        "presence_away": "Отошёл",
        "presence_back": "На месте",
        "phone": "Телефон",
        "name": "Имя",
        "find": "Найти",
        "nothing_found": "Ничего не найдено",
        "lead": "Лид",
        "contact": "Контакт",
        "company": "Компания",
        "phones": "Телефоны",
        "address": "Адрес",
        "www": "Сайт",
        "responsible": "Ответственный",
        "source": "Источник",
        "attribution": "Реклама",
        "description": "Описание",
        "open_callbacks": "Нужно перезвонить",
        "missed_times": "Пропущено",
        "calls": "Звонки",
        "no_calls": "Звонков пока нет",
        "robot_answer": "Ответ роботу",
        "events": "События",
        "inbound": "входящий",
        "outbound": "исходящий",
        "internal": "внутренний",
        "answered": "отвечен",
        "missed": "пропущен",
        "no_answer": "без ответа",
        "in_progress": "идёт",
        "type": "Тип",
        "create": "Создать",
        "no_callbacks": "Все перезвонили",
        "mark_done": "Перезвонил",
        "who": "Кто это?",
        "not_found": "Не найдено",
        "forbidden": "Форма устарела, обновите страницу",
        "error": "Ошибка. Повторите позже",
        "number_taken": "Этот номер уже есть у контакта",
        "create_anyway": "Можно всё равно создать новый контакт с этим номером.",
        "call": "Позвонить",
        "call_placed": "Звоним: сейчас зазвонит ваш телефон",
        "call_no_ext": "Чтобы звонить, нужен внутренний номер: попросите администратора",
        "call_no_credentials": "Телефония не подключена: нужны ключи Phonet в настройках",
        "call_bad_number": "Этот номер нельзя набрать",
        "call_vendor_failed": "АТС не приняла звонок. Повторите позже",
        "call_unknown": "АТС не подтвердила звонок: проверьте, не идёт ли он уже",
        "do_not_call": "Не звонить",
        "call_listed": "Номер в списке «Не звонить»: кампании его не набирают",
        "dnc_listed": "Номер внесён в список «Не звонить»: кампании его не наберут",
        "dnc_unlisted": "Номер убран из списка «Не звонить»",
    },
    "en": {
        "brand": "Telephony",
        "search": "Search",
        "callbacks": "Call back",
        "new_contact": "New contact",
        "logout": "Sign out",
        "login_title": "Sign in",
        "login": "Login",
        "password": "Password",
        "sign_in": "Sign in",
        "wrong_credentials": "Wrong login or password",
        "locked": "Too many attempts. Try again later",
        "bad_sign_in": "Invalid login or return address",
        "inactive": "inactive",
        "presence_away": "Away",
        "presence_back": "Available",
        "phone": "Phone",
        "name": "Name",
        "find": "Find",
        "nothing_found": "Nothing found",
        "lead": "Lead",
        "contact": "Contact",
        "company": "Company",
        "phones": "Phones",
        "address": "Address",
        "www": "Website",
        "responsible": "Responsible",
        "source": "Source",
        "attribution": "Campaign",
        "description": "Description",
        "open_callbacks": "To call back",
        "missed_times": "Missed",
        "calls": "Calls",
        "no_calls": "No calls yet",
        "robot_answer": "Answer to the robot",
        "events": "Events",
        "inbound": "inbound",
        "outbound": "outbound",
        "internal": "internal",
        "answered": "answered",
        "missed": "missed",
        "no_answer": "no answer",
        "in_progress": "in progress",
        "type": "Type",
        "create": "Create",
        "no_callbacks": "Nobody is waiting",
        "mark_done": "Called back",
        "who": "Who is it?",
        "not_found": "Not found",
        "forbidden": "The form expired, reload the page",
        "error": "Something went wrong. Try again later",
        "number_taken": "This number already belongs to",
        "create_anyway": "You may still create another contact with it.",
        "call": "Call",
        "call_placed": "Calling: your phone rings first",
        "call_no_ext": "You need an extension to place calls: ask an administrator",
        "call_no_credentials": "Telephony is not connected: Phonet credentials are needed in the settings",
        "call_bad_number": "This number cannot be dialed",
        "call_vendor_failed": "The PBX did not take the call. Try again later",
        "call_unknown": "The PBX did not confirm the call: check whether it is already ringing",
        "do_not_call": "Do not call",
        "call_listed": "This number is on the do-not-call list: campaigns do not dial it",
        "dnc_listed": "The number is on the do-not-call list now: campaigns will not dial it",
        "dnc_unlisted": "The number is off the do-not-call list",
    },
}


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
        t=LABELS[lang], lang=lang, tenant=tenant.slug, tenant_name=tenant.name, **context
    )


def stylesheet() -> str:
    return (HERE / "static" / "app.css").read_text(encoding="utf-8")


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
