"""What /api/v1/do-not-call takes and answers (one resource's models, kept apart from hub.api.schemas)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.domain.do_not_call import MAX_IMPORT_PHONES, DoNotCallImport
from hub.models.common import OptionalLooseStr
from hub.models.do_not_call import REASON_LENGTH, DoNotCallEntry, ListedBy


class DoNotCallIn(BaseModel):
    """Why the number is listed (optional, kept with its first listing)."""

    model_config = ConfigDict(extra="forbid")

    reason: OptionalLooseStr = Field(default=None, max_length=REASON_LENGTH)


class DoNotCallOut(BaseModel):
    """A listed number: when, by whom (`api:{key id}` or an employee's id), why and how."""

    phone: str = Field(description="E.164")
    listed_at: int = Field(description="UTC milliseconds")
    listed_by: str
    reason: str | None = None
    source: ListedBy

    @classmethod
    def of(cls, entry: DoNotCallEntry) -> DoNotCallOut:
        return cls.model_validate(entry.model_dump(exclude={"tenant"}))


class DoNotCallPage(BaseModel):
    items: list[DoNotCallOut]
    next_cursor: str | None = None


class DoNotCallImportIn(BaseModel):
    """Numbers in any form the tenant's country reads, up to 5000 a request: a longer list goes in
    several requests (each one is idempotent by itself, and numbers listed already are counted as
    such). `reason` is kept with every number this import lists."""

    model_config = ConfigDict(extra="forbid")

    phones: list[str | int | None] = Field(min_length=1, max_length=MAX_IMPORT_PHONES)
    reason: OptionalLooseStr = Field(default=None, max_length=REASON_LENGTH)


class InvalidPhoneRow(BaseModel):
    row: int = Field(description="The number's index in `phones`, from 0")
    reason: Literal["empty", "not_a_phone_number"]


class DoNotCallImportOut(BaseModel):
    """Every row is one of: added, already listed, a duplicate of an earlier row, or invalid."""

    added: int
    already_listed: int
    duplicates: int
    invalid: int
    invalid_rows: list[InvalidPhoneRow]

    @classmethod
    def of(cls, outcome: DoNotCallImport) -> DoNotCallImportOut:
        return cls(
            added=outcome.added,
            already_listed=outcome.already_listed,
            duplicates=outcome.duplicates,
            invalid=len(outcome.invalid),
            invalid_rows=[InvalidPhoneRow(row=i.row, reason=i.reason) for i in outcome.invalid],  # type: ignore[arg-type]
        )
