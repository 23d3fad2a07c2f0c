"""What an operator watches, as CloudWatch metrics in one namespace (template.yaml's Globals set
POWERTOOLS_METRICS_NAMESPACE, and each function its POWERTOOLS_SERVICE_NAME, the `service` dimension).

Metrics go out as EMF: one JSON line in the function's log per invocation, turned into metrics by
CloudWatch, so no API call and no latency while a phone rings. Powertools' `Metrics` instances share
one metric set: the layer adds to it here, and each function's handler flushes it with
`@metrics.log_metrics` (its own module-level `metrics = Metrics()`, as Powertools' examples do).
Only handlers whose every invocation counts something are decorated: an empty flush warns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from hub.errors import HubError

metrics = Metrics()

WEBHOOK_ACCEPTED = "WebhookAccepted"
WEBHOOK_REFUSED = "WebhookRefused"  # 4xx: the sender's token, address or payload
WEBHOOK_FAILED = "WebhookFailed"  # 5xx: the hub or its storage; the sender may retry
MESSAGE_DONE = "QueueMessageDone"  # acknowledged, including the dropped ones
MESSAGE_FAILED = "QueueMessageFailed"  # back to the queue: retried, then the DLQ
MESSAGE_DROPPED = "QueueMessageDropped"  # acknowledged with nothing left to apply it to
LEAD_MADE = "LeadMade"
NAMESPACE_VARIABLE = "POWERTOOLS_METRICS_NAMESPACE"
VENDOR_CALL = "VendorCall"
# 1 for a call the vendor failed (no usable answer: 5xx, 429, timeout, no connection; or the hub's own
# error while sending), else 0, by vendor alone: its Average is the vendor's error rate across every
# function. A refusal (4xx: a known contact's 404, a session renewed, wrong credentials) is an answer,
# counted in VendorCall's outcome only.
VENDOR_ERROR = "VendorError"
VENDOR_ERROR_OUTCOMES = frozenset({"vendor_unavailable", HubError.code})


def count(name: str) -> None:
    """One occurrence of `name` in this invocation's metric set."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def webhook_answered(vendor: str, status: int, code: str | None = None) -> None:
    """A webhook's outcome as its sender heard it, by vendor; the error code (bounded, but not worth
    a metric each) rides along as metadata, so Logs Insights can break the refusals down."""
    metrics.add_dimension(name="vendor", value=vendor)
    count(WEBHOOK_ACCEPTED if status < 400 else WEBHOOK_REFUSED if status < 500 else WEBHOOK_FAILED)
    if code:
        metrics.add_metadata(key="error_code", value=code)


class VendorOutcome:
    """What one vendor call is counted as: `ok` unless told otherwise or an error is raised."""

    def __init__(self) -> None:
        self.code = "ok"

    def failed(self, error: HubError) -> None:
        """The call failed with `error` although nothing was raised yet (an answer read later)."""
        self.code = error.code


@contextmanager
def vendor_call(vendor: str) -> Iterator[VendorOutcome]:
    """Count one call to a vendor's API by vendor and outcome: `ok`, or the code of the HubError it
    raised or was told of (vendor_unavailable, vendor_rejected, vendor_auth_refused, ...),
    `internal_error` for anything else. For the vendor clients: one function may call several
    vendors, so each call is its own EMF line with its own dimensions rather than a dimension on the
    invocation's set. Outside a function (hubctl, a test without the template's environment) no
    namespace is set and nobody reads EMF: the call is not counted, rather than failed by a metric."""
    outcome = VendorOutcome()
    try:
        yield outcome
    except HubError as exc:
        outcome.code = exc.code
        raise
    except Exception:
        outcome.code = HubError.code
        raise
    finally:
        if os.environ.get(NAMESPACE_VARIABLE):
            _count_vendor_call(vendor, outcome.code)


def _count_vendor_call(vendor: str, outcome: str) -> None:
    with single_metric(name=VENDOR_CALL, unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="vendor", value=vendor)
        metric.add_dimension(name="outcome", value=outcome)
    # Its own line, by vendor alone: one series per vendor whichever function called (`service=""`
    # leaves out the dimension Powertools adds from POWERTOOLS_SERVICE_NAME), so an alarm reads the
    # vendor's error rate as its Average, and no series is paid for twice.
    line = AmazonCloudWatchEMFProvider(service="")
    line.add_metric(name=VENDOR_ERROR, unit=MetricUnit.Count, value=int(outcome in VENDOR_ERROR_OUTCOMES))
    line.add_dimension(name="vendor", value=vendor)
    line.flush_metrics()


SYNC_RUN = "SyncRun"  # dimensions: source, outcome (ok | error | superseded)
SYNC_ROWS_READ = "SyncRowsRead"
SYNC_ROWS_FAILED = "SyncRowsFailed"
SYNC_LAG = "SyncLagSeconds"  # history sources: how far behind now their cursor is


def sync_ran(source: str, outcome: str, read: int, failed: int, lag_ms: int | None = None) -> None:
    """One sync run, by source: one worker invocation runs several tenants' and sources' messages,
    so each is its own EMF line with its own dimensions (as vendor calls are). Not counted outside
    a function (no namespace), as for vendor calls."""
    if not os.environ.get(NAMESPACE_VARIABLE):
        return
    lines: list[tuple[str, MetricUnit, float, dict[str, str]]] = [
        (SYNC_RUN, MetricUnit.Count, 1, {"source": source, "outcome": outcome}),
        (SYNC_ROWS_READ, MetricUnit.Count, read, {"source": source}),
        (SYNC_ROWS_FAILED, MetricUnit.Count, failed, {"source": source}),
    ]
    if lag_ms is not None:
        lines.append((SYNC_LAG, MetricUnit.Seconds, lag_ms / 1000, {"source": source}))
    for name, unit, value, dimensions in lines:
        with single_metric(name=name, unit=unit, value=value) as metric:
            for key, dimension in dimensions.items():
                metric.add_dimension(name=key, value=dimension)


DIAL_CHUNK = "DialChunk"  # dimension: outcome (sent | uncertain | failed | retry | waiting | busy | ...)
DIAL_RECORDS_SENT = "DialRecordsSent"


def chunk_sent(outcome: str, records: int) -> None:
    """One delivery of a dial chunk's message, by what it did: an `uncertain` one waits for an
    operator, so it is what an alarm watches. Not counted outside a function (no namespace)."""
    if not os.environ.get(NAMESPACE_VARIABLE):
        return
    with single_metric(name=DIAL_CHUNK, unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="outcome", value=outcome)
    if records:
        with single_metric(name=DIAL_RECORDS_SENT, unit=MetricUnit.Count, value=records) as metric:
            metric.add_dimension(name="outcome", value=outcome)


CALL_NOTE = "CallNote"  # dimension: outcome (hub.domain.call_notes.NoteOutcome: written | no_contact | ...)


def call_noted(outcome: str) -> None:
    """One call-note message worked, by what it did: `no_contact` counts the calls that had no Phonet
    contact to go on. Not counted outside a function (no namespace)."""
    if not os.environ.get(NAMESPACE_VARIABLE):
        return
    with single_metric(name=CALL_NOTE, unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="outcome", value=outcome)
