"""Which language a page is answered in, and dates and numbers as that language writes them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub import pages
from hub.models.tenant import Language, Tenant
from hub.pages import i18n

KYIV = "Europe/Kyiv"
# Tuesday 1 December 2026, 19:05 in Kyiv (17:05 UTC).
EVENING = int(datetime(2026, 12, 1, 19, 5, tzinfo=ZoneInfo(KYIV)).timestamp() * 1000)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "uk"),
        ("", "uk"),
        ("en", "en"),
        ("uk-UA,uk;q=0.9", "uk"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("de-DE,de;q=0.9,en;q=0.8,ru;q=0.7", "en"),  # the first the pages speak
        ("en;q=0.5, ru;q=0.8", "ru"),  # by q-value, not by order
        ("ru;q=0.8, en;q=0.8", "ru"),  # a tie: the header's order
        ("ua, en;q=0.1", "en"),  # `ua` is a country, not a language
        ("ru;q=0, en;q=0.1", "en"),  # q=0: not this one
        ("*", "uk"),
        ("fr, *;q=0.5", "uk"),
        ("ru;q=oops, en;q=0.3", "en"),  # a malformed q counts as 0
        ("EN-gb", "en"),
    ],
)
def test_page_language_browser_asks_else_the_tenants(header: str | None, expected: str) -> None:
    tenant = Tenant(slug="shop", name="Shop", language=Language.UK)
    assert pages.language(tenant, header) == expected


def test_page_language_chosen_on_the_pages_wins_over_the_browser_and_a_forged_one_does_not() -> None:
    tenant = Tenant(slug="shop", name="Shop", language=Language.RU)
    assert pages.language(tenant, "en", "uk") == "uk"
    assert pages.language(tenant, "en", "ua") == "en"
    assert pages.language(tenant, None, "") == "ru"


def test_page_language_requested_reads_at_most_a_few_dozen_ranges() -> None:
    assert len(i18n.requested(",".join(["de"] * 10_000 + ["en"]))) == i18n.MAX_RANGES


@pytest.mark.parametrize(
    ("lang", "moment", "day", "opening", "clock"),
    [
        ("ru", "01.12.2026, 19:05", "01.12.2026", "вт, 01.12, 19:05", "19:05"),
        ("uk", "01.12.2026, 19:05", "01.12.2026", "вт, 01.12, 19:05", "19:05"),
        ("en", "12/1/2026, 7:05\u202fPM", "12/1/2026", "Tue, 12/1, 7:05\u202fPM", "7:05\u202fPM"),
    ],
)
def test_page_dates_in_the_tenants_zone_as_the_language_writes_them(
    lang: str, moment: str, day: str, opening: str, clock: str
) -> None:
    assert i18n.time_of_day(EVENING, lang, KYIV) == clock  # the team page's "on the line since"
    assert i18n.time_of_day(None, lang, KYIV) == ""
    assert i18n.date_time(EVENING, lang, KYIV) == moment
    assert i18n.date_only(EVENING, lang, KYIV) == day
    assert i18n.opening(EVENING, lang, KYIV) == opening
    assert i18n.date_time(EVENING, lang, "Asia/Tokyo").startswith(("02.12.2026", "12/2/2026"))
    assert i18n.date_time(None, lang, KYIV) == i18n.date_only(0, lang, KYIV) == ""


def test_page_numbers_grouped_as_the_language_groups_them() -> None:
    assert i18n.number(100_000, "uk") == i18n.number(100_000, "ru") == "100\xa0000"
    assert i18n.number(100_000, "en") == "100,000"
    assert i18n.number(None, "en") == "" and i18n.number(7, "ru") == "7"


def test_page_weekdays_monday_first_in_each_language() -> None:
    assert i18n.weekdays("ru") == ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
    assert i18n.weekdays("uk")[6] == "нд"
    assert i18n.weekdays("en")[:2] == ("Mon", "Tue")


def test_page_filters_render_in_the_pages_language_and_tenants_zone() -> None:
    tenant = Tenant(slug="shop", name="Shop", timezone=KYIV)
    filters = "{{ at | when }}|{{ at | day }}|{{ n | number }}|{{ at | clock }}"
    template = pages.environment().from_string(filters)
    context = {"lang": "en", i18n.ZONE_VARIABLE: tenant.timezone}
    evening = "7:05\u202fPM"
    assert template.render(at=EVENING, n=2397, **context) == f"12/1/2026, {evening}|12/1/2026|2,397|{evening}"
    context["lang"] = "uk"
    assert template.render(at=EVENING, n=2397, **context) == "01.12.2026, 19:05|01.12.2026|2\xa0397|19:05"
