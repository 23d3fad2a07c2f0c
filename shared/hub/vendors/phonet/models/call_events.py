"""§A2 call events: the PBX reports each step of a call (dial, bridge, hangup), leg by leg."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.models.common import EpochMs, LooseStr, OptionalLooseStr
from hub.vendors.phonet.models import UUID_PATTERN

# The PBX's host name: recording links are built on it (`https://{accountDomain}/rest/...`).
HOST_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$"


class PhonetLeg(BaseModel):
    """An employee's side of a call (§A2 `leg`, `leg2`); `type` appears in history rows."""

    model_config = ConfigDict(extra="ignore")

    id: OptionalLooseStr = Field(default=None, max_length=64)
    ext: OptionalLooseStr = Field(default=None, max_length=20)
    display_name: OptionalLooseStr = Field(default=None, alias="displayName", max_length=300)
    type: int | None = None


class PhonetOtherLeg(BaseModel):
    """The client as one connected CRM knows them; every field may be missing or null."""

    model_config = ConfigDict(extra="ignore")

    id: OptionalLooseStr = Field(default=None, max_length=100)
    name: OptionalLooseStr = Field(default=None, max_length=300)
    num: OptionalLooseStr = Field(default=None, max_length=64)
    company_name: OptionalLooseStr = Field(default=None, alias="companyName", max_length=300)
    url: OptionalLooseStr = Field(default=None, max_length=2000)
    priority: int | None = None


class CallEvent(BaseModel):
    """§A2: call.dial / call.bridge / call.hangup, and pause/unpause (lgDirection 32/64)."""

    model_config = ConfigDict(extra="ignore")

    event: Literal["call.dial", "call.bridge", "call.hangup"]
    account_domain: OptionalLooseStr = Field(
        default=None, alias="accountDomain", max_length=253, pattern=HOST_PATTERN
    )
    uuid: LooseStr = Field(pattern=UUID_PATTERN)
    parent_uuid: OptionalLooseStr = Field(default=None, alias="parentUuid", pattern=UUID_PATTERN)
    dial_at: EpochMs | None = Field(default=None, alias="dialAt")
    bridge_at: EpochMs | None = Field(default=None, alias="bridgeAt")
    server_time: EpochMs | None = Field(default=None, alias="serverTime")
    lg_direction: Literal[1, 2, 4, 32, 64] = Field(alias="lgDirection")
    leg: PhonetLeg | None = None
    leg2: PhonetLeg | None = None
    other_legs: list[PhonetOtherLeg] | None = Field(default=None, alias="otherLegs", max_length=50)
    # A hidden caller id (empty, `anonymous`) is logged as it came.
    other_leg_num: OptionalLooseStr = Field(default=None, alias="otherLegNum", max_length=64)
    trunk_num: OptionalLooseStr = Field(default=None, alias="trunkNum", max_length=64)
    trunk_name: OptionalLooseStr = Field(default=None, alias="trunkName", max_length=300)
