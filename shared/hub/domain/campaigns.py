"""Dial campaigns: many numbers for a robot dialer (Avtodialer) or a call list (Obzvonilka), never at
night, nobody on the do-not-call list, nobody twice by accident.

A batch is accepted in seconds: its records arrive in pages of up to 10,000 (a 100,000-record batch
is ten requests, each idempotent, far under Lambda's 6 MB and API Gateway's 30 s) and are only stored.
Workers then check them a slice of 1000 at a time, in parallel: numbers normalized (the tenant's
country, then the vendor's), contacts resolved, the do-not-call list applied. The last slice checked
cuts the batch into chunks, numbers repeated across the batch collapsed to their first record, and
sends a message per chunk. A chunk is claimed (pending -> sending, conditionally) inside its window,
the do-not-call list is asked again, and only then is the vendor called.

Calling a person twice is worse than not calling: a chunk is sent again by itself only when the
failure proves nothing was queued (hub.ports.vendors.DialerClient); any other ends `uncertain`, for
an operator to resend or mark done. A worker that dies while sending leaves its chunk `sending` with a
lease; the message comes back after it and finds it uncertain (a call list's upserts are keyed by
external code, so there it is simply sent again).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from aws_lambda_powertools import Logger

from hub.domain.do_not_call import DoNotCallList
from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict, HubError, InvalidPhone, NotFound
from hub.ids import new_id, now_ms
from hub.models.call import Call, CallStatus
from hub.models.campaign import (
    MAX_BATCH_RECORDS,
    MAX_PAGE_RECORDS,
    MAX_PAGES,
    SLICE_RECORDS,
    BatchCounts,
    BatchStatus,
    ChunkState,
    DialBatch,
    DialChunk,
    DialTarget,
    DialWindow,
    Provider,
    Rejection,
    RejectReason,
)
from hub.models.contact import Contact
from hub.models.tenant import Vendor
from hub.phones import normalize_phone
from hub.ports import ContactRepository, Page
from hub.ports.vendors import (
    CallListClient,
    CallListEntry,
    DialBatches,
    DialerClient,
    DialRecord,
    VendorAccounts,
)

logger = Logger(child=True)

# Records per chunk: Avtodialer's `make` takes 1000; Obzvonilka takes one contact per request (two
# with the lookup), so its chunks stay small enough to finish well inside a worker's timeout.
CHUNK_RECORDS = {Provider.AVTODIALER: 1000, Provider.OBZVONILKA: 100}
MAX_SEND_ATTEMPTS = 5  # failures that prove nothing was queued, before the chunk is failed
RETRY_DELAYS_S = (30, 60, 120, 300)
LEASE_MS = 330_000  # longer than the dial worker's timeout: a live sender is never overtaken
MAX_DELAY_S = 900  # SQS's longest delay: a longer wait (the night) takes several hops
CONTACT_PAGE = 1000


@dataclass(frozen=True)
class ContactFilter:
    """Contacts a batch takes instead of records (their first phone each), as GET /contacts filters."""

    contact_type: str | None = None
    name: str | None = None
    updated_since: int | None = None


@dataclass(frozen=True)
class BatchSpec:
    """Everything a batch asks besides its records."""

    provider: Provider
    window: DialWindow
    max_attempts: int = 1
    scenario: str | None = None
    base_id: str | None = None
    pages: int = 1
    contact_filter: ContactFilter | None = None


@dataclass(frozen=True)
class SendOutcome:
    """What one delivery of a chunk's message did (for the worker's log and metrics)."""

    outcome: str  # sent | uncertain | failed | retry | waiting | busy | cancelled | done
    chunk: int
    records: int = 0


Messages = Callable[[list[dict[str, Any]]], None]
LaterMessage = Callable[[dict[str, Any], int], None]


def digest_of(data: Any) -> str:
    """What makes two requests the same one, whatever their JSON's spacing or key order."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def key_hash(tenant: str, idempotency_key: str) -> str:
    """The same tenant and key always name the same batch; another tenant's key names another."""
    return hashlib.sha256(f"{tenant}\n{idempotency_key}".encode()).hexdigest()[:32]


def target_id(batch_id: str, page: int, index: int) -> str:
    """A record's id, sent as the dialer's UUID and returned with its result: the batch, the page and
    the row, the same on every run."""
    return f"{batch_id}-{page:02d}{index:05d}"


class CampaignService:
    def __init__(
        self,
        store: DialBatches,
        contacts: ContactRepository,
        do_not_call: DoNotCallList,
        accounts: VendorAccounts,
        send_now: Messages,
        send_later: LaterMessage,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.store = store
        self.contacts = contacts
        self.do_not_call = do_not_call
        self.accounts = accounts
        self.send_now = send_now
        self.send_later = send_later
        self.clock = clock

    # -- accepting ----------------------------------------------------------------------------------

    def submit(
        self,
        context: TenantContext,
        spec: BatchSpec,
        records: list[dict[str, Any]],
        idempotency_key: str,
        created_by: str | None = None,
    ) -> DialBatch:
        """The batch for this key: new, or the one an earlier request with the key made (another body
        with it is a Conflict). Its first page of records (or its contact filter) is stored and, once
        every page is in, checked by the workers; nothing is validated here beyond the shape."""
        _check_spec(spec, records)
        digest = digest_of({"spec": _spec_dict(spec), "records": records})
        item = {
            "tenant": context.slug,
            "id": new_id(),
            "provider": spec.provider.value,
            "scenario": spec.scenario,
            "base_id": spec.base_id,
            "max_attempts": spec.max_attempts,
            "window": spec.window.model_dump(mode="json", by_alias=True),
            "timezone": context.tenant.timezone,
            "pages": spec.pages,
            "contact_filter": _filter_dict(spec.contact_filter),
            "phase": "receiving",
            "body_sha256": digest,
            "created_at": self.clock(),
            "created_by": created_by,
        }
        existing = self.store.create_batch(item, key_hash(context.slug, idempotency_key))
        if existing is not None:
            stored = self._stored(context, existing)
            if stored.get("body_sha256") != digest:
                raise Conflict(
                    "this Idempotency-Key was used with a different request", code="idempotency_key_reused"
                )
            item = stored
        if spec.contact_filter is not None:
            self.send_now([self._message(context, item["id"], "collect")])
        else:
            self._add_page(context, item, 1, records)
        return self.batch(context, item["id"])

    def add_page(
        self, context: TenantContext, batch_id: str, page: int, records: list[dict[str, Any]]
    ) -> DialBatch:
        """Page `page` (from 1) of the batch's records; sending a page again with the same records
        changes nothing, with others it is a Conflict."""
        batch = self._stored(context, batch_id)
        if batch.get("contact_filter"):
            raise Conflict("this batch takes its records from a contact filter", code="batch_takes_no_pages")
        if not 1 <= page <= int(batch["pages"]):
            raise BadRequest(f"this batch has pages 1 to {batch['pages']}", code="page_out_of_range")
        if not 1 <= len(records) <= MAX_PAGE_RECORDS:
            raise BadRequest(f"a page holds 1 to {MAX_PAGE_RECORDS} records")
        self._add_page(context, batch, page, records)
        return self.batch(context, batch_id)

    def _add_page(
        self, context: TenantContext, batch: dict[str, Any], page: int, records: list[dict[str, Any]]
    ) -> None:
        slices = [records[start : start + SLICE_RECORDS] for start in range(0, len(records), SLICE_RECORDS)]
        self.store.put_page(batch, page, slices, digest_of(records))
        self._start_checking(context, batch["id"])

    def _start_checking(self, context: TenantContext, batch_id: str) -> None:
        """Once every page is in: a message per slice (sent again by a retried last page, harmlessly)."""
        batch = self._stored(context, batch_id)
        if int(batch.get("pages_in", 0)) < int(batch["pages"]):
            return
        if batch["phase"] == "receiving":
            self.store.update_batch(
                context.slug,
                batch_id,
                set_values={"phase": "preparing"},
                condition="phase = :receiving",
                condition_values={":receiving": "receiving"},
            )
            batch = self._stored(context, batch_id)
        if batch["phase"] == "preparing":
            self.send_now(
                [
                    self._message(context, batch_id, "prepare", page=page, slice=number)
                    for page, number in self.store.page_slices(context.slug, batch_id)
                ]
            )

    def collect(self, context: TenantContext, batch_id: str) -> None:
        """A contact filter's contacts become the batch's pages (the worker's step): the first
        MAX_BATCH_RECORDS of them, by name."""
        batch = self._stored(context, batch_id)
        if batch["phase"] != "receiving":
            return
        wanted = batch.get("contact_filter") or {}
        pages, records, start = 0, [], None
        while len(records) + pages * MAX_PAGE_RECORDS < MAX_BATCH_RECORDS:
            found = self.contacts.list_contacts(
                context.slug,
                limit=CONTACT_PAGE,
                start=start,
                name=wanted.get("name"),
                contact_type=wanted.get("contact_type"),
                updated_since=wanted.get("updated_since"),
            )
            records += [{"contact_id": contact.id} for contact in found.items]
            while len(records) >= MAX_PAGE_RECORDS:
                pages += 1
                self._collected_page(batch, pages, records[:MAX_PAGE_RECORDS])
                records = records[MAX_PAGE_RECORDS:]
            start = found.next_start
            if start is None:
                break
        if pages * MAX_PAGE_RECORDS >= MAX_BATCH_RECORDS:
            records = []  # the first MAX_BATCH_RECORDS only
        if records or not pages:
            pages += 1
            self._collected_page(batch, pages, records)
        self.store.update_batch(context.slug, batch_id, set_values={"pages": pages})
        self._start_checking(context, batch_id)

    def _collected_page(self, batch: dict[str, Any], page: int, records: list[dict[str, Any]]) -> None:
        try:
            self.store.put_page(
                batch,
                page,
                [records[i : i + SLICE_RECORDS] for i in range(0, len(records), SLICE_RECORDS)] or [[]],
                digest_of(records),
            )
        except Conflict as exc:
            if exc.code != "page_reused":
                raise
            # An earlier run stored this page before the contacts changed: the stored one stands.

    # -- checking and cutting (the worker) ----------------------------------------------------------

    def prepare(self, context: TenantContext, batch_id: str, page: int, number: int) -> None:
        """Check one slice: every record a target or a rejection, counted once. The slice that
        completes the batch cuts it into chunks."""
        batch = self._stored(context, batch_id)
        if batch["phase"] == "preparing":
            records = self.store.slice_records(context.slug, batch_id, page, number)
            targets, rejections = self._check(context, batch, page, number, records)
            counters: dict[str, int] = {}
            for rejection in rejections:
                counters[f"rej_{rejection.reason.value}"] = (
                    counters.get(f"rej_{rejection.reason.value}", 0) + 1
                )
            self.store.put_prepared(
                batch,
                page,
                number,
                [target.model_dump(mode="json") for target in targets],
                [rejection.model_dump(mode="json", exclude_none=True) for rejection in rejections],
                counters,
            )
            batch = self._stored(context, batch_id)
        if batch["phase"] == "preparing" and int(batch.get("slices_prepared", 0)) >= int(
            batch.get("slices_total", 0)
        ):
            self.cut(context, batch_id)

    def _check(
        self,
        context: TenantContext,
        batch: dict[str, Any],
        page: int,
        number: int,
        records: list[dict[str, Any]],
    ) -> tuple[list[DialTarget], list[Rejection]]:
        """A slice's records as targets, or rejections with their rows: contacts read in key reads of
        100, the do-not-call list asked once for the slice."""
        wanted = [str(r["contact_id"]) for r in records if r.get("contact_id")]
        found = {c.id: c for c in self.contacts.get_many(context.slug, wanted)} if wanted else {}
        countries = (
            context.tenant.default_country,
            context.tenant.phone_fallbacks(Vendor(batch["provider"])),
        )
        targets: list[DialTarget] = []
        rejections: list[Rejection] = []
        for offset, record in enumerate(records):
            index = number * SLICE_RECORDS + offset
            read = _target(batch["id"], page, index, record, found, countries)
            if isinstance(read, Rejection):
                rejections.append(read)
            else:
                targets.append(read)
        targets, listed = self._unlisted(context, targets, RejectReason.DO_NOT_CALL)
        rejections = sorted(rejections + listed, key=lambda r: r.index)
        return targets, rejections

    def cut(self, context: TenantContext, batch_id: str) -> None:
        """Every checked target, each number once (its first record kept), in chunks; then a message
        per chunk still pending. Deterministic, so a second run cuts the same chunks."""
        batch = self._stored(context, batch_id)
        if batch["phase"] == "preparing":
            size = CHUNK_RECORDS[Provider(batch["provider"])]
            first: dict[str, dict[str, Any]] = {}
            chunks: list[list[dict[str, Any]]] = [[]]
            duplicates: list[dict[str, Any]] = []
            for target in self.store.prepared_targets(context.slug, batch_id):
                kept = first.get(target["phone"])
                if kept is not None:
                    duplicates.append(
                        Rejection(
                            page=target["page"],
                            index=target["index"],
                            reason=RejectReason.DUPLICATE,
                            phone=target["phone"],
                            contact_id=target.get("contact_id"),
                            duplicate_of={"page": kept["page"], "index": kept["index"]},
                        ).model_dump(mode="json", exclude_none=True)
                    )
                    continue
                first[target["phone"]] = target
                if len(chunks[-1]) >= size:
                    chunks.append([])
                chunks[-1].append(target)
            chunks = [chunk for chunk in chunks if chunk]
            self.store.put_chunks(batch, chunks, duplicates, self.clock())
            batch = self._stored(context, batch_id)
            if not chunks:
                self.store.update_batch(context.slug, batch_id, set_values={"finished_at": self.clock()})
        if batch["phase"] == "cut":
            self._queue_pending(context, batch)

    def _queue_pending(self, context: TenantContext, batch: dict[str, Any]) -> None:
        numbers = self.store.pending_chunks(context.slug, batch["id"])
        window, now = _window(batch), self.clock()
        wait = _delay_s(window.next_open(now, batch["timezone"]) - now)
        messages = [self._message(context, batch["id"], "send", chunk=number) for number in numbers]
        if wait == 0:
            self.send_now(messages)
        else:
            for message in messages:
                self.send_later(message, wait)

    # -- sending (the worker) --------------------------------------------------------------------------

    def send(self, context: TenantContext, batch_id: str, number: int) -> SendOutcome:
        """One delivery of chunk `number`'s message: sent, or waiting for its window, or nothing
        when the chunk has moved on (a second delivery of a sent chunk does nothing)."""
        batch = self._stored(context, batch_id)
        chunk = self.store.get_chunk(context.slug, batch_id, number)
        if chunk is None:
            raise NotFound("no such chunk")
        message = self._message(context, batch_id, "send", chunk=number)
        now = self.clock()
        state = ChunkState(chunk["state"])
        if batch["phase"] == "cancelled":
            self.store.move_chunk(
                context.slug, batch_id, number, ("pending",), "cancelled", set_values={"updated_at": now}
            )
            return SendOutcome("cancelled", number)
        if state is ChunkState.SENDING:
            recovered = self._recover(context, batch, chunk, message, now)
            if recovered is not None:
                return recovered
        elif state is not ChunkState.PENDING:
            return SendOutcome("done", number)
        window = _window(batch)
        if not window.is_open(now, batch["timezone"]):
            self.send_later(message, _delay_s(window.next_open(now, batch["timezone"]) - now))
            return SendOutcome("waiting", number)
        provider = Provider(batch["provider"])
        client = self._vendor(context, batch_id, number, provider, now)
        if isinstance(client, SendOutcome):
            return client
        claimed = self.store.move_chunk(
            context.slug,
            batch_id,
            number,
            ("pending",),
            "sending",
            set_values={"lease_until": now + LEASE_MS, "claimed_at": now, "updated_at": now},
            add_attempt=True,
        )
        if claimed is None:
            return SendOutcome("done", number)
        attempts = int(chunk.get("attempts", 0)) + 1
        targets = [
            DialTarget.model_validate(t) for t in self.store.chunk_targets(context.slug, batch_id, number)
        ]
        targets, late = self._unlisted(context, targets, RejectReason.DO_NOT_CALL_LATE)
        if provider is Provider.AVTODIALER:
            return self._send_robot_calls(
                context, batch, cast("DialerClient", client), number, targets, late, attempts
            )
        return self._send_call_list(
            context, batch, cast("CallListClient", client), number, targets, late, attempts
        )

    def _vendor(
        self, context: TenantContext, batch_id: str, number: int, provider: Provider, now: int
    ) -> DialerClient | CallListClient | SendOutcome:
        """The tenant's client, asked for before the claim: without credentials the chunk fails with
        nothing sent (a retryable failure goes back to the queue, the chunk still pending)."""
        try:
            if provider is Provider.AVTODIALER:
                return self.accounts.dialer(context.slug)
            return self.accounts.call_list(context.slug)
        except HubError as exc:
            if exc.retryable:
                raise
            reason = f"{exc.code}: {exc.message}"[:300]
            self._move(context, batch_id, number, ChunkState.PENDING, ChunkState.FAILED, now, reason=reason)
            self._finish_if_done(context, batch_id)
            return SendOutcome("failed", number)

    def _unlisted(
        self, context: TenantContext, targets: list[DialTarget], reason: RejectReason
    ) -> tuple[list[DialTarget], list[Rejection]]:
        """The targets not on the do-not-call list, and a rejection for each one on it: asked when a
        slice is checked and again right before its chunk is sent (listed since: `do_not_call_late`)."""
        listed = self.do_not_call.listed_among(context, [target.phone for target in targets])
        refused = [
            Rejection(
                page=t.page,
                index=t.index,
                reason=reason,
                phone=t.phone,
                contact_id=t.contact_id,
            )
            for t in targets
            if t.phone in listed
        ]
        return [target for target in targets if target.phone not in listed], refused

    def _recover(
        self,
        context: TenantContext,
        batch: dict[str, Any],
        chunk: dict[str, Any],
        message: dict[str, Any],
        now: int,
    ) -> SendOutcome | None:
        """A chunk found `sending`: another worker's while its lease lasts (look again after it);
        past it, that worker died mid-send. A dialer may have queued it: uncertain. A call list's
        upserts are keyed by external code: pending again, to be sent now (None)."""
        number = int(chunk["number"])
        if int(chunk.get("lease_until", 0)) > now:
            self.send_later(message, _delay_s(int(chunk["lease_until"]) - now) + 1)
            return SendOutcome("busy", number)
        if Provider(batch["provider"]) is Provider.AVTODIALER:
            self._move(
                context,
                batch["id"],
                number,
                ChunkState.SENDING,
                ChunkState.UNCERTAIN,
                now,
                reason="the worker stopped while sending: the dialer may have queued it",
            )
            self._finish_if_done(context, batch["id"])
            return SendOutcome("uncertain", number)
        if not self._move(context, batch["id"], number, ChunkState.SENDING, ChunkState.PENDING, now):
            return SendOutcome("done", number)
        return None

    def _send_robot_calls(
        self,
        context: TenantContext,
        batch: dict[str, Any],
        dialer: DialerClient,
        number: int,
        targets: list[DialTarget],
        late: list[Rejection],
        attempts: int,
    ) -> SendOutcome:
        if not targets:
            return self._sent(
                context, batch, number, 0, late, report={"skipped": "every number is on the do-not-call list"}
            )
        window = _window(batch)
        records = [
            DialRecord(
                record_id=t.id,
                scenario=str(batch["scenario"]),
                phone=t.phone,
                window_start=window.start,
                window_end=window.end,
                name=t.name,
                variables=t.vars,
                max_attempts=int(batch["max_attempts"]),
            )
            for t in targets
        ]
        try:
            single = len(records) == 1 and int(batch.get("n_accepted", 0)) == 1 and bool(records[0].name)
            job = dialer.newcall(records[0]) if single else dialer.make(records)
        except HubError as exc:
            return self._not_sent(context, batch, number, exc, attempts)
        except Exception as exc:  # noqa: BLE001 - whatever broke after the request went out proves nothing
            logger.exception("robot calls sent with an unexpected failure")
            self._move(
                context,
                batch["id"],
                number,
                ChunkState.SENDING,
                ChunkState.UNCERTAIN,
                self.clock(),
                reason=f"unexpected failure: {type(exc).__name__}",
            )
            return SendOutcome("uncertain", number)
        report = {
            "job_id": job.job_id,
            "received": job.received,
            "accepted": job.accepted,
            "records": len(records),
            "operation": "newcall" if single else "make",
        }
        return self._sent(context, batch, number, len(records), late, report=report, job_id=job.job_id)

    def _send_call_list(
        self,
        context: TenantContext,
        batch: dict[str, Any],
        call_list: CallListClient,
        number: int,
        targets: list[DialTarget],
        late: list[Rejection],
        attempts: int,
    ) -> SendOutcome:
        pushed: dict[str, str] = {}
        refused: list[Rejection] = []
        try:
            for target in targets:
                entry = CallListEntry(
                    external_code=target.contact_id or target.phone,
                    name=target.name,
                    phones=((target.phone, None),),
                    description="; ".join(v for v in target.vars if v) or None,
                )
                try:
                    pushed[target.id] = call_list.upsert_contact(str(batch["base_id"]), entry)
                except HubError as exc:
                    if exc.retryable:
                        raise
                    refused.append(
                        Rejection(
                            page=target.page,
                            index=target.index,
                            reason=RejectReason.VENDOR_REJECTED,
                            phone=target.phone,
                            contact_id=target.contact_id,
                            message=exc.message[:200],
                        )
                    )
        except HubError as exc:  # upserts are keyed by external code: the whole chunk may go again
            return self._not_sent(context, batch, number, exc, attempts, idempotent=True)
        report = {"contacts": pushed, "base_id": batch["base_id"]}
        return self._sent(context, batch, number, len(pushed), late + refused, report=report)

    def _sent(
        self,
        context: TenantContext,
        batch: dict[str, Any],
        number: int,
        sent: int,
        rejected: list[Rejection],
        *,
        report: dict[str, Any],
        job_id: str | None = None,
    ) -> SendOutcome:
        counters = {"n_sent": sent}
        for rejection in rejected:
            counters[f"rej_{rejection.reason.value}"] = counters.get(f"rej_{rejection.reason.value}", 0) + 1
        now = self.clock()
        self.store.move_chunk(
            context.slug,
            batch["id"],
            number,
            ("sending",),
            "sent",
            set_values={"report": report, "job_id": job_id, "sent_at": now, "updated_at": now},
            counters=counters,
            rejections=[r.model_dump(mode="json", exclude_none=True) for r in rejected],
            job_id=job_id,
        )
        self._finish_if_done(context, batch["id"])
        return SendOutcome("sent", number, sent)

    def _not_sent(
        self,
        context: TenantContext,
        batch: dict[str, Any],
        number: int,
        exc: HubError,
        attempts: int,
        *,
        idempotent: bool = False,
    ) -> SendOutcome:
        """A failed send. Refused (not retryable): failed. Retryable and proven unqueued (or an
        idempotent push): pending again, sent later, failed once the attempts are spent. Anything
        that may have been queued: uncertain, never resent by itself."""
        now = self.clock()
        reason = f"{exc.code}: {exc.message}"[:300]
        details = exc.details if isinstance(exc.details, dict) else {}
        unqueued = idempotent or details.get("maybe_done") is False
        if exc.retryable and not unqueued:
            new, outcome = ChunkState.UNCERTAIN, "uncertain"
        elif exc.retryable and attempts < MAX_SEND_ATTEMPTS:
            self._move(
                context, batch["id"], number, ChunkState.SENDING, ChunkState.PENDING, now, reason=reason
            )
            delay = RETRY_DELAYS_S[min(attempts, len(RETRY_DELAYS_S)) - 1]
            self.send_later(self._message(context, batch["id"], "send", chunk=number), delay)
            return SendOutcome("retry", number)
        else:
            new, outcome = ChunkState.FAILED, "failed"
        self._move(context, batch["id"], number, ChunkState.SENDING, new, now, reason=reason)
        self._finish_if_done(context, batch["id"])
        return SendOutcome(outcome, number)

    def _move(
        self,
        context: TenantContext,
        batch_id: str,
        number: int,
        old: ChunkState,
        new: ChunkState,
        at: int,
        *,
        reason: str | None = None,
        report: dict[str, Any] | None = None,
    ) -> bool:
        values: dict[str, Any] = {"updated_at": at}
        if reason is not None:
            values["reason"] = reason
        if report is not None:
            values["report"] = report
        return (
            self.store.move_chunk(context.slug, batch_id, number, (old.value,), new.value, set_values=values)
            is not None
        )

    def _finish_if_done(self, context: TenantContext, batch_id: str) -> None:
        batch = self._stored(context, batch_id)
        open_chunks = sum(int(batch.get(f"ch_{state}", 0)) for state in ("pending", "sending", "uncertain"))
        if batch["phase"] in ("cut", "cancelled") and open_chunks == 0 and not batch.get("finished_at"):
            self.store.update_batch(context.slug, batch_id, set_values={"finished_at": self.clock()})

    # -- operators -------------------------------------------------------------------------------------

    def cancel(self, context: TenantContext, batch_id: str, by: str | None = None) -> DialBatch:
        """Stop what is not sent: pending chunks are cancelled now, and no page or slice is taken any
        more. Sent chunks stay sent (a dialer's queued job cannot be recalled through its API), and a
        chunk being sent at this moment finishes."""
        batch = self._stored(context, batch_id)
        now = self.clock()
        if batch["phase"] != "cancelled":
            self.store.update_batch(
                context.slug,
                batch_id,
                set_values={"phase": "cancelled", "cancelled_at": now, "cancelled_by": by},
                condition="phase <> :cancelled",
                condition_values={":cancelled": "cancelled"},
            )
        for number in self.store.pending_chunks(context.slug, batch_id):
            self.store.move_chunk(
                context.slug, batch_id, number, ("pending",), "cancelled", set_values={"updated_at": now}
            )
        self._finish_if_done(context, batch_id)
        return self.batch(context, batch_id)

    def resend(self, context: TenantContext, batch_id: str, number: int, by: str | None = None) -> DialChunk:
        """An operator's word that an uncertain or failed chunk was not queued: it goes again (once)."""
        batch = self._stored(context, batch_id)
        if batch["phase"] == "cancelled":
            raise Conflict("the batch was cancelled", code="batch_cancelled")
        moved = self.store.move_chunk(
            context.slug,
            batch_id,
            number,
            ("uncertain", "failed"),
            "pending",
            set_values={
                "updated_at": self.clock(),
                "resent_by": by,
                "attempts": 0,
                "reason": "resent by an operator",
            },
        )
        if moved is None:
            raise Conflict("only an uncertain or failed chunk can be resent", code="chunk_not_resendable")
        self.store.update_batch(context.slug, batch_id, set_values={"finished_at": None})
        self.send_now([self._message(context, batch_id, "send", chunk=number)])
        return self.chunk(context, batch_id, number)

    def mark_done(
        self, context: TenantContext, batch_id: str, number: int, by: str | None = None
    ) -> DialChunk:
        """An operator's word that an uncertain chunk was queued after all (seen in the dialer's cabinet
        or its cdr): it counts as sent and is never sent again."""
        chunk = self.chunk(context, batch_id, number)
        moved = self.store.move_chunk(
            context.slug,
            batch_id,
            number,
            ("uncertain",),
            "sent",
            set_values={
                "updated_at": self.clock(),
                "marked_done_by": by,
                "reason": "marked done by an operator",
            },
            counters={"n_sent": chunk.records},
        )
        if moved is None:
            raise Conflict("only an uncertain chunk can be marked done", code="chunk_not_uncertain")
        self._finish_if_done(context, batch_id)
        return self.chunk(context, batch_id, number)

    # -- outcomes --------------------------------------------------------------------------------------

    def record_outcome(self, context: TenantContext, call: Call) -> bool:
        """A robot call's result (webhook or cdr) on its batch's counts, matched by the record id we
        sent as its UUID, else by the dialer's job id; a call of no batch changes nothing."""
        robot = call.extra.get("robot") or {}
        if not call.other_number:
            return False
        record = str(robot.get("dial_record") or "")
        batch = (
            self.store.get_batch(context.slug, record.partition("-")[0], consistent=False)
            if "-" in record
            else None
        )
        if batch is None and robot.get("query_id"):
            batch_id = self.store.batch_of_job(context.slug, str(robot["query_id"]))
            batch = self.store.get_batch(context.slug, batch_id, consistent=False) if batch_id else None
        if batch is None:
            return False
        return self.store.record_outcome(
            batch, call.other_number, call.status is CallStatus.ANSWERED, self.clock()
        )

    # -- reading ---------------------------------------------------------------------------------------

    def batch(self, context: TenantContext, batch_id: str) -> DialBatch:
        return self._view(self._stored(context, batch_id))

    def batches(self, context: TenantContext, limit: int, start: dict[str, str] | None) -> Page[DialBatch]:
        page = self.store.batch_page(context.slug, limit, start)
        return Page([self._view(item) for item in page.items], page.next_start)

    def chunk(self, context: TenantContext, batch_id: str, number: int) -> DialChunk:
        self._stored(context, batch_id)
        item = self.store.get_chunk(context.slug, batch_id, number)
        if item is None:
            raise NotFound("no such chunk", code="chunk_not_found")
        return DialChunk.model_validate(item)

    def chunks(
        self, context: TenantContext, batch_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[DialChunk]:
        self._stored(context, batch_id)
        page = self.store.chunk_page(context.slug, batch_id, limit, start)
        return Page([DialChunk.model_validate(item) for item in page.items], page.next_start)

    def rejections(
        self, context: TenantContext, batch_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[Rejection]:
        self._stored(context, batch_id)
        page = self.store.rejection_page(context.slug, batch_id, limit, start)
        return Page([Rejection.model_validate(entry) for entry in page.items], page.next_start)

    def _view(self, item: dict[str, Any]) -> DialBatch:
        window = _window(item)
        counts = BatchCounts(
            received=int(item.get("n_received", 0)),
            rejected={
                key[4:]: int(value) for key, value in sorted(item.items()) if key.startswith("rej_") and value
            },
            accepted=int(item.get("n_accepted", 0)),
            sent=int(item.get("n_sent", 0)),
            answered=int(item.get("n_answered", 0)),
            not_answered=int(item.get("n_not_answered", 0)),
        )
        chunks = {state.value: int(item.get(f"ch_{state.value}", 0)) for state in ChunkState}
        now = self.clock()
        next_window = None
        phase = item["phase"]
        if phase == "cancelled":
            status = BatchStatus.CANCELLED
        elif phase == "receiving":
            status = BatchStatus.RECEIVING
        elif phase == "preparing":
            status = BatchStatus.PREPARING
        elif chunks["pending"] + chunks["sending"]:
            opens = window.next_open(now, item["timezone"])
            status = BatchStatus.SENDING if opens == now or chunks["sending"] else BatchStatus.WAITING
            next_window = opens if status is BatchStatus.WAITING else None
        elif chunks["uncertain"]:
            status = BatchStatus.ATTENTION
        else:
            status = BatchStatus.DONE
        received = item.get("pages_in", 0)
        return DialBatch(
            tenant=item["tenant"],
            id=item["id"],
            provider=Provider(item["provider"]),
            scenario=item.get("scenario"),
            base_id=item.get("base_id"),
            max_attempts=int(item.get("max_attempts", 1)),
            window=window,
            timezone=item["timezone"],
            status=status,
            pages=int(item.get("pages", 1)),
            pages_received=int(received),
            counts=counts,
            chunks=chunks,
            chunks_total=int(item.get("chunks_total", 0)),
            next_window_at=next_window,
            created_at=int(item["created_at"]),
            created_by=item.get("created_by"),
            cancelled_at=item.get("cancelled_at"),
            finished_at=item.get("finished_at"),
        )

    def _stored(self, context: TenantContext, batch_id: str) -> dict[str, Any]:
        item = self.store.get_batch(context.slug, batch_id)
        if item is None:
            raise NotFound("no such dial batch", code="batch_not_found")
        return item

    @staticmethod
    def _message(context: TenantContext, batch_id: str, step: str, **keys: int) -> dict[str, Any]:
        return {"tenant": context.slug, "batch": batch_id, "step": step, **keys}


def _target(
    batch_id: str,
    page: int,
    index: int,
    record: dict[str, Any],
    contacts: dict[str, Contact],
    countries: tuple[str, Sequence[str]],
) -> DialTarget | Rejection:
    """One record read: its number (given, else its contact's first), or why it cannot be called."""
    contact_id = str(record["contact_id"]) if record.get("contact_id") else None
    contact = contacts.get(contact_id) if contact_id else None
    raw = record.get("phone")
    refused = partial(Rejection, page=page, index=index, contact_id=contact_id)
    if contact_id and contact is None:
        return refused(reason=RejectReason.CONTACT_NOT_FOUND)
    if raw is None or str(raw).strip() == "":
        if contact is None:
            return refused(reason=RejectReason.INVALID_PHONE, message="no phone and no contact_id")
        if not contact.phones:
            return refused(reason=RejectReason.CONTACT_WITHOUT_PHONE)
        phone = contact.phones[0].e164
    else:
        try:
            phone = normalize_phone(raw, *countries)
        except InvalidPhone as exc:
            return refused(reason=RejectReason.INVALID_PHONE, phone=str(raw)[:64], message=exc.message[:200])
    return DialTarget(
        id=target_id(batch_id, page, index),
        phone=phone,
        page=page,
        index=index,
        name=record.get("name") or (contact.display_name if contact else None),
        vars=tuple("" if v is None else str(v) for v in record.get("vars") or ()),
        contact_id=contact_id,
    )


def _window(item: dict[str, Any]) -> DialWindow:
    return DialWindow.model_validate(item["window"])


def _delay_s(ms: int) -> int:
    return max(0, min(MAX_DELAY_S, math.ceil(ms / 1000)))


def _check_spec(spec: BatchSpec, records: list[dict[str, Any]]) -> None:
    if spec.provider is Provider.AVTODIALER and not (spec.scenario or "").strip():
        raise BadRequest("an Avtodialer batch needs its scenario (generationtype)", code="scenario_required")
    if spec.provider is Provider.OBZVONILKA and not (spec.base_id or "").strip():
        raise BadRequest("an Obzvonilka batch needs the id of its contact base", code="base_id_required")
    if spec.contact_filter is not None:
        if records or spec.pages != 1:
            raise BadRequest("give records or a contact filter, not both", code="records_or_filter")
    elif not records:
        raise BadRequest("a batch needs records (or a contact filter)", code="records_required")
    if not 1 <= spec.pages <= MAX_PAGES:
        raise BadRequest(f"a batch holds at most {MAX_BATCH_RECORDS} records", code="batch_too_large")


def _spec_dict(spec: BatchSpec) -> dict[str, Any]:
    return {
        "provider": spec.provider.value,
        "window": spec.window.model_dump(mode="json", by_alias=True),
        "max_attempts": spec.max_attempts,
        "scenario": spec.scenario,
        "base_id": spec.base_id,
        "pages": spec.pages,
        "contact_filter": _filter_dict(spec.contact_filter),
    }


def _filter_dict(found: ContactFilter | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {key: value for key, value in vars(found).items() if value is not None}
