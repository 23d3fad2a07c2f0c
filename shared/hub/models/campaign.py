"""Dial campaigns ("dial batches"): numbers for a robot dialer or a call list, sent in chunks inside an
allowed local time window, each number at most once.

A batch is accepted in seconds and worked through SQS: its records are checked per slice of 1000
(numbers normalized, contacts resolved, the do-not-call list applied), then de-duplicated across the
batch and cut into chunks, each sent by one worker after a conditional claim. The counts here are
what its progress shows; every removal is also listed, row by row (`Rejection`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

# Nobody is called at night, whatever a batch asks: every window lies inside these local hours.
EARLIEST_CALL = dt.time(8, 0)
LATEST_CALL = dt.time(22, 0)
DEFAULT_WINDOW_FROM = dt.time(9, 0)
DEFAULT_WINDOW_TO = dt.time(20, 0)
WEEKDAYS = (1, 2, 3, 4, 5)
MAX_BATCH_RECORDS = 100_000
MAX_PAGE_RECORDS = 10_000  # one request's records: ~1 MB of JSON, far under Lambda's 6 MB
MAX_PAGES = MAX_BATCH_RECORDS // MAX_PAGE_RECORDS
SLICE_RECORDS = 1000  # records a worker checks per message
MAX_ATTEMPTS = 10
NAME_LENGTH = 100
VARIABLE_LENGTH = 100
MAX_VARIABLES = 3


# A local wall-clock time, "HH:MM" both ways (JSON Schema's `format: time` wants a UTC offset).
LocalTime = Annotated[
    dt.time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"}),
]


class Provider(StrEnum):
    """Who dials: Avtodialer's robot (a scenario), or Obzvonilka's operators (a contact base)."""

    AVTODIALER = "avtodialer"
    OBZVONILKA = "obzvonilka"


class DialWindow(BaseModel):
    """When dialing is allowed, in the tenant's time zone: from `from` (inclusive) to `to` (exclusive)
    on the ISO weekdays in `days` (1 = Monday). Never outside 08:00-22:00."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    start: LocalTime = Field(default=DEFAULT_WINDOW_FROM, alias="from", description="HH:MM, local time")
    end: LocalTime = Field(default=DEFAULT_WINDOW_TO, alias="to", description="HH:MM, local time")
    days: tuple[int, ...] = Field(default=WEEKDAYS, min_length=1, max_length=7)

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(day not in range(1, 8) for day in value):
            raise ValueError("days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return tuple(sorted(set(value)))

    @field_validator("start", "end")
    @classmethod
    def _minutes(cls, value: dt.time) -> dt.time:
        if value.second or value.microsecond or value.tzinfo:
            raise ValueError("a window time is a local HH:MM")
        return value

    @model_validator(mode="after")
    def _daytime(self) -> DialWindow:
        if self.start >= self.end:
            raise ValueError(
                "the window's `from` must come before its `to` (a window does not span midnight)"
            )
        if self.start < EARLIEST_CALL or self.end > LATEST_CALL:
            raise ValueError(
                f"nobody is called at night: a window lies within "
                f"{EARLIEST_CALL:%H:%M}-{LATEST_CALL:%H:%M} local time"
            )
        return self

    def is_open(self, at_ms: int, timezone: str) -> bool:
        local = dt.datetime.fromtimestamp(at_ms / 1000, ZoneInfo(timezone))
        return local.isoweekday() in self.days and self.start <= local.time() < self.end

    def next_open(self, at_ms: int, timezone: str) -> int:
        """When the window is next open at or after `at_ms` (ms): `at_ms` itself while it is open.
        Local wall-clock times, so a DST change moves the UTC instant, not the local hour."""
        if self.is_open(at_ms, timezone):
            return at_ms
        zone = ZoneInfo(timezone)
        local = dt.datetime.fromtimestamp(at_ms / 1000, zone)
        for ahead in range(8):
            day = local.date() + dt.timedelta(days=ahead)
            opens = dt.datetime.combine(day, self.start, zone)
            if day.isoweekday() in self.days and opens.timestamp() * 1000 >= at_ms:
                return int(opens.timestamp() * 1000)
        raise AssertionError("a window with a day opens within a week")

    def closes_at(self, at_ms: int, timezone: str) -> int:
        """When the window open at `at_ms` closes (ms)."""
        zone = ZoneInfo(timezone)
        local = dt.datetime.fromtimestamp(at_ms / 1000, zone)
        return int(dt.datetime.combine(local.date(), self.end, zone).timestamp() * 1000)


class ChunkState(StrEnum):
    """A chunk's life: `pending` until a worker claims it (`sending`) just before calling the vendor,
    then `sent` with the vendor's answer, `uncertain` when that answer proves nothing either way (it
    waits for an operator: resend or mark done, never resent by itself), or `failed` when the vendor
    refused it or every retry was spent. `cancelled`: the batch was cancelled before it was sent."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL_CHUNK_STATES = (ChunkState.SENT, ChunkState.FAILED, ChunkState.CANCELLED)


class BatchStatus(StrEnum):
    """`receiving`: pages are still to come; `preparing`: records being checked; `sending`: chunks
    pending or on their way; `waiting`: outside its window, sending when it opens; `attention`:
    everything else is done but uncertain chunks wait for an operator; `done`; `cancelled`."""

    RECEIVING = "receiving"
    PREPARING = "preparing"
    SENDING = "sending"
    WAITING = "waiting"
    ATTENTION = "attention"
    DONE = "done"
    CANCELLED = "cancelled"


class RejectReason(StrEnum):
    INVALID_PHONE = "invalid_phone"
    CONTACT_NOT_FOUND = "contact_not_found"
    CONTACT_WITHOUT_PHONE = "contact_without_phone"
    DUPLICATE = "duplicate"
    DO_NOT_CALL = "do_not_call"  # listed when the batch was checked
    DO_NOT_CALL_LATE = "do_not_call_late"  # listed after that, removed just before its chunk was sent
    VENDOR_REJECTED = "vendor_rejected"  # a call list refused this one record


class Rejection(BaseModel):
    """One record left out, where it was in the request (`page` from 1, `index` from 0) and why."""

    page: int
    index: int
    reason: RejectReason
    phone: str | None = Field(default=None, description="E.164 when it read as a number, else as sent")
    contact_id: str | None = None
    duplicate_of: dict[str, int] | None = Field(
        default=None, description="`{page, index}` of the record kept"
    )
    message: str | None = None


class DialTarget(BaseModel):
    """One checked record, ready to send: its id (the dialer's UUID, returned with each result), the
    number in E.164, and what the scenario or the call list shows of it."""

    id: str
    phone: str
    page: int
    index: int
    name: str | None = None
    vars: tuple[str, ...] = ()
    contact_id: str | None = None


class BatchCounts(BaseModel):
    """Records by where they got: received; rejected by reason; accepted (checked and unique); sent
    to the vendor; answered or not (results of sent ones, from the result webhook and the cdr)."""

    received: int = 0
    rejected: dict[str, int] = Field(default_factory=dict)
    accepted: int = 0
    sent: int = 0
    answered: int = 0
    not_answered: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


class DialBatch(BaseModel):
    """A dial batch as its progress shows it. `chunks`: how many are in each ChunkState."""

    model_config = ConfigDict(extra="ignore")

    tenant: str
    id: str
    provider: Provider
    scenario: str | None = None
    base_id: str | None = None
    max_attempts: int = 1
    window: DialWindow
    timezone: str
    status: BatchStatus
    pages: int = 1
    pages_received: int = 0
    counts: BatchCounts = Field(default_factory=BatchCounts)
    chunks: dict[str, int] = Field(default_factory=dict)
    chunks_total: int = 0
    next_window_at: int | None = Field(default=None, description="When a waiting batch sends next (ms)")
    created_at: int
    created_by: str | None = None
    cancelled_at: int | None = None
    finished_at: int | None = None


class DialChunk(BaseModel):
    """One chunk: its records' count, state and the vendor's answer (Avtodialer's job id and report;
    Obzvonilka's per-contact ids are in its targets' results)."""

    model_config = ConfigDict(extra="ignore")

    number: int
    state: ChunkState
    records: int
    attempts: int = 0
    job_id: str | None = None
    report: dict[str, Any] | None = None
    reason: str | None = None
    updated_at: int = 0
