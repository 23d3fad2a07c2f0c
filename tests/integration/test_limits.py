"""Limits end in a clear answer, never a 500: throttling, a crowded number, a huge call, racing events."""

from __future__ import annotations

import json
from typing import Any

from botocore.awsrequest import AWSResponse

from hub import wiring
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from tests.conftest import Seeded
from tests.support import load_event, load_function


def throttle(operation: str, when: Any = lambda params: True) -> None:
    """Make the process's DynamoDB client answer `operation` with a throttle, as DynamoDB does once
    botocore's retries are spent (a before-call handler short-circuits the request, like Stubber)."""

    def answer(params: dict[str, Any], **_: Any) -> Any:
        if not when(params):
            return None
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
        return AWSResponse("https://dynamodb", 400, {}, None), error

    wiring.default_client().meta.events.register(f"before-call.dynamodb.{operation}", answer)


def test_lookup_throttled_phone_index_read_is_503_with_retry_after(seeded: Seeded, lambda_context) -> None:
    # given a known contact, and a phone-index GetItem that DynamoDB throttles
    ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Ivan", phones=[PhoneInput(number="+380442246595")])
    )
    lookup = load_function("phonet_lookup")
    throttle("GetItem", lambda params: b"#P#" in params["body"])
    # when the PBX asks who is calling
    response = lookup.handler(load_event("phonet_lookup/known_contact.json"), lambda_context)
    # then it hears "busy, retry", not a 500
    assert response["statusCode"] == 503, response["body"]
    assert response["headers"].get("Retry-After") == "1"
    assert json.loads(response["body"])["error"]["code"] == "unavailable"
