"""§A1 `call.settings`: the PBX asks who is calling while the phone rings, and waits for the answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.models.common import OptionalLooseStr


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
