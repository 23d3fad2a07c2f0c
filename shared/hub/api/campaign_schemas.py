"""What /api/v1/dial-batches takes and answers (one resource's models, kept apart from hub.api.schemas)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.api.schemas import Moment
from hub.models.campaign import (
    MAX_ATTEMPTS,
    MAX_PAGE_RECORDS,
    MAX_PAGES,
    MAX_VARIABLES,
    NAME_LENGTH,
    VARIABLE_LENGTH,
    BatchCounts,
    BatchStatus,
    DialBatch,
    DialChunk,
    DialWindow,
    Provider,
    Rejection,
)
from hub.models.common import OptionalLooseStr
from hub.models.contact import PHONE_LENGTH, ContactType

Variable = Annotated[str | int | None, Field(union_mode="left_to_right")]


class DialRecordIn(BaseModel):
    """One person: a `phone` (any form the tenant's country reads) with a name and up to three
    scenario variables (`var1..var3`), or a `contact_id` (the contact's first phone and name). Numbers
    are checked by the workers: one that does not read is reported with its row, not refused here."""

    model_config = ConfigDict(extra="forbid")

    phone: Annotated[str, Field(max_length=PHONE_LENGTH)] | int | None = None
    contact_id: OptionalLooseStr = Field(default=None, max_length=64)
    name: OptionalLooseStr = Field(default=None, max_length=NAME_LENGTH)
    vars: list[Annotated[str, Field(max_length=VARIABLE_LENGTH)] | int | None] = Field(
        default_factory=list, max_length=MAX_VARIABLES
    )


class ContactFilterIn(BaseModel):
    """The tenant's contacts to call instead of records (their first phone each), as GET /contacts
    filters them: by type, by name, changed since."""

    model_config = ConfigDict(extra="forbid")

    type: ContactType | None = None
    name: OptionalLooseStr = Field(default=None, max_length=200)
    updated_since: Moment | None = None


class DialBatchIn(BaseModel):
    """A dial batch. `window`: when dialing is allowed, in the tenant's time zone (default weekdays
    09:00-20:00; always inside 08:00-22:00). Up to 100,000 records: the first page's here (up to
    10,000), the others by PUT .../pages/{n} when `pages` > 1; or a `contact_filter` instead."""

    model_config = ConfigDict(extra="forbid")

    provider: Provider
    scenario: OptionalLooseStr = Field(default=None, max_length=40, description="Avtodialer's generationtype")
    base_id: OptionalLooseStr = Field(default=None, max_length=40, description="Obzvonilka's contact base id")
    max_attempts: int = Field(default=1, ge=1, le=MAX_ATTEMPTS)
    window: DialWindow = Field(default_factory=DialWindow)
    records: list[DialRecordIn] = Field(default_factory=list, max_length=MAX_PAGE_RECORDS)
    pages: int = Field(default=1, ge=1, le=MAX_PAGES, description="How many pages of records the batch has")
    contact_filter: ContactFilterIn | None = None


class DialPageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[DialRecordIn] = Field(min_length=1, max_length=MAX_PAGE_RECORDS)


class DialBatchOut(BaseModel):
    """A batch's progress: its status, records by where they got, chunks by state."""

    id: str
    provider: Provider
    scenario: str | None = None
    base_id: str | None = None
    max_attempts: int
    window: DialWindow
    timezone: str
    status: BatchStatus
    pages: int
    pages_received: int
    counts: BatchCounts
    chunks: dict[str, int]
    chunks_total: int
    next_window_at: int | None = None
    created_at: int
    created_by: str | None = None
    cancelled_at: int | None = None
    finished_at: int | None = None
    progress_url: str
    notice: str | None = None

    @classmethod
    def of(cls, batch: DialBatch, prefix: str, notice: str | None = None) -> DialBatchOut:
        data = batch.model_dump(exclude={"tenant"})
        data["counts"] = batch.counts
        return cls.model_validate(
            {**data, "progress_url": f"{prefix}/dial-batches/{batch.id}", "notice": notice}
        )


class DialBatchList(BaseModel):
    items: list[DialBatchOut]
    next_cursor: str | None = None


class DialChunkList(BaseModel):
    items: list[DialChunk]
    next_cursor: str | None = None


class RejectionList(BaseModel):
    items: list[Rejection]
    next_cursor: str | None = None
