"""Call-notes worker: one message per save that changed what a Phonet call's note says
(`{"tenant", "call_uuid", "version"}`, from a FIFO queue grouped by call), writing the note into the
tenant's Phonet contact book (hub.domain.call_notes). A Phonet that is down, or a call whose save has
not landed yet, fails the message: SQS delivers it again, then to the DLQ. A tenant gone is moot."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from hub import wiring
from hub.domain.call_notes import NoteRequest
from hub.errors import NotFound
from hub.observability import call_noted
from hub.workers import QueueBatch, settled

logger = Logger()
metrics = Metrics()
processor = QueueBatch(logger)


class NoteMessage(BaseModel):
    tenant: str = Field(min_length=1, max_length=64)
    call_uuid: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=0)


def write_note(record: SQSRecord) -> None:
    message = NoteMessage.model_validate(record.json_body)
    with settled(logger, moot=(NotFound,), tenant=message.tenant, call=message.call_uuid):
        context = wiring.tenant_directory().by_slug(message.tenant)
        outcome = wiring.call_notes().write(context, NoteRequest(**message.model_dump()))
        call_noted(outcome.value)
        logger.info("call note", extra={"outcome": outcome.value})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=write_note, processor=processor, context=context
    )
