"""Dial campaigns: the tenant's list, each one's live progress, and the operator's buttons."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from hub import pages
from hub.api import paging
from hub.domain.campaigns import CampaignService
from hub.domain.tenants import TenantContext
from hub.errors import Conflict, NotFound
from hub.models.campaign import BatchStatus, ChunkState, DialBatch, DialChunk
from hub.models.tenant import Tenant
from hub.pages import i18n
from hub.pages.web import Page, json_response

logger = Logger()
router = Router()
BATCH_ID = re.compile(r"^[0-9a-f]{24}$")  # as the REST API's path takes it
CAMPAIGNS_PAGE = 20
CHUNK_ROWS = 200  # a 100,000-record robot batch has 100 chunks; a call list's may have 1000
POLL_MS = 3000
FINAL_STATUSES = (BatchStatus.DONE, BatchStatus.CANCELLED)
# What the campaign service writes in a chunk's `reason`, as the label a person reads instead: its
# own sentences by their start, a vendor's refusal by its error code ("vendor_unavailable: ...").
_REASON_STARTS = {
    "resent by an operator": "chunk_reason_resent",
    "marked done by an operator": "chunk_reason_marked",
    "the worker stopped while sending": "chunk_reason_interrupted",
    "unexpected failure": "chunk_reason_unexpected",
}
_REASON_CODES = {
    "vendor_unavailable": "chunk_reason_vendor_unavailable",
    "vendor_rejected": "chunk_reason_vendor_rejected",
    "vendor_auth_expired": "chunk_reason_vendor_auth",
    "credentials_missing": "chunk_reason_credentials",
}


def reason_key(reason: str | None) -> str | None:
    """The label key saying a chunk's reason in words; None when it has none."""
    if not reason:
        return None
    for start, key in _REASON_STARTS.items():
        if reason.startswith(start):
            return key
    return _REASON_CODES.get(reason.split(":", 1)[0].strip(), "chunk_reason_other")


def campaign_view(tenant: Tenant, lang: str, batch: DialBatch) -> dict[str, Any]:
    """What the list and the campaign page show of a batch, and the progress endpoint answers: its
    status in words, the sent share of the accepted records, and the outcome of every record received."""
    t, counts = pages.LABELS[lang], batch.counts

    def grouped(count: int) -> str:  # "2 397" in ru and uk, "2,397" in en
        return i18n.number(count, lang)

    meaning = t[f"meaning_{batch.status.value}"]
    if batch.status is BatchStatus.RECEIVING:
        meaning = meaning.format(batch.pages_received, batch.pages)
    elif batch.status is BatchStatus.WAITING:
        meaning = meaning.format(pages.render_opening(tenant, lang, batch.next_window_at))
    provider = t[f"provider_{batch.provider.value}"].format(batch.scenario or batch.base_id or "")
    not_known = max(0, counts.sent - counts.answered - counts.not_answered)
    outcomes = [
        ("answered", t["answered_count"], counts.answered),
        ("not_answered", t["not_answered_count"], counts.not_answered),
        ("not_known", t["not_known"], not_known),
        ("not_sent", t["not_sent_yet"], max(0, counts.accepted - counts.sent)),
        *[
            (f"rejected-{reason}", t.get(f"reason_{reason}", reason), count)
            for reason, count in counts.rejected.items()
        ],
    ]
    scale = max(counts.received, sum(count for _, _, count in outcomes), 1)
    chunk_states = [
        {"state": state.value, "label": t[f"state_{state.value}"], "count": batch.chunks[state.value]}
        for state in ChunkState
        if batch.chunks.get(state.value)
    ]
    return {
        "batch": batch,
        "provider": provider,
        "status": batch.status.value,
        "status_label": t[f"status_{batch.status.value}"],
        "meaning": meaning,
        "final": batch.status in FINAL_STATUSES,
        "sent": counts.sent,
        "accepted": counts.accepted,
        "accepted_text": grouped(counts.accepted),
        "sent_text": t["sent_of"].format(sent=grouped(counts.sent), accepted=grouped(counts.accepted)),
        "answered": counts.answered,
        "not_answered": counts.not_answered,
        "outcomes": [
            {"key": key, "label": label, "count": count, "percent": round(100 * count / scale, 1)}
            for key, label, count in outcomes
        ],
        "chunk_states": chunk_states,
        "chunks_summary": " · ".join(f"{row['label']}: {grouped(row['count'])}" for row in chunk_states),
    }


def campaign_of(page: Page, batch_id: str) -> tuple[dict[str, Any], list[DialChunk]]:
    """The batch's view and its first chunks; NotFound for another tenant's, or no such, batch."""
    if not BATCH_ID.match(batch_id):
        raise NotFound("no such dial batch", code="batch_not_found")
    service = page.services.campaigns
    batch = service.batch(page.context, batch_id)
    chunks = service.chunks(page.context, batch_id, CHUNK_ROWS, None).items
    return campaign_view(page.tenant, page.lang, batch), chunks


@router.get("/app/<tenant>/campaigns")
def campaigns(tenant: str) -> Response:
    """The tenant's batches, newest first, a page at a time (the cursor as the REST API signs it)."""
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    found, after = paging.read(
        page.context,
        paging.scope("campaign-pages"),
        page.query.get("after") or None,
        lambda start: page.services.campaigns.batches(page.context, CAMPAIGNS_PAGE, start),
    )
    return page.html(
        "campaigns.html",
        campaigns=[campaign_view(page.tenant, page.lang, batch) for batch in found],
        after=after,
    )


@router.get("/app/<tenant>/campaigns/<batch_id>")
def campaign(tenant: str, batch_id: str) -> Response:
    page = Page(router, tenant)
    if login_first := page.require_employee():
        return login_first
    try:
        view, chunks = campaign_of(page, batch_id)
    except NotFound:
        return page.message("not_found", 404)
    notice = page.query.get("notice", "")
    return page.html(
        "campaign.html",
        notice=notice if notice in pages.CAMPAIGN_NOTICES else None,
        good_notices=pages.CAMPAIGN_GOOD_NOTICES,
        view=view,
        chunks=chunks,
        poll_ms=POLL_MS,
        reason_key=reason_key,
    )


@router.get("/app/<tenant>/campaigns/<batch_id>/progress")
def campaign_progress(tenant: str, batch_id: str) -> Response:
    """The campaign page's poll: counts, status and the chunk rows and outcome chart as the page
    renders them (one template for both), so the bar moves without a reload; every value a person
    reads is in words (`status_label`, `chunk_states`, `chunks_summary`), the raw ones are kept for
    scripts. The session's, as the page: a 401 (not a redirect to sign-in) tells the script to stop."""
    page = Page(router, tenant)
    if page.employee is None:
        return json_response({"error": "sign_in_required"}, 401)
    try:
        view, chunks = campaign_of(page, batch_id)
    except NotFound:
        return json_response({"error": "not_found"}, 404)
    batch = view.pop("batch")
    parts = {"view": view, "chunks": chunks, "batch": batch, "reason_key": reason_key}
    return json_response(
        {
            **{key: value for key, value in view.items() if key != "provider"},
            "chunks": batch.chunks,
            "chunks_html": page.fragment("campaign_chunks.html", **parts),
            "outcomes_html": page.fragment("campaign_outcomes.html", **parts),
        }
    )


def campaign_action(
    tenant: str, batch_id: str, act: Callable[[CampaignService, TenantContext, str], Any], done: str
) -> Response:
    """An operator's button on the campaign page, then back to it (303: a reload repeats nothing).
    A Conflict (the chunk moved on meanwhile, the batch was cancelled) comes back as its notice."""
    page = Page(router, tenant)
    if refused := page.refused():
        return refused
    if not BATCH_ID.match(batch_id):
        return page.message("not_found", 404)
    try:
        act(page.services.campaigns, page.context, page.signed_in.id)
        notice = done
    except NotFound:
        return page.message("not_found", 404)
    except Conflict as exc:
        logger.info("campaign action refused", extra={"batch": batch_id, "code": exc.code})
        notice = exc.code if exc.code in pages.CAMPAIGN_NOTICES else "campaign_action_failed"
    return page.redirect(f"{page.base}/campaigns/{batch_id}?notice={notice}")


def chunk_number(number: str) -> int:
    if not number.isdigit() or len(number) > 6:
        raise NotFound("no such chunk", code="chunk_not_found")
    return int(number)


@router.post("/app/<tenant>/campaigns/<batch_id>/cancel")
def cancel_campaign(tenant: str, batch_id: str) -> Response:
    def cancel(service: CampaignService, context: TenantContext, by: str) -> None:
        service.cancel(context, batch_id, by)
        logger.info("dial batch cancelled from its page", extra={"batch": batch_id})

    return campaign_action(tenant, batch_id, cancel, "campaign_cancelled")


@router.post("/app/<tenant>/campaigns/<batch_id>/chunks/<number>/resend")
def resend_chunk(tenant: str, batch_id: str, number: str) -> Response:
    def resend(service: CampaignService, context: TenantContext, by: str) -> None:
        chunk = chunk_number(number)
        service.resend(context, batch_id, chunk, by)
        logger.info("dial chunk resent from its page", extra={"batch": batch_id, "chunk": chunk})

    return campaign_action(tenant, batch_id, resend, "chunk_resent")


@router.post("/app/<tenant>/campaigns/<batch_id>/chunks/<number>/done")
def chunk_sent(tenant: str, batch_id: str, number: str) -> Response:
    def mark(service: CampaignService, context: TenantContext, by: str) -> None:
        chunk = chunk_number(number)
        service.mark_done(context, batch_id, chunk, by)
        logger.info("dial chunk marked sent from its page", extra={"batch": batch_id, "chunk": chunk})

    return campaign_action(tenant, batch_id, mark, "chunk_marked_sent")
