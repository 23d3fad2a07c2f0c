from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from hub.errors import Conflict, Unavailable
from hub.store.dynamo import transact_write


def cancelled(*reasons: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": reason} for reason in reasons],
        },
        "TransactWriteItems",
    )


class Client:
    def __init__(self, *failures: ClientError) -> None:
        self.failures = list(failures)
        self.calls = 0

    def transact_write_items(self, TransactItems: list) -> dict:  # noqa: N803 - boto3's name
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {}


def test_transact_write_retries_a_lost_race_with_another_transaction() -> None:
    client = Client(cancelled("None", "TransactionConflict"), cancelled("TransactionConflict"))
    transact_write(client, [], "conflict")
    assert client.calls == 3


def test_transact_write_failed_condition_is_a_conflict_without_retry() -> None:
    client = Client(cancelled("ConditionalCheckFailed", "TransactionConflict"))
    with pytest.raises(Conflict):
        transact_write(client, [], "conflict")
    assert client.calls == 1


def test_transact_write_gives_up_after_attempts_as_conflict() -> None:
    client = Client(*[cancelled("TransactionConflict")] * 5)
    with pytest.raises(Conflict):
        transact_write(client, [], "conflict", attempts=3)
    assert client.calls == 3


def test_transact_write_throttled_is_unavailable() -> None:
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"
    )
    with pytest.raises(Unavailable):
        transact_write(Client(throttled), [], "conflict")
