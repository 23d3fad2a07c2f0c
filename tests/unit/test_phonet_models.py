from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.vendors.phonet.models.call_settings import CallSettingsRequest


def test_call_settings_request_spec_example_parses() -> None:
    request = CallSettingsRequest.model_validate_json(
        '{"request": "call.settings", "otherLegNum": "+380442246595", "trunkNum": "0800218500"}'
    )
    assert (request.other_leg_num, request.trunk_num) == ("+380442246595", "0800218500")


def test_call_settings_request_numbers_whitespace_nulls_and_extra_fields_accepted() -> None:
    request = CallSettingsRequest.model_validate_json(
        '{"otherLegNum": 380442246595, "trunkNum": null, "somethingNew": {"x": 1}}'
    )
    assert (request.other_leg_num, request.trunk_num) == ("380442246595", None)
    assert (
        CallSettingsRequest.model_validate({"otherLegNum": " +380442246595 \n"}).other_leg_num
        == "+380442246595"
    )


@pytest.mark.parametrize(
    "body",
    ["{}", '{"otherLegNum": null}', '{"otherLegNum": "   "}', '{"otherLegNum": "", "trunkNum": ""}'],
)
def test_call_settings_request_hidden_caller_id_is_a_request_without_number(body: str) -> None:
    request = CallSettingsRequest.model_validate_json(body)
    assert (request.other_leg_num, request.trunk_num) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "null",
        "[]",
        '"call.settings"',
        '{"otherLegNum": true}',
        '{"otherLegNum": ["+380442246595"]}',
        '{"request": "call.dial", "otherLegNum": "+380442246595"}',
        '{ request: "call.settings", otherLegNum: "+380442246595" }',
    ],
)
def test_call_settings_request_invalid_bodies_rejected(body: str) -> None:
    with pytest.raises(ValidationError):
        CallSettingsRequest.model_validate_json(body)
