"""§A3 UTM labels: the call-tracking fields of calls that came from a website, sent in batches."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.models.common import EpochMs, OptionalLooseStr
from hub.vendors.phonet.models import UUID_PATTERN


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
