"""Dial worker: one SQS message per step of a dial batch (hub.domain.campaigns) —
`{"tenant", "batch", "step": "collect"}` (a contact filter's contacts become its pages),
`{"step": "prepare", "page", "slice"}` (1000 records checked) and `{"step": "send", "chunk"}` (a chunk
claimed and sent to the vendor, or put back to wait for its window).

Every step may be delivered twice: each one's writes are conditional, and a sent chunk is never sent
again. A failure a retry may cure (storage busy) fails the record, so SQS delivers it again and, after
maxReceiveCount, to the DLQ; a vendor's failures are the chunk's state, not the message's."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from hub import wiring
from hub.errors import NotFound
from hub.observability import chunk_sent
from hub.workers import QueueBatch, settled

logger = Logger()
metrics = Metrics()
processor = QueueBatch(logger)


class DialMessage(BaseModel):
    tenant: str = Field(min_length=1, max_length=64)
    batch: str = Field(min_length=1, max_length=64)
    step: Literal["collect", "prepare", "send"]
    page: int = Field(default=1, ge=1, le=100)
    slice: int = Field(default=0, ge=0, le=100)
    chunk: int = Field(default=0, ge=0, le=100_000)


def run_step(record: SQSRecord) -> None:
    message = DialMessage.model_validate(record.json_body)
    # NotFound: the batch expired (90 days) or its tenant is gone, so the message is moot.
    with settled(logger, moot=(NotFound,), tenant=message.tenant, batch=message.batch, step=message.step):
        context = wiring.tenant_directory().by_slug(message.tenant)
        campaigns = wiring.campaign_service()
        if message.step == "collect":
            campaigns.collect(context, message.batch)
        elif message.step == "prepare":
            campaigns.prepare(context, message.batch, message.page, message.slice)
        else:
            sent = campaigns.send(context, message.batch, message.chunk)
            chunk_sent(sent.outcome, sent.records)
            logger.info(
                "dial chunk", extra={"chunk": sent.chunk, "outcome": sent.outcome, "records": sent.records}
            )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=run_step, processor=processor, context=context
    )
