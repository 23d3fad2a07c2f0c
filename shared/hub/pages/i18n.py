"""The pages' languages: which one a request is answered in, and dates, times and numbers written as
that language writes them (Babel, from CLDR's data), so no page formats them by hand.

A request gets the language its person chose on the pages (a cookie), else the first one the browser
asks for that the pages speak (Accept-Language, by its q-values), else its tenant's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time, get_datetime_format, get_day_names
from babel.numbers import format_decimal
from jinja2 import pass_context
from jinja2.runtime import Context

from hub.models.tenant import Language

LANGUAGE_COOKIE = "hub_lang"
SPOKEN = frozenset(language.value for language in Language)
# Each language by its own name, as a person looks for theirs in a switch (the same in every language).
ENDONYMS = {Language.UK.value: "Українська", Language.RU.value: "Русский", Language.EN.value: "English"}
# The context variable hub.pages.render sets to the tenant's time zone, for the date filters.
ZONE_VARIABLE = "tenant_zone"
# A header is the client's: a few dozen ranges are more than any browser sends.
MAX_RANGES = 30


def requested(accept_language: str | None) -> list[str]:
    """The primary language codes of an Accept-Language header, most wanted first (RFC 9110 §12.5.4):
    by q-value, ties in the header's order; `q=0` means "not this" and `*` names no language."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")[:MAX_RANGES]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.split("-")[0].lower()
        if code and code != "*" and quality > 0:
            ranked.append((-quality, index, code))
    return [code for _, _, code in sorted(ranked)]


def negotiate(tenant_language: str, accept_language: str | None, chosen: str | None = None) -> str:
    """The language to answer in: the person's choice, else the browser's first spoken, else the tenant's."""
    if chosen in SPOKEN:
        return chosen  # type: ignore[return-value]
    return next((code for code in requested(accept_language) if code in SPOKEN), tenant_language)


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(lang)


def _local(ms: int, zone: str) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(zone))


def _date_and_time(moment: datetime, date_skeleton: str, lang: str) -> str:
    """A date (by a CLDR skeleton) and its short time, joined as the language joins them."""
    joined = get_datetime_format("short", locale=locale(lang)).replace("'", "")
    date = format_skeleton(date_skeleton, moment, locale=locale(lang))
    return joined.replace("{1}", date).replace("{0}", format_time(moment, "short", locale=locale(lang)))


def date_time(ms: int | None, lang: str, zone: str) -> str:
    """A moment in the tenant's zone: "01.12.2026, 09:05" in ru and uk, "12/1/2026, 9:05 AM" in en."""
    return _date_and_time(_local(ms, zone), "yMd", lang) if ms else ""


def date_only(ms: int | None, lang: str, zone: str) -> str:
    """The day of a moment in the tenant's zone: "01.12.2026", "12/1/2026"."""
    return format_skeleton("yMd", _local(ms, zone), locale=locale(lang)) if ms else ""


def opening(ms: int | None, lang: str, zone: str) -> str:
    """A moment ahead as a person plans around it, with its weekday: "ср, 02.12, 09:00" in ru,
    "Wed, 12/2, 9:00 AM" in en."""
    return _date_and_time(_local(ms, zone), "MEd", lang) if ms else ""


def time_of_day(ms: int | None, lang: str, zone: str) -> str:
    """A moment of today as the tenant's clock shows it: "14:02" in ru and uk, "2:02 PM" in en."""
    return format_time(_local(ms, zone), "short", locale=locale(lang)) if ms else ""


def number(value: float | None, lang: str) -> str:
    """A count grouped as the language groups it: "100 000" in ru and uk, "100,000" in en."""
    return "" if value is None else format_decimal(value, locale=locale(lang))


@cache
def weekdays(lang: str) -> tuple[str, ...]:
    """The short weekday names, Monday first (ISO weekday n is index n - 1)."""
    names = get_day_names("abbreviated", locale=locale(lang))
    return tuple(names[day] for day in range(7))


@pass_context
def when_filter(context: Context, ms: int | None) -> str:
    return date_time(ms, context["lang"], context[ZONE_VARIABLE])


@pass_context
def day_filter(context: Context, ms: int | None) -> str:
    return date_only(ms, context["lang"], context[ZONE_VARIABLE])


@pass_context
def clock_filter(context: Context, ms: int | None) -> str:
    return time_of_day(ms, context["lang"], context[ZONE_VARIABLE])


@pass_context
def number_filter(context: Context, value: float | None) -> str:
    return number(value, context["lang"])


# What hub.pages.environment() registers: `when` (date and time), `day` (date), `clock` (time of day),
# `number` (grouped).
FILTERS: dict[str, Any] = {
    "when": when_filter,
    "day": day_filter,
    "clock": clock_filter,
    "number": number_filter,
}
