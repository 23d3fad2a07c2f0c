"""The campaign pages through the pages' handler, on batches made by the CampaignService with its
queue kept in the test (test_campaigns.Rig) and sent to the Avtodialer fake: the list, one batch's
progress and outcomes, its JSON poll, the operators' buttons, and another tenant's batch."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.models.campaign import BatchStatus, ChunkState, DialBatch, DialWindow, Provider
from hub.pages.labels import LABELS
from hub.pages.routes import campaigns as campaign_routes
from hubtools.fakes import AvtodialerFake
from tests.conftest import Seeded
from tests.integration.test_app_pages import Browser
from tests.integration.test_campaigns import (  # noqa: F401 - fixtures
    NEXT_OPENING,
    Rig,
    call_list,
    dialer,
    numbers,
    rig,
    robot_spec,
)


@pytest.fixture
def boris(pages: Any, lambda_context: Any) -> Browser:
    """Boris, signed in at globex (the rig's tenant)."""
    browser = Browser(pages, lambda_context)
    assert browser.sign_in(tenant="globex", login="boris")[0] == 303
    return browser


def sent_bar(page: str) -> tuple[int, int]:
    found = re.search(r'<progress id="sent-bar" max="(\d+)" value="(\d+)"', page)
    assert found, "the campaign page has its progress bar"
    return int(found[2]), int(found[1])


def chunk_states(page: str) -> dict[int, str]:
    return {int(n): state for n, state in re.findall(r'<tr data-chunk="(\d+)" data-state="(\w+)"', page)}


def sent_batch(rig: Rig) -> DialBatch:  # noqa: F811
    """2400 numbers, two invalid and one repeated, all sent: three chunks."""
    records = numbers(2400)
    records[5] = {"phone": "не номер"}
    records[6] = {"phone": "8 922 000 00 07"}
    records[10] = {}
    batch = rig.service.submit(rig.context, robot_spec(), records, "pages-1")
    rig.run()
    return batch


def test_campaign_pages_list_and_batch_show_status_progress_outcomes_and_chunks(
    rig: Rig,  # noqa: F811
    boris: Browser,
) -> None:
    batch = sent_batch(rig)
    status, _, listing = boris.get("/app/globex/campaigns")
    assert status == 200 and f'href="/app/globex/campaigns/{batch.id}"' in listing
    assert 'href="/app/globex/campaigns" aria-current="page">Кампании</a>' in listing  # the nav
    assert 'data-status="done"' in listing and "Завершена" in listing
    assert "Автодозвон, сценарий 7" in listing and "2\xa0397 из 2\xa0397" in listing  # grouped as ru groups

    status, _, page = boris.get(f"/app/globex/campaigns/{batch.id}")
    assert status == 200
    assert sent_bar(page) == (2397, 2397)
    assert 'id="status-label">Завершена<' in page
    assert "09:00–20:00, пн, вт, ср, чт, пт" in page and "Europe/Moscow" in page
    assert re.search(r'data-reason="invalid_phone">Неверный номер: 2<', page)
    assert re.search(r'data-reason="duplicate">Повтор номера: 1<', page)
    assert re.search(r'data-outcome="not_known">.*?<span class="chart-count">2\xa0397<', page)
    assert '<dd id="count-received">2\xa0400</dd>' in page and '<dd id="count-accepted">2\xa0397</dd>' in page
    assert chunk_states(page) == {0: "sent", 1: "sent", 2: "sent"}
    assert "Отправить снова" not in page and "Отменить кампанию" not in page  # done: nothing to do
    assert 'src="/app/static/campaign.js"' in page and 'data-final="true"' in page
    script = boris.get("/app/static/campaign.js")
    assert script[0] == 200 and "setTimeout(poll" in script[2]


def test_campaign_pages_list_pages_with_a_signed_cursor(rig: Rig, boris: Browser, monkeypatch) -> None:  # noqa: F811
    made = [rig.service.submit(rig.context, robot_spec(), numbers(1), f"k{n}") for n in range(3)]
    monkeypatch.setattr(campaign_routes, "CAMPAIGNS_PAGE", 2)
    _, _, first = boris.get("/app/globex/campaigns")
    after = re.search(r'rel="next" href="(/app/globex/campaigns\?after=[^"]+)"', first)
    assert after and first.count('class="campaign-item"') == 2
    _, _, second = boris.get(after[1].replace("&amp;", "&"))
    shown = re.findall(r'data-batch="(\w+)"', first + second)
    assert sorted(shown) == sorted(batch.id for batch in made) and 'rel="next"' not in second
    assert boris.get("/app/globex/campaigns?after=forged")[0] == 400


def test_campaign_page_of_another_tenant_is_not_found(
    seeded: Seeded,
    rig: Rig,  # noqa: F811
    pages: Any,
    lambda_context: Any,
) -> None:
    batch = sent_batch(rig)
    anna = Browser(pages, lambda_context)
    anna.sign_in()
    assert anna.get(f"/app/acme/campaigns/{batch.id}")[0] == 404
    assert anna.get(f"/app/acme/campaigns/{batch.id}/progress")[0] == 404
    assert anna.post(f"/app/acme/campaigns/{batch.id}/cancel")[0] == 404
    assert anna.post(f"/app/acme/campaigns/{batch.id}/chunks/0/resend")[0] == 404
    assert anna.get(f"/app/globex/campaigns/{batch.id}")[0] == 303  # her session is acme's only
    assert batch.id not in anna.get("/app/acme/campaigns")[2]
    assert anna.get("/app/acme/campaigns/not-an-id")[0] == 404
    assert rig.service.batch(rig.context, batch.id).status is BatchStatus.DONE


def test_campaign_page_buttons_resend_mark_sent_and_cancel_move_the_chunks(
    rig: Rig,  # noqa: F811
    dialer: AvtodialerFake,  # noqa: F811
    boris: Browser,
) -> None:
    # given: both chunks of a batch ended uncertain (a 5xx with a body: maybe queued)
    dialer.fail("status", method="POST", path=r"/.*/make", status=500, body="oops", times=2)
    batch = rig.service.submit(rig.context, robot_spec(), numbers(1500), "pages-2")
    rig.run()
    path = f"/app/globex/campaigns/{batch.id}"
    page = boris.get(path)[2]
    assert chunk_states(page) == {0: "uncertain", 1: "uncertain"}
    assert page.count(">Отправить снова<") == 2 and page.count(">Отметить отправленной<") == 2
    assert "Нужно решение" in page and "отправленные отозвать нельзя" in page

    # when: chunk 0 resent, chunk 1 marked sent (and marked again: a Conflict, shown as a notice)
    assert boris.request("POST", f"{path}/chunks/0/resend", {})[0] == 403  # no CSRF token
    status, headers, _ = boris.post(f"{path}/chunks/0/resend")
    assert (status, headers["Location"]) == (303, f"{path}?notice=chunk_resent")
    status, headers, _ = boris.post(f"{path}/chunks/1/done")
    assert headers["Location"] == f"{path}?notice=chunk_marked_sent"
    status, headers, _ = boris.post(f"{path}/chunks/1/done")
    assert headers["Location"] == f"{path}?notice=chunk_not_uncertain"
    page = boris.get(headers["Location"])[2]
    assert 'class="notice notice-error"' in page and "Отметить можно только часть с неясным итогом" in page

    # then: the chunks moved, as the page shows; the resent one waits for the dial worker
    assert rig.service.chunk(rig.context, batch.id, 0).state is ChunkState.PENDING
    marked = rig.service.chunk(rig.context, batch.id, 1)
    assert marked.state is ChunkState.SENT and marked.reason == "marked done by an operator"
    assert chunk_states(page) == {0: "pending", 1: "sent"}
    assert sent_bar(page) == (500, 1500)

    # when: cancelled from the page: the pending chunk is cancelled, the sent one stays sent
    status, headers, _ = boris.post(f"{path}/cancel")
    assert headers["Location"] == f"{path}?notice=campaign_cancelled"
    page = boris.get(headers["Location"])[2]
    assert chunk_states(page) == {0: "cancelled", 1: "sent"}
    assert "Отправленные части отозвать нельзя" in page and "Отменить кампанию" not in page
    assert boris.post(f"{path}/chunks/0/resend")[1]["Location"] == f"{path}?notice=batch_cancelled"
    assert boris.post(f"{path}/chunks/x/resend")[0] == 404


def test_campaign_progress_json_needs_the_session_and_follows_the_batch(
    rig: Rig,  # noqa: F811
    pages: Any,
    lambda_context: Any,
) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), numbers(1500), "pages-3")
    while rig.queue.now and rig.queue.now[0]["step"] == "prepare":  # checked and cut, nothing sent
        rig.deliver(rig.queue.now.pop(0))
    progress = f"/app/globex/campaigns/{batch.id}/progress"
    stranger = Browser(pages, lambda_context)
    status, headers, body = stranger.get(progress)
    assert status == 401 and json.loads(body) == {"error": "sign_in_required"}
    browser = Browser(pages, lambda_context)
    browser.sign_in(tenant="globex", login="boris")

    status, headers, body = browser.get(progress)
    first = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert (first["sent"], first["accepted"], first["final"]) == (0, 1500, False)
    assert first["chunks"]["pending"] == 2 and first["chunks_html"].count("<tr data-chunk") == 2

    rig.deliver(rig.queue.now.pop(0))  # the first chunk is sent
    second = json.loads(browser.get(progress)[2])
    assert (second["sent"], second["sent_text"]) == (1000, "1\xa0000 из 1\xa0500")
    assert second["accepted_text"] == "1\xa0500"  # what the script writes into the page
    english = Browser(pages, lambda_context, language="en")
    english.sign_in(tenant="globex", login="boris")
    assert json.loads(english.get(progress)[2])["sent_text"] == "1,000 of 1,500"
    assert 'data-chunk="0" data-state="sent"' in second["chunks_html"]
    rig.run()
    last = json.loads(browser.get(progress)[2])
    assert (last["sent"], last["status"], last["final"]) == (1500, "done", True)
    assert '<span class="chart-count">1\xa0500</span>' in last["outcomes_html"]


def test_campaign_view_of_a_waiting_batch_says_when_its_window_opens(seeded: Seeded, pages: Any) -> None:
    waiting = DialBatch(
        tenant="globex",
        id="0" * 24,
        provider=Provider.OBZVONILKA,
        base_id="12",
        window=DialWindow(),
        timezone="Europe/Moscow",
        status=BatchStatus.WAITING,
        next_window_at=NEXT_OPENING,
        created_at=NEXT_OPENING - 3_600_000,
    )
    ru = campaign_routes.campaign_view(seeded.globex.tenant, "ru", waiting)
    assert ru["status_label"] == "Ждёт окна"
    assert ru["meaning"] == "Сейчас звонить нельзя: окно откроется ср, 02.12, 09:00"
    assert ru["provider"] == "Обзвонилка, база 12" and ru["final"] is False
    en = campaign_routes.campaign_view(seeded.globex.tenant, "en", waiting)
    assert en["meaning"] == "No calls allowed now: the window opens Wed, 12/2, 9:00\u202fAM"


def visible(html: str) -> str:
    """The text a person reads, tags (and their attributes) left out."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_campaign_page_says_chunk_states_reasons_and_dates_in_words(
    rig: Rig,  # noqa: F811
    dialer: AvtodialerFake,  # noqa: F811
    boris: Browser,
) -> None:
    dialer.fail("status", method="POST", path=r"/.*/make", status=500, body="oops", times=2)
    batch = rig.service.submit(rig.context, robot_spec(), numbers(1500), "pages-words")
    rig.run()
    path = f"/app/globex/campaigns/{batch.id}"
    page = boris.get(path)[2]

    rows = re.findall(r'<tr data-chunk="\d+".*?</tr>', page, re.S)
    assert len(rows) == 2 and all('data-reason="chunk_reason_vendor_unavailable"' in row for row in rows)
    text = visible("".join(rows))
    assert text.count("итог неясен") == 2 and text.count("Сервис обзвона не ответил") == 2
    assert "uncertain" not in text and "vendor_" not in text and "oops" not in text
    assert 'id="chunks-summary" class="muted">итог неясен: 2<' in page
    created = dt.datetime.fromtimestamp(batch.created_at / 1000, ZoneInfo("Europe/Moscow"))
    assert f"<dt>Создана</dt><dd>{created:%d.%m.%Y, %H:%M}</dd>" in page  # the tenant's clock, in ru's form
    assert 'id="status-meaning" role="status" aria-live="polite"' in page
    assert 'class="resend primary">Отправить снова<span class="visually-hidden">: часть 1</span>' in page
    assert 'class="mark-sent secondary">Отметить отправленной<span class="visually-hidden">: часть 2<' in page

    boris.post(f"{path}/chunks/1/done")
    progress = json.loads(boris.get(f"{path}/progress")[2])
    raw = {state: count for state, count in progress["chunks"].items() if count}
    assert raw == {"uncertain": 1, "sent": 1}  # the raw counts stay, for scripts
    assert progress["chunk_states"] == [
        {"state": "sent", "label": "отправлена", "count": 1},
        {"state": "uncertain", "label": "итог неясен", "count": 1},
    ]
    assert progress["chunks_summary"] == "отправлена: 1 · итог неясен: 1"
    assert "Отмечена отправленной оператором" in visible(progress["chunks_html"])


@pytest.mark.parametrize(
    ("lang", "uncertain", "summary"),
    [
        ("ru", "итог неясен", "ждёт отправки: 1 · итог неясен: 2"),
        ("en", "outcome unclear", "waiting to be sent: 1 · outcome unclear: 2"),
        ("uk", "підсумок неясний", "чекає надсилання: 1 · підсумок неясний: 2"),
    ],
)
def test_campaign_view_says_chunk_states_in_every_language(
    seeded: Seeded, lang: str, uncertain: str, summary: str
) -> None:
    batch = DialBatch(
        tenant="globex",
        id="1" * 24,
        provider=Provider.AVTODIALER,
        scenario="7",
        window=DialWindow(),
        timezone="Europe/Moscow",
        status=BatchStatus.ATTENTION,
        chunks={"uncertain": 2, "pending": 1},
        created_at=NEXT_OPENING,
    )
    view = campaign_routes.campaign_view(seeded.globex.tenant, lang, batch)
    assert [row["label"] for row in view["chunk_states"]] == [summary.split(":")[0], uncertain]
    assert view["chunks_summary"] == summary
    assert view["status_label"] == LABELS[lang]["status_attention"] != "attention"


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("resent by an operator", "chunk_reason_resent"),
        ("marked done by an operator", "chunk_reason_marked"),
        ("the worker stopped while sending: the dialer may have queued it", "chunk_reason_interrupted"),
        ("unexpected failure: KeyError", "chunk_reason_unexpected"),
        ("vendor_unavailable: avtodialer make answered 500", "chunk_reason_vendor_unavailable"),
        ("vendor_rejected: avtodialer make answered 400", "chunk_reason_vendor_rejected"),
        ("vendor_auth_expired: refused", "chunk_reason_vendor_auth"),
        ("credentials_missing: the tenant has stored no avtodialer credentials", "chunk_reason_credentials"),
        ("something new: the service changed", "chunk_reason_other"),
        (None, None),
    ],
)
def test_campaign_chunk_reason_reads_in_words_in_every_language(reason: str | None, key: str | None) -> None:
    assert campaign_routes.reason_key(reason) == key
    if key:
        assert all(LABELS[lang][key] and "_" not in LABELS[lang][key] for lang in ("ru", "en", "uk"))
