"""Lead capture worker: one SQS message per unknown caller; failures retry, then go to the DLQ."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hub import wiring
from hub.domain.calls import LeadRequest
from hub.domain.leads import capture_lead
from hub.observability import LEAD_MADE, count
from hub.workers import QueueBatch, settled

logger = Logger()
metrics = Metrics()
processor = QueueBatch(logger)


def capture(record: SQSRecord) -> None:
    request = LeadRequest(**record.json_body)
    with settled(logger, tenant=request.tenant, call=request.call_uuid):
        context = wiring.tenant_directory().by_slug(request.tenant)
        captured = capture_lead(context, request, wiring.contact_service(), wiring.call_service())
    if captured.made_lead:
        count(LEAD_MADE)
    logger.info(
        "call linked",
        extra={
            "tenant": request.tenant,
            "call": request.call_uuid,
            "contacts": captured.linked,
            "lead_made": captured.made_lead,
        },
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=capture, processor=processor, context=context)
