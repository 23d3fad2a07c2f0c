"""Bulk contact import: every row answered on its own, rows that touch one contact kept in order, and
no row ever applied twice into a second contact, however often the work is retried.

An import is a job. Its id comes from the tenant and the client's Idempotency-Key (a random one
without it), so a retry finds the first attempt's job even when that attempt timed out; the body's
hash is kept on it, so the same key with another body is refused. A row's new contact gets an id
derived from the job and the row's index: a replayed row finds the contact the first run made
instead of creating another one.

Small imports (at most SYNC_IMPORT_ROWS rows) run inside the request: at a few DynamoDB writes per
row on a thread pool they finish in a few seconds, far inside API Gateway's 30 s. Larger ones are
stored as chunks and applied by the import worker through SQS, a chunk per message. With `merge`,
rows sharing an external code or a number are one group, kept whole in one chunk and run in order by
one worker: two rows for one new customer make one contact, not two.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from pydantic import ValidationError

from hub.domain.contacts import ContactInput, ContactService, normalize_phones
from hub.domain.tenants import TenantContext
from hub.errors import Conflict, HubError, NotFound, Unavailable, validation_details
from hub.ids import new_id, now_ms
from hub.models.contact import MAX_PHONES
from hub.ports import ImportJobRepository, Page

MAX_IMPORT_ROWS = 10_000
SYNC_IMPORT_ROWS = 100
CHUNK_ROWS = 100
IMPORT_WORKERS = 16
REFUSED_CHUNK = 99_999  # where the rows refused at submission keep their results
SKIPPED_CHUNK = 99_998  # where a source's rows that are no contacts keep theirs


@dataclass(frozen=True)
class SourceRows:
    """What a job reading its rows from a vendor got: ContactInput dicts, and the entries that are
    no contacts as (their id there, code, message)."""

    rows: list[dict[str, Any]]
    skipped: list[tuple[str, str, str]]


Status = Literal["created", "updated", "unchanged", "skipped", "failed"]


@dataclass(frozen=True)
class RowResult:
    """A row's outcome. `ref`: its id in the system it came from (the job's `source`, e.g. a Phonet
    contact id); `notes`: what was kept elsewhere than the row asked (e.g. phones past MAX_PHONES)."""

    row: int
    status: Status
    id: str | None = None
    error: dict[str, Any] | None = None
    ref: str | None = None
    notes: list[str] | None = None


@dataclass(frozen=True)
class ImportPlan:
    """The rows that are not contacts, and the rest cut into chunks of whole groups."""

    refused: list[RowResult]
    chunks: list[list[tuple[int, ContactInput]]]


def plan_import(
    rows: list[dict[str, Any]], merge: bool, country: str, chunk_rows: int = CHUNK_ROWS
) -> ImportPlan:
    """Validate each row and pack the valid ones into chunks. A group never spans chunks (so its
    rows stay in order under one worker); a group larger than `chunk_rows` is a chunk of its own."""
    refused: list[RowResult] = []
    inputs: dict[int, ContactInput] = {}
    for index, row in enumerate(rows):
        try:
            inputs[index] = ContactInput.model_validate(row)
        except ValidationError as exc:
            refused.append(
                _failed(index, "invalid_row", "the row is not a valid contact", validation_details(exc))
            )
    chunks: list[list[tuple[int, ContactInput]]] = []
    current: list[tuple[int, ContactInput]] = []
    for group in _groups(inputs, country) if merge else [[i] for i in inputs]:
        if current and len(current) + len(group) > chunk_rows:
            chunks.append(current)
            current = []
        current.extend((index, inputs[index]) for index in group)
    if current:
        chunks.append(current)
    return ImportPlan(refused, chunks)


def row_contact_id(job: dict[str, Any], row: int) -> str:
    """The id a row's new contact gets: the same on every run of the job (sorts by the job's time)."""
    digest = hashlib.sha256(f"{job['tenant']}:{job['job_id']}:{row}".encode()).hexdigest()
    return f"{int(job['created_at']):012x}{digest[:12]}"


def apply_rows(
    service: ContactService,
    context: TenantContext,
    rows: list[tuple[int, ContactInput]],
    merge: bool,
    job: dict[str, Any],
    created_by: str | None,
    workers: int = IMPORT_WORKERS,
) -> list[RowResult]:
    """Apply `rows` (whole groups), each group in order on one thread. A throttled write raises
    Unavailable for the whole call: the caller retries it, and no row is lost as "failed"."""
    inputs = dict(rows)
    source = job.get("source")

    def apply(index: int, data: ContactInput) -> tuple[str, Status]:
        contact_id = row_contact_id(job, index)
        if merge:
            contact, outcome = service.merge_outcome(
                context, data, created_by=created_by, contact_id=contact_id
            )
            return contact.id, outcome
        contact = service.create_with_id(context, data, contact_id, created_by=created_by)
        return contact.id, "created" if contact.id == contact_id else "updated"

    def run(group: list[int]) -> list[RowResult]:
        return [_one(index, apply, inputs[index], source) for index in group]

    groups = _groups(inputs, context.tenant.default_country) if merge else [[i] for i in inputs]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(groups)))) as pool:
        done = [result for results in pool.map(run, groups) for result in results]
    return sorted(done, key=lambda result: result.row)


def import_now(
    service: ContactService,
    context: TenantContext,
    rows: list[dict[str, Any]],
    merge: bool,
    created_by: str | None = None,
    job_id: str | None = None,
    workers: int = IMPORT_WORKERS,
    source: str | None = None,
) -> list[RowResult]:
    """One result per row, in the rows' order, applied before this returns and no job stored: for
    callers with no gateway limit, such as hubctl. The rows are validated, grouped and applied as a
    job's are (`plan_import`, `apply_rows`); with `job_id` (e.g. derived from a file's content),
    running the same rows again creates nobody twice."""
    job = {"tenant": context.slug, "job_id": job_id or new_id(), "created_at": now_ms(), "source": source}
    plan = plan_import(rows, merge, context.tenant.default_country)
    results = {result.row: result for result in plan.refused}
    for chunk in plan.chunks:
        applied = apply_rows(service, context, chunk, merge, job, created_by, workers)
        results.update((result.row, result) for result in applied)
    return [results[index] for index in range(len(rows))]


class ImportService:
    """Submits import jobs, applies their chunks, and reports on them."""

    def __init__(
        self,
        contacts: ContactService,
        jobs: ImportJobRepository,
        send_chunks: Callable[[list[dict[str, Any]]], None],
        workers: int = IMPORT_WORKERS,
    ) -> None:
        self.contacts = contacts
        self.jobs = jobs
        self.send_chunks = send_chunks
        self.workers = workers

    def submit(
        self,
        context: TenantContext,
        rows: list[dict[str, Any]],
        merge: bool,
        idempotency_key: str | None = None,
        created_by: str | None = None,
    ) -> dict[str, Any]:
        """The job for these rows: new, or the one an earlier request with the same key made (a
        different body with that key is a Conflict). Small jobs are applied before this returns.
        Larger ones are only stored, with one message for the planner: the answer comes in well
        under a second whatever the size, and validating, grouping and chunking happen in the worker."""
        sync = len(rows) <= SYNC_IMPORT_ROWS
        plan = plan_import(rows, merge, context.tenant.default_country) if sync else None
        body_sha256 = request_digest(rows, merge)
        job = {
            "tenant": context.slug,
            "job_id": job_id_for(context.slug, idempotency_key) if idempotency_key else new_id(),
            "mode": "sync" if sync else "async",
            "merge": merge,
            "created_by": created_by,
            "body_sha256": body_sha256,
            "total": len(rows),
            "chunks": len(plan.chunks) if plan else 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
            "failed": len(plan.refused) if plan else 0,
            "chunks_done": 0,
            "created_at": now_ms(),
        }
        job, settled = self._job_for_key(job)
        if settled:
            return job
        # New, or an earlier attempt stopped part-way: every step below may safely run again.
        if plan is None:
            self.jobs.put_raw(job, rows)
            self.send_chunks([{"tenant": context.slug, "job_id": job["job_id"], "plan": True}])
            self.jobs.mark_submitted(context.slug, job["job_id"])
            return self.job(context, job["job_id"])
        if plan.refused:
            self.jobs.put_refused(job, REFUSED_CHUNK, [_as_dict(result) for result in plan.refused])
        self.jobs.mark_accepted(context.slug, job["job_id"])
        if not plan.chunks:
            self.jobs.set_finished(context.slug, job["job_id"], now_ms())
        for number, chunk in enumerate(plan.chunks):
            self._run(context, job, number, chunk)
        return self.job(context, job["job_id"])

    def _job_for_key(self, job: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """`job` stored, or the job its Idempotency-Key made already (another body with the key is a
        Conflict); and whether that one needs nothing more (done, or its work already sent)."""
        existing = self.jobs.create_job(job)
        if existing is None:
            return job, False
        if existing.get("body_sha256") != job["body_sha256"]:
            raise Conflict(
                "this Idempotency-Key was used with a different request", code="idempotency_key_reused"
            )
        return existing, job_status(existing) == "done" or bool(existing.get("submitted"))

    def submit_source(
        self,
        context: TenantContext,
        source: str,
        idempotency_key: str | None = None,
        created_by: str | None = None,
    ) -> dict[str, Any]:
        """A job whose rows the worker reads from `source` (e.g. "phonet": the tenant's Phonet
        contact book), merged by that source's external code. The request only stores the job and
        sends one message: reading the vendor page by page happens in the worker."""
        body_sha256 = request_digest([{"source": source}], True)
        job = {
            "tenant": context.slug,
            "job_id": job_id_for(context.slug, idempotency_key) if idempotency_key else new_id(),
            "mode": "async",
            "merge": True,
            "source": source,
            "created_by": created_by,
            "body_sha256": body_sha256,
            **dict.fromkeys(("total", "chunks", "created", "updated", "unchanged", "skipped", "failed"), 0),
            "chunks_done": 0,
            "created_at": now_ms(),
        }
        job, settled = self._job_for_key(job)
        if settled:
            return job
        self.send_chunks([{"tenant": context.slug, "job_id": job["job_id"], "read": source}])
        self.jobs.mark_submitted(context.slug, job["job_id"])
        return self.job(context, job["job_id"])

    def read_source(self, context: TenantContext, job_id: str, read: Callable[[], SourceRows]) -> None:
        """The reader's step (in the worker): the source read whole (`read`), its rows stored, then
        planned as any job's. Rows are numbered in the source's order, the skipped after them. A
        redelivery after the plan was accepted only replans (the stored rows, not a second read)."""
        job = self.job(context, job_id)
        if job_status(job) == "done":
            return
        if job.get("accepted"):
            self.plan_job(context, job_id)
            return
        got = read()
        self.jobs.put_raw(job, got.rows)
        if got.skipped:
            skipped = [
                RowResult(
                    row=len(got.rows) + n, status="skipped", ref=ref, error={"code": code, "message": text}
                )
                for n, (ref, code, text) in enumerate(got.skipped)
            ]
            self.jobs.put_refused(job, SKIPPED_CHUNK, [_as_dict(result) for result in skipped])
        self.plan_job(context, job_id, skipped=len(got.skipped), total=len(got.rows) + len(got.skipped))

    def plan_job(
        self, context: TenantContext, job_id: str, skipped: int = 0, total: int | None = None
    ) -> None:
        """The planner's step (in the worker): the stored rows validated, grouped and cut into
        chunks, one message per chunk. A redelivery rewrites the same chunks and resends their
        messages (a chunk already applied is skipped); the counts are set once."""
        job = self.job(context, job_id)
        if job_status(job) == "done":
            return
        rows = self.jobs.raw_rows(context.slug, job_id)
        plan = plan_import(rows, job["merge"], context.tenant.default_country)
        if plan.refused:
            self.jobs.put_refused(job, REFUSED_CHUNK, [_as_dict(result) for result in plan.refused])
        self.jobs.put_chunks(job, [[{"row": i, "data": rows[i]} for i, _ in chunk] for chunk in plan.chunks])
        self.jobs.accept_plan(context.slug, job_id, len(plan.chunks), len(plan.refused), skipped, total)
        if not plan.chunks:
            self.jobs.set_finished(context.slug, job_id, now_ms())
        self.send_chunks(
            [{"tenant": context.slug, "job_id": job_id, "chunk": n} for n in range(len(plan.chunks))]
        )

    def run_chunk(self, context: TenantContext, job_id: str, number: int) -> None:
        """Apply one stored chunk (the worker's unit); a chunk already recorded is skipped."""
        job = self.job(context, job_id)
        if self.jobs.chunk_done(context.slug, job_id, number):
            return
        entries = self.jobs.chunk_rows(context.slug, job_id, number)
        self._run(context, job, number, [(e["row"], ContactInput.model_validate(e["data"])) for e in entries])

    def job(self, context: TenantContext, job_id: str) -> dict[str, Any]:
        job = self.jobs.get_job(context.slug, job_id)
        if job is None:
            raise NotFound("no such import")
        return job

    def results(
        self, context: TenantContext, job_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]:
        page = self.jobs.result_page(context.slug, job_id, limit, start)
        return Page(sorted(page.items, key=lambda row: row["row"]), page.next_start)

    def _run(
        self, context: TenantContext, job: dict[str, Any], number: int, rows: list[tuple[int, ContactInput]]
    ) -> None:
        if self.jobs.chunk_done(context.slug, job["job_id"], number):
            return
        results = apply_rows(
            self.contacts, context, rows, job["merge"], job, job.get("created_by"), self.workers
        )
        counts = {status: sum(1 for r in results if r.status == status) for status in STATUSES}
        recorded = self.jobs.record_chunk(job, number, [_as_dict(r) for r in results], counts)
        if recorded is not None and recorded["chunks_done"] >= recorded["chunks"]:
            self.jobs.set_finished(context.slug, job["job_id"], now_ms())


STATUSES: tuple[Status, ...] = ("created", "updated", "unchanged", "skipped", "failed")


def job_status(job: dict[str, Any]) -> Literal["planning", "queued", "running", "done"]:
    """Derived from the counters, so a worker finishing first and the submitter marking the job
    accepted never overwrite each other's word."""
    if not job.get("accepted"):
        return "planning"
    if job["chunks_done"] >= job["chunks"]:
        return "done"
    return "running" if job["chunks_done"] else "queued"


def request_digest(rows: list[dict[str, Any]], merge: bool) -> str:
    """What makes two import requests the same one, whatever their JSON's spacing or key order."""
    canonical = json.dumps({"merge": merge, "rows": rows}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_id_for(tenant: str, idempotency_key: str) -> str:
    """The same tenant and key always name the same job; another tenant's key names another."""
    return hashlib.sha256(f"{tenant}\n{idempotency_key}".encode()).hexdigest()[:32]


def _as_dict(result: RowResult) -> dict[str, Any]:
    return {key: value for key, value in asdict(result).items() if value is not None}


def _one(
    index: int,
    apply: Callable[[int, ContactInput], tuple[str, Status]],
    data: ContactInput,
    source: str | None = None,
) -> RowResult:
    ref = data.external_codes.get(source) if source else None
    try:
        contact_id, status = apply(index, data)
    except Unavailable:
        raise
    except HubError as exc:
        return replace(_failed(index, exc.code, exc.message, exc.details), ref=ref)
    except ValidationError as exc:  # the merged contact broke a limit (e.g. more than 10 numbers)
        failed = _failed(index, "invalid_row", "the merged contact is not valid", validation_details(exc))
        return replace(failed, ref=ref)
    notes = overflow_notes(data, source) if source else None
    return RowResult(row=index, status=status, id=contact_id, ref=ref, notes=notes or None)


def overflow_notes(data: ContactInput, source: str) -> list[str]:
    """What a row from `source` keeps in `extra_fields` because the hub has no room for it."""
    kept = data.extra_fields.get(overflow_key(source), [])
    return (
        [f"{len(kept)} phone number(s) past the hub's {MAX_PHONES} kept in extra_fields: {', '.join(kept)}"]
        if kept
        else []
    )


def overflow_key(source: str) -> str:
    """The `extra_fields` key holding the numbers of a contact from `source` past MAX_PHONES."""
    return f"{source}:phones_over_limit"


def _failed(index: int, code: str, message: str, details: Any = None) -> RowResult:
    return RowResult(row=index, status="failed", error={"code": code, "message": message, "details": details})


def _groups(inputs: dict[int, ContactInput], country: str) -> list[list[int]]:
    """Rows linked by a shared external code or number (transitively), each group in row order."""
    parent = {index: index for index in inputs}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner_of: dict[str, int] = {}
    for index, data in inputs.items():
        for key in _match_keys(data, country):
            if key in owner_of:
                parent[root(index)] = root(owner_of[key])
            else:
                owner_of[key] = index
    groups: dict[int, list[int]] = {}
    for index in inputs:
        groups.setdefault(root(index), []).append(index)
    return list(groups.values())


def _match_keys(data: ContactInput, country: str) -> list[str]:
    keys = [f"x:{vendor}:{code}" for vendor, code in data.external_codes.items()]
    with suppress(HubError):  # a row with a bad number fails on its own when it runs
        keys += [f"p:{phone.e164}" for phone in normalize_phones(data.phones, country)]
    return keys
