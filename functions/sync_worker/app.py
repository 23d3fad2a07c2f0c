"""Sync worker: one SQS message per tenant and source (`{"tenant", "source", "requested_at"}`), from
the scheduler or POST /api/v1/sync/{source}. A run's outcome is recorded in its status whatever it is;
a failure a retry may cure (a vendor or storage unavailable) fails the message, so SQS delivers it
again and, after maxReceiveCount, to the DLQ; missing or refused credentials and a vendor's refusal
are only recorded, as retrying cannot help. A tenant or source that no longer exists is moot."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from hub import wiring
from hub.domain.sync import RunOutcome, SyncRequest, source_named
from hub.errors import NotFound
from hub.observability import sync_ran
from hub.workers import QueueBatch, settled

logger = Logger()
metrics = Metrics()
processor = QueueBatch(logger)


class SyncMessage(BaseModel):
    tenant: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=40)
    requested_at: int = 0
    on_demand: bool = False
    deferrals: int = Field(default=0, ge=0)


def run_sync(record: SQSRecord) -> None:
    message = SyncMessage.model_validate(record.json_body)
    with settled(logger, moot=(NotFound,), tenant=message.tenant, source=message.source):
        source = source_named(message.source)
        context = wiring.tenant_directory().by_slug(message.tenant)
        run = wiring.sync_service().run(context, source)
        sync_ran(run.source, run.outcome.value, run.tally.read, run.tally.failed, run.lag_ms)
        if run.outcome is RunOutcome.BUSY:
            request = SyncRequest(**message.model_dump())
            deferred = wiring.sync_board().defer(request)
            logger.info("sync source busy with another run", extra={"deferred": deferred})
            return
        if run.retryable and run.cause is not None:
            raise run.cause  # back to the queue: SQS delivers it again, then the DLQ
        for employee_id in run.details.get("deactivated", []):
            logger.warning(
                "employee deactivated: the vendor no longer lists them",
                extra={"employee_id": employee_id, "source": run.source},
            )
        logger.info(
            "sync run",
            extra={
                "outcome": run.outcome.value,
                "counts": run.record() | {"details": None},
                "error_code": run.error_code,
            },
        )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=run_sync, processor=processor, context=context
    )
