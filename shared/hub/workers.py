"""The SQS workers' edge: what a domain error means for the message that raised it, decided here once.

- retryable (storage busy, a vendor down): the record fails, SQS delivers it again after its
  visibility timeout, and after maxReceiveCount it goes to the DLQ;
- not retryable (invalid, conflict, limit, a tenant gone): the record fails too. Retrying cannot help,
  but the DLQ keeps the message for an operator to read and redrive once the cause is fixed, where
  acknowledging it would lose a lead or a label without a trace; the few extra deliveries are cheap;
- `moot` kinds a worker names (the import job that expired): nothing is left to apply the message
  to, nor to redrive it for, so it is logged and acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger

from hub.errors import HubError


@contextmanager
def settled(logger: Logger, *, moot: tuple[type[HubError], ...] = (), **keys: Any) -> Iterator[None]:
    """Run one record's work: a `moot` error is logged and swallowed, any other HubError logged with
    whether SQS's retry can help and raised again, so the batch reports the record as failed."""
    try:
        yield
    except moot as exc:
        logger.warning("message dropped: nothing left to apply it to", extra={**keys, "code": exc.code})
    except HubError as exc:
        logger.warning("message failed", extra={**keys, "code": exc.code, "retryable": exc.retryable})
        raise
