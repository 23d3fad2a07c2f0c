"""Import worker: one SQS message per chunk of an import job (and one to read a job's rows from a
vendor, e.g. the Phonet contact book, page by page, before it is planned).
A chunk that fails (a throttled write,
a timeout) is reported as a batch item failure and retried, then goes to the DLQ; a chunk already
recorded is skipped, and a replayed row finds its contact instead of creating another."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from hub import wiring
from hub.errors import NotFound
from hub.workers import QueueBatch, settled

logger = Logger()
metrics = Metrics()
processor = QueueBatch(logger)


class ChunkMessage(BaseModel):
    """`plan`: cut the job's stored rows into chunks; else apply chunk number `chunk`."""

    tenant: str = Field(min_length=1, max_length=64)
    job_id: str = Field(min_length=1, max_length=64)
    chunk: int | None = Field(default=None, ge=0)
    plan: bool = False
    read: Literal["phonet"] | None = None  # read the job's rows from the tenant's Phonet contact book


def apply_chunk(record: SQSRecord) -> None:
    message = ChunkMessage.model_validate(record.json_body)
    # NotFound: the job expired (7 days) or its tenant is gone, so the message is moot.
    with settled(logger, moot=(NotFound,), tenant=message.tenant, job=message.job_id, chunk=message.chunk):
        context = wiring.tenant_directory().by_slug(message.tenant)
        if message.read == "phonet":
            wiring.import_service().read_source(
                context, message.job_id, lambda: wiring.phonet_book_rows(context)
            )
        elif message.plan:
            wiring.import_service().plan_job(context, message.job_id)
        elif message.chunk is not None:
            wiring.import_service().run_chunk(context, message.job_id, message.chunk)
        logger.info(
            "import message applied",
            extra={
                "tenant": message.tenant,
                "job": message.job_id,
                "chunk": message.chunk,
                "plan": message.plan,
            },
        )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=apply_chunk, processor=processor, context=context
    )
