"""Sync scheduler: an EventBridge schedule names the sources to sync (`{"sources": [...]}`); every
tenant with credentials for a source's vendor gets one SQS message per source, so one tenant's
failure (wrong credentials, a vendor down) is its own message's, never the others'."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from hub import wiring
from hub.domain.sync import scheduled_requests
from hub.ids import now_ms

logger = Logger()
metrics = Metrics()
SYNC_SCHEDULED = "SyncScheduled"


class ScheduleInput(BaseModel):
    """The schedule's constant input (template.yaml)."""

    sources: list[str] = Field(min_length=1, max_length=10)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    schedule = ScheduleInput.model_validate(event)
    requests = scheduled_requests(wiring.tenant_store(), schedule.sources, now_ms())
    wiring.sync_queue().send_all([asdict(request) for request in requests])
    metrics.add_metric(name=SYNC_SCHEDULED, unit=MetricUnit.Count, value=len(requests))
    logger.info("syncs scheduled", extra={"sources": schedule.sources, "messages": len(requests)})
    return {"scheduled": len(requests)}
