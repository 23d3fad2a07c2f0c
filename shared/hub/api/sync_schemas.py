"""What /api/v1/sync answers (kept apart from hub.api.schemas: one resource's models, added whole)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.domain.sync import Source


class SyncRunOut(BaseModel):
    """A sync's last run: when, how it ended, what it counted, why it failed (never a secret)."""

    started_at: int
    finished_at: int | None = None
    outcome: Literal["ok", "error", "superseded"] = Field(
        description="`superseded`: another run of the same source moved the cursor first; it stopped"
    )
    read: int = 0
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    failed: int = 0
    caught_up: bool = True
    error_code: str | None = None
    error_message: str | None = None
    retryable: bool = False
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="By source: the bases seen (obzvonilka_bases); employees created, updated, deactivated",
    )


class SyncSourceOut(BaseModel):
    source: Source
    vendor: str
    credentials: bool = Field(description="Whether the tenant stored the vendor's credentials")
    cursor: str | None = Field(default=None, description="The source's own mark of how far it got")
    lag_ms: int | None = Field(default=None, description="History sources: how far behind now the cursor is")
    last_run: SyncRunOut | None = None


class SyncStatus(BaseModel):
    items: list[SyncSourceOut]


class SyncRequested(BaseModel):
    source: Source
    requested_at: int
    status_url: str
