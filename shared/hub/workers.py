"""The SQS workers' edge: what a domain error means for the message that raised it, decided here once.

- retryable (storage busy, a vendor down): the record fails, SQS delivers it again after its
  visibility timeout, and after maxReceiveCount it goes to the DLQ;
- not retryable (invalid, conflict, limit, a tenant gone): the record fails too. Retrying cannot help,
  but the DLQ keeps the message for an operator to read and redrive once the cause is fixed, where
  acknowledging it would lose a lead or a label without a trace; the few extra deliveries are cheap;
- `moot` kinds a worker names (the import job that expired): nothing is left to apply the message
  to, nor to redrive it for, so it is logged and acknowledged.

Every record's log lines carry its message id (and, inside `settled`, its tenant and the keys given),
and every record is counted as done or failed (hub.observability), whatever raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from hub.errors import HubError
from hub.observability import MESSAGE_DONE, MESSAGE_DROPPED, MESSAGE_FAILED, count


class QueueBatch(BatchProcessor):
    """Powertools' SQS batch processor, with each record's message id on the log lines it makes and
    its outcome counted: the processor sees every failure, also those raised before `settled`."""

    def __init__(self, logger: Logger) -> None:
        super().__init__(event_type=EventType.SQS)
        self._log = logger

    def _process_record(self, record: dict[str, Any]) -> Any:
        self._log.append_keys(message_id=record.get("messageId"))
        try:
            return super()._process_record(record)
        finally:
            self._log.remove_keys(["message_id"])

    def success_handler(self, record: Any, result: Any) -> Any:
        count(MESSAGE_DONE)
        return super().success_handler(record, result)

    def failure_handler(self, record: Any, exception: Any) -> Any:
        count(MESSAGE_FAILED)
        return super().failure_handler(record, exception)


@contextmanager
def settled(logger: Logger, *, moot: tuple[type[HubError], ...] = (), **keys: Any) -> Iterator[None]:
    """Run one record's work, its log lines carrying `keys` (the tenant, the job): a `moot` error is
    logged and swallowed, any other HubError logged with whether SQS's retry can help and raised
    again, so the batch reports the record as failed."""
    logger.append_keys(**keys)
    try:
        yield
    except moot as exc:
        count(MESSAGE_DROPPED)
        logger.warning("message dropped: nothing left to apply it to", extra={"code": exc.code})
    except HubError as exc:
        logger.warning("message failed", extra={"code": exc.code, "retryable": exc.retryable})
        raise
    finally:
        logger.remove_keys(list(keys))
