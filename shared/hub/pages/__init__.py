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
        "campaigns": "Кампании",
        "campaign": "Кампания",
        "no_campaigns": "Кампаний пока нет",
        "more": "Ещё",
        "created": "Создана",
        "provider": "Кто звонит",
        "status": "Состояние",
        "progress": "Отправлено",
        "sent_of": "{sent} из {accepted}",
        "answered_count": "Ответили",
        "not_answered_count": "Не ответили",
        "not_known": "Итог ещё неизвестен",
        "not_sent_yet": "Ещё не отправлено",
        "provider_avtodialer": "Автодозвон, сценарий {0}",
        "provider_obzvonilka": "Обзвонилка, база {0}",
        "status_receiving": "Принимаем записи",
        "status_preparing": "Проверяем номера",
        "status_sending": "Отправляем",
        "status_waiting": "Ждёт окна",
        "status_attention": "Нужно решение",
        "status_done": "Завершена",
        "status_cancelled": "Отменена",
        "meaning_receiving": "Получено страниц записей: {0} из {1}",
        "meaning_preparing": "Номера проверяются и очищаются от дублей и списка «Не звонить»",
        "meaning_sending": "Части уходят в обзвон",
        "meaning_waiting": "Сейчас звонить нельзя: окно откроется {0}",
        "meaning_attention": "Итог некоторых частей неясен: проверьте в кабинете и отправьте снова "
        "или отметьте как отправленные",
        "meaning_done": "Всё отправлено, что можно было отправить",
        "meaning_cancelled": "Неотправленные части отменены; отправленные отозвать нельзя",
        "window": "Окно звонков",
        "received": "Получено записей",
        "accepted": "Принято",
        "outcomes": "Итоги",
        "rejections": "Отсеяно",
        "no_rejections": "Ничего не отсеяно",
        "reason_invalid_phone": "Неверный номер",
        "reason_contact_not_found": "Контакт не найден",
        "reason_contact_without_phone": "У контакта нет телефона",
        "reason_duplicate": "Повтор номера",
        "reason_do_not_call": "В списке «Не звонить»",
        "reason_do_not_call_late": "Внесён в «Не звонить» позже",
        "reason_vendor_rejected": "Отклонён сервисом",
        "chunks": "Части",
        "chunk_number": "№",
        "chunk_state": "Состояние",
        "chunk_records": "Записей",
        "chunk_job": "Задание",
        "chunk_reason": "Причина",
        "chunk_actions": "Действия",
        "chunks_shown": "Показаны первые {0} частей из {1}",
        "state_pending": "ждёт",
        "state_sending": "отправляется",
        "state_sent": "отправлена",
        "state_uncertain": "итог неясен",
        "state_failed": "ошибка",
        "state_cancelled": "отменена",
        "resend": "Отправить снова",
        "mark_sent": "Отмечено как отправленное",
        "cancel_campaign": "Отменить кампанию",
        "cancel_note": "Отменяются только части, которые ещё не отправлены: отправленные отозвать нельзя.",
        "campaign_cancelled": "Кампания отменена. Отправленные части отозвать нельзя",
        "chunk_resent": "Часть отправится снова",
        "chunk_marked_sent": "Часть отмечена как отправленная",
        "chunk_not_resendable": "Снова можно отправить только часть с неясным итогом или с ошибкой",
        "chunk_not_uncertain": "Отметить можно только часть с неясным итогом",
        "batch_cancelled": "Кампания отменена: части больше не отправляются",
        "campaign_action_failed": "Не получилось. Обновите страницу и повторите",
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
        "campaigns": "Campaigns",
        "campaign": "Campaign",
        "no_campaigns": "No campaigns yet",
        "more": "More",
        "created": "Created",
        "provider": "Who dials",
        "status": "Status",
        "progress": "Sent",
        "sent_of": "{sent} of {accepted}",
        "answered_count": "Answered",
        "not_answered_count": "Not answered",
        "not_known": "Outcome not known yet",
        "not_sent_yet": "Not sent yet",
        "provider_avtodialer": "Avtodialer, scenario {0}",
        "provider_obzvonilka": "Obzvonilka, base {0}",
        "status_receiving": "Receiving records",
        "status_preparing": "Checking numbers",
        "status_sending": "Sending",
        "status_waiting": "Waiting for its window",
        "status_attention": "Needs a decision",
        "status_done": "Done",
        "status_cancelled": "Cancelled",
        "meaning_receiving": "Pages of records received: {0} of {1}",
        "meaning_preparing": "Numbers are checked, duplicates and do-not-call numbers removed",
        "meaning_sending": "Chunks are on their way to the dialer",
        "meaning_waiting": "No calls allowed now: the window opens {0}",
        "meaning_attention": "Some chunks' outcome is unclear: check the dialer's cabinet, then resend "
        "or mark them sent",
        "meaning_done": "Everything that could be sent was sent",
        "meaning_cancelled": "Unsent chunks were cancelled; sent ones cannot be recalled",
        "window": "Call window",
        "received": "Records received",
        "accepted": "Accepted",
        "outcomes": "Outcomes",
        "rejections": "Left out",
        "no_rejections": "Nothing left out",
        "reason_invalid_phone": "Invalid number",
        "reason_contact_not_found": "Contact not found",
        "reason_contact_without_phone": "Contact without a phone",
        "reason_duplicate": "Repeated number",
        "reason_do_not_call": "On the do-not-call list",
        "reason_do_not_call_late": "Put on the do-not-call list later",
        "reason_vendor_rejected": "Refused by the service",
        "chunks": "Chunks",
        "chunk_number": "No.",
        "chunk_state": "State",
        "chunk_records": "Records",
        "chunk_job": "Job",
        "chunk_reason": "Reason",
        "chunk_actions": "Actions",
        "chunks_shown": "The first {0} chunks of {1} are shown",
        "state_pending": "pending",
        "state_sending": "sending",
        "state_sent": "sent",
        "state_uncertain": "uncertain",
        "state_failed": "failed",
        "state_cancelled": "cancelled",
        "resend": "Send again",
        "mark_sent": "Marked as sent",
        "cancel_campaign": "Cancel the campaign",
        "cancel_note": "Only chunks not sent yet are cancelled: sent ones cannot be recalled.",
        "campaign_cancelled": "The campaign is cancelled. Sent chunks cannot be recalled",
        "chunk_resent": "The chunk will be sent again",
        "chunk_marked_sent": "The chunk is marked as sent",
        "chunk_not_resendable": "Only an uncertain or failed chunk can be sent again",
        "chunk_not_uncertain": "Only an uncertain chunk can be marked as sent",
        "batch_cancelled": "The campaign is cancelled: no chunk is sent any more",
        "campaign_action_failed": "That did not work. Reload the page and try again",
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
