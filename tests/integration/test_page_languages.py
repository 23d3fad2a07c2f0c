"""The pages' language through their handler: the browser's, else the tenant's, unless the person chose
one with the switch every page has (a cookie of this tenant's pages); and the shared header."""

from __future__ import annotations

import re
from typing import Any

from tests.integration.test_app_pages import Browser

SWITCH = "/app/acme/language"


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="(\w+)">', body)
    assert found, body[:200]
    return found[1]


def test_page_language_follows_the_browser_ukrainian_included_else_the_tenants(pages, lambda_context) -> None:
    _, _, body = Browser(pages, lambda_context, language="uk-UA,uk;q=0.9,ru;q=0.8").get("/app/acme/login")
    assert html_lang(body) == "uk" and "<h1>Вхід</h1>" in body and 'lang="uk" aria-current="true"' in body
    _, _, body = Browser(pages, lambda_context, language="ua, en;q=0.5").get("/app/acme/login")
    assert html_lang(body) == "en" and "<h1>Sign in</h1>" in body
    _, _, body = Browser(pages, lambda_context, language="").get("/app/acme/login")
    assert html_lang(body) == "ru" and "<h1>Вход</h1>" in body  # acme's own language


def test_page_language_chosen_with_the_switch_stays_for_this_tenants_pages(pages, lambda_context) -> None:
    browser = Browser(pages, lambda_context, language="ru")
    browser.get("/app/acme/login?next=%2Fapp%2Facme%2Fsearch")
    status, headers, _ = browser.post(SWITCH, lang="uk", next="/app/acme/login?next=%2Fapp%2Facme%2Fsearch")
    assert (status, headers["Location"]) == (303, "/app/acme/login?next=%2Fapp%2Facme%2Fsearch")
    chosen = next(c for c in browser.set_cookie_headers if c.startswith("hub_lang="))
    assert chosen.startswith("hub_lang=uk;") and "Path=/app/acme" in chosen and "Max-Age=31536000" in chosen
    _, _, body = browser.get("/app/acme/login")
    assert html_lang(body) == "uk" and "<h1>Вхід</h1>" in body  # over the browser's Russian
    status, _, body = browser.sign_in(password="wrong")
    assert status == 401 and "Неправильний логін або пароль" in body  # errors too


def test_page_language_switch_refuses_forgery_unknown_languages_and_other_sites(
    pages, lambda_context
) -> None:
    browser = Browser(pages, lambda_context)
    browser.get("/app/acme/login")
    assert browser.request("POST", SWITCH, {"lang": "en", "next": "/app/acme/login"})[0] == 403  # no CSRF
    assert browser.post(SWITCH, lang="ua", next="/app/acme/login")[0] == 404
    assert "hub_lang" not in browser.cookies
    status, headers, _ = browser.post(SWITCH, lang="en", next="https://evil.example/app/acme/login")
    assert (status, headers["Location"]) == (303, "/app/acme/callbacks")


def test_page_header_names_every_section_marks_the_current_and_offers_a_skip_link(
    pages, lambda_context
) -> None:
    browser = Browser(pages, lambda_context, language="en")
    browser.sign_in()
    _, _, body = browser.get("/app/acme/callbacks")
    sections = re.findall(r'<li><a href="/app/acme/([\w/]+)"([^>]*)>([^<]+)</a></li>', body)
    assert [(href, name) for href, _, name in sections] == [
        ("search", "Search"),
        ("calls", "Call log"),
        ("callbacks", "Call back"),
        ("team", "Team"),
        ("campaigns", "Campaigns"),
        ("contacts/new", "New contact"),
    ]
    assert [href for href, current, _ in sections if current] == ["callbacks"]
    assert '<a class="skip-link" href="#main">Skip to content</a>' in body and '<main id="main"' in body
    _, _, body = browser.get("/app/acme/campaigns/" + "0" * 24)  # a page inside a section
    assert re.search(r'href="/app/acme/campaigns" aria-current="true"', body)


def test_page_language_of_every_label_on_a_signed_in_page_is_ukrainian(pages, lambda_context: Any) -> None:
    browser = Browser(pages, lambda_context, language="uk")
    browser.sign_in()
    _, _, body = browser.get("/app/acme/search")
    assert html_lang(body) == "uk"
    for label in (
        "Пошук",
        "Журнал дзвінків",
        "Передзвонити",
        "Команда",
        "Кампанії",
        "Новий контакт",
        "Вийти",
    ):
        assert f">{label}<" in body, label
