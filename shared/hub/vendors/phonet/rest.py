"""What Phonet's REST API answers (spec/phonet.md §B), read as the PBX really sends it.

Public clients learned the shapes the hard way: ids arrive as numbers or strings, `parentUuid` may be
absent, `leg` or `leg.ext` may be null (IVR, system calls), `audioRecUrl` may be absent or carry a
trailing space, the active list's `otherLegs` is null for internal calls and its times come in seconds
or milliseconds. Every model ignores fields it does not know (the seed warns they come and go).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hub.models.common import EpochMs, LooseStr, OptionalLooseStr, is_web_url


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


def _web_url_or_none(value: Any) -> Any:
    """A recording link as given (trimmed), or None when absent or not an http(s) link: a malformed
    link costs the row its recording, not its place in the history."""
    if isinstance(value, str):
        value = value.strip()
        return value if is_web_url(value) else None
    return None


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class RestLeg(_Row):
    """An employee, group (department) or IVR scenario on a call; `type` 1/2/4 in history rows."""

    id: OptionalLooseStr = None
    ext: OptionalLooseStr = None
    display_name: OptionalLooseStr = Field(default=None, alias="displayName")
    type: int | None = None


class RestOtherLeg(_Row):
    """The client as one connected CRM knows them."""

    id: OptionalLooseStr = None
    name: OptionalLooseStr = None
    num: OptionalLooseStr = None
    company_name: OptionalLooseStr = Field(default=None, alias="companyName")
    url: OptionalLooseStr = None
    priority: int | None = None


class ActiveCall(_Row):
    """A row of `GET /rest/calls/active/v3`: a call ringing or talking now (times in UTC ms)."""

    uuid: LooseStr
    parent_uuid: OptionalLooseStr = Field(default=None, alias="parentUuid")
    last_event: OptionalLooseStr = Field(default=None, alias="lastEvent")
    dial_at: EpochMs | None = Field(default=None, alias="dialAt")
    bridge_at: EpochMs | None = Field(default=None, alias="bridgeAt")
    lg_direction: int = Field(alias="lgDirection")
    leg: RestLeg | None = None
    leg2: RestLeg | None = None
    other_legs: Annotated[list[RestOtherLeg], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list, alias="otherLegs"
    )
    trunk_num: OptionalLooseStr = Field(default=None, alias="trunkNum")
    trunk_name: OptionalLooseStr = Field(default=None, alias="trunkName")


class FinishedCall(_Row):
    """A row of company.api / users.api / missed.api: a finished call (`end_at` in UTC ms).

    `disposition` 0 answered, 1-4 kinds of no answer; `bill_secs` talk, `duration` ringing + talk.
    `leg` is None for system calls and `leg.ext` None for an IVR scenario (`leg.type` 4)."""

    uuid: LooseStr
    parent_uuid: OptionalLooseStr = Field(default=None, alias="parentUuid")
    end_at: EpochMs = Field(alias="endAt")
    lg_direction: int = Field(alias="lgDirection")
    other_leg_num: OptionalLooseStr = Field(default=None, alias="otherLegNum")
    other_leg_name: OptionalLooseStr = Field(default=None, alias="otherLegName")
    leg: RestLeg | None = None
    leg2: RestLeg | None = None
    bill_secs: int | None = Field(default=None, alias="billSecs", ge=0)
    duration: int | None = Field(default=None, ge=0)
    disposition: int | None = None
    transfer_history: OptionalLooseStr = Field(default=None, alias="transferHistory")
    audio_rec_url: Annotated[str | None, BeforeValidator(_web_url_or_none)] = Field(
        default=None, alias="audioRecUrl"
    )
    trunk: OptionalLooseStr = None


class PbxUser(_Row):
    """A row of `GET /rest/users`: an employee of the PBX."""

    id: LooseStr
    display_name: OptionalLooseStr = Field(default=None, alias="displayName")
    ext: OptionalLooseStr = None
    email: OptionalLooseStr = None


class PbxUserStatus(IntEnum):
    """`GET /rest/user/status`: of the user the session was authorized as."""

    ONLINE = 0
    OFFLINE = 1
    NOT_MONITORED = 2


class UserStatusAnswer(_Row):
    status: PbxUserStatus


class CallStarted(_Row):
    """`POST /rest/user/makeCall`'s answer: the new call's uuid (its webhooks carry the same)."""

    uuid: LooseStr
