"""Phonet's webhook payloads and answers (spec/phonet.md §A), as its PBX sends and expects them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.models.common import EpochMs, LooseStr, OptionalLooseStr

UUID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
# The PBX's host name: recording links are built on it (`https://{accountDomain}/rest/...`).
HOST_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$"


class CallSettingsRequest(BaseModel):
    """§A1: the PBX asks who is on the other end while the phone rings."""

    model_config = ConfigDict(extra="ignore")

    request: Literal["call.settings"] | None = None
    # Hidden or odd caller ids (`anonymous`, `101`, empty, missing) are requests all the same.
    other_leg_num: OptionalLooseStr = Field(default=None, alias="otherLegNum")
    trunk_num: OptionalLooseStr = Field(default=None, alias="trunkNum", max_length=64)


class OtherLeg(BaseModel):
    """§A1's answer: every key is always present, null when unknown (the PBX expects the full shape)."""

    name: str | None
    url: str
    urlText: str  # noqa: N815 - the vendor's field name
    newEntry: bool  # noqa: N815
    responsibleEmployeeExt: str | None  # noqa: N815
    responsibleEmployeeEmail: str | None  # noqa: N815


class CallSettingsResponse(BaseModel):
    otherLeg: OtherLeg | None  # noqa: N815


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


class UtmLabel(BaseModel):
    """§A3: one item of a UTM batch. `(not set)` means absent; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    utm_source: OptionalLooseStr = Field(default=None, alias="utmSource", max_length=500)
    utm_medium: OptionalLooseStr = Field(default=None, alias="utmMedium", max_length=500)
    utm_campaign: OptionalLooseStr = Field(default=None, alias="utmCampaign", max_length=500)
    utm_content: OptionalLooseStr = Field(default=None, alias="utmContent", max_length=500)
    utm_term: OptionalLooseStr = Field(default=None, alias="utmTerm", max_length=500)
    google_client_id: OptionalLooseStr = Field(default=None, alias="googleClientId", max_length=200)
    client_ip: OptionalLooseStr = Field(default=None, alias="clientIp", max_length=64)
    referrer: OptionalLooseStr = Field(default=None, max_length=2000)
    other_leg_num: OptionalLooseStr = Field(default=None, alias="otherLegNum", max_length=64)
    trunk_source: OptionalLooseStr = Field(default=None, alias="trunkSource", max_length=64)
    label: OptionalLooseStr = Field(default=None, max_length=1000)
    call_date: EpochMs | None = Field(default=None, alias="callDate")
    call_start: EpochMs | None = Field(default=None, alias="callStart")
    call_parent_uuid: OptionalLooseStr = Field(default=None, alias="callParentUuid", pattern=UUID_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _not_set_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: None if isinstance(v, str) and v.strip().lower() == "(not set)" else v
                for k, v in data.items()
            }
        return data
