"""UTM worker: applies the labels the UTM webhook queued. A message is a chunk of one tenant's batch;
a failed one is retried whole (its items are idempotent), then goes to the DLQ."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.domain.attribution import UtmItem
from hub.workers import QueueBatch, settled

logger = Logger()
metrics = Metrics()
processor = QueueBatch(logger)


def apply(record: SQSRecord) -> None:
    message = record.json_body
    with settled(logger, tenant=message["tenant"]):
        context = wiring.tenant_directory().by_slug(message["tenant"])
        items = [UtmItem(**item) for item in message["items"]]
        wiring.attribution_service().apply(context, items)
    logger.info("utm applied", extra={"tenant": context.slug, "items": len(items)})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=apply, processor=processor, context=context)
