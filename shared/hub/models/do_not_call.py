"""The do-not-call list: numbers of a tenant that no campaign may dial."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

REASON_LENGTH = 200


class ListedBy(StrEnum):
    """Where a listing came from: the REST API, an import through it, or a person on the card."""

    API = "api"
    IMPORT = "import"
    CARD = "card"


class DoNotCallEntry(BaseModel):
    """One listed number of one tenant. The first listing is kept: listing it again changes nothing."""

    tenant: str
    phone: str = Field(description="E.164")
    listed_at: int = Field(description="UTC milliseconds")
    listed_by: str = Field(description="`api:{API key id}` or the employee's id")
    reason: str | None = Field(default=None, max_length=REASON_LENGTH)
    source: ListedBy
