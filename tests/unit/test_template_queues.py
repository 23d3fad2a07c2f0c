"""template.yaml's queues and alarms. Every function that sends to a queue has the queue's URL and
the right to send to it: a missing one is found only when the message is sent, in AWS (moto and the
tests' settings do not check IAM, and the tests set every URL). Every queue has a dead-letter queue,
every DLQ and function an alarm, and the alarms read the metrics the code emits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hub import observability
from hub.domain.sync import Source
from hub.models.tenant import Vendor
from hubtools.template import REPO_ROOT, load_template

# what a handler calls that sends (itself or what it builds) -> the queue, and its URL's variable;
# a call is logged (and may ask for a lead) by PBX events, robot results and history syncs
SENDS = {
    r"wiring\.sync_board\(|wiring\.sync_queue\(": ("SyncQueue", "SYNC_QUEUE_URL"),
    r"wiring\.import_service\(": ("ImportQueue", "IMPORT_QUEUE_URL"),
    r"\.record_pbx_event\(|\.record_robot_call\(|wiring\.sync_service\(": ("LeadsQueue", "LEADS_QUEUE_URL"),
    r"wiring\.utm_intake\(": ("UtmQueue", "UTM_QUEUE_URL"),
    # an ended Phonet call's note: asked for by the merges that can end a call or link its contact
    r"\.record_pbx_event\(|wiring\.sync_service\(|capture_lead\(": ("CallNotesQueue", "CALL_NOTES_QUEUE_URL"),
}

TEMPLATE = load_template()
FUNCTIONS = {
    logical_id: resource
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}


def _handler_source(function: dict[str, Any]) -> str:
    code = Path(REPO_ROOT / function["Properties"]["CodeUri"])
    return "\n".join(path.read_text(encoding="utf-8") for path in code.glob("*.py"))


def _environment(function: dict[str, Any]) -> dict[str, Any]:
    globals_ = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    own = function["Properties"].get("Environment", {}).get("Variables", {})
    return {**globals_, **own}


def _may_send_to(function: dict[str, Any], queue: str) -> bool:
    for policy in function["Properties"].get("Policies", []):
        target = policy.get("SQSSendMessagePolicy") if isinstance(policy, dict) else None
        if target and target.get("QueueName") == {"Fn::GetAtt": [queue, "QueueName"]}:
            return True
    return False


CASES = [
    (logical_id, factory)
    for logical_id, function in FUNCTIONS.items()
    for factory in SENDS
    if re.search(factory, _handler_source(function))
]


def test_template_queues_cases_cover_the_senders() -> None:
    """The table below reaches the functions that send (so a rename cannot empty it)."""
    senders = {logical_id for logical_id, _ in CASES}
    expected = {"SyncWorkerFunction", "SyncSchedulerFunction", "RestApiFunction", "PhonetEventsFunction"}
    assert expected | {"AvtodialerResultFunction", "PhonetUtmFunction"} <= senders


@pytest.mark.parametrize(("logical_id", "factory"), CASES, ids=[f"{f}-{SENDS[s][0]}" for f, s in CASES])
def test_template_queues_sender_has_the_url_and_the_right_to_send(logical_id: str, factory: str) -> None:
    queue, variable = SENDS[factory]
    function = FUNCTIONS[logical_id]
    assert _environment(function).get(variable) == {"Ref": queue}, f"{logical_id} lacks {variable}"
    assert _may_send_to(function, queue), f"{logical_id} may not send to {queue}"


# -- dead-letter queues and the alarms ----------------------------------------------------------

QUEUES = {
    logical_id: resource
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::SQS::Queue"
}
ALARMS = {
    logical_id: resource["Properties"]
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::CloudWatch::Alarm"
}
DEAD_LETTER = {
    queue: props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    for queue, resource in QUEUES.items()
    if (props := resource.get("Properties", {})).get("RedrivePolicy")
}
NAMESPACE = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads: its own, or each MetricStat of its math."""
    if "MetricName" in alarm:
        return [
            {
                "Namespace": alarm["Namespace"],
                "MetricName": alarm["MetricName"],
                "Dimensions": alarm["Dimensions"],
            }
        ]
    return [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]


def _dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {dimension["Name"]: dimension["Value"] for dimension in metric.get("Dimensions", [])}


def _watching(namespace: str, name: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, _dimensions(metric))
        for logical_id, alarm in ALARMS.items()
        for metric in _metrics(alarm)
        if metric["Namespace"] == namespace and metric["MetricName"] == name
    ]


def test_template_queues_every_queue_has_a_dead_letter_queue() -> None:
    dead_letter_queues = set(DEAD_LETTER.values())
    assert {"LeadsQueue", "CallNotesQueue", "UtmQueue", "ImportQueue", "DialQueue", "SyncQueue"} <= set(
        DEAD_LETTER
    )
    assert set(QUEUES) == set(DEAD_LETTER) | dead_letter_queues, "a queue neither has nor is a DLQ"
    for queue, dead_letter in DEAD_LETTER.items():
        fifo = QUEUES[queue]["Properties"].get("FifoQueue", False)
        assert QUEUES[dead_letter]["Properties"].get("FifoQueue", False) == fifo, f"{queue}'s DLQ kind"
        assert QUEUES[dead_letter]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_template_queues_every_dead_letter_queue_has_a_depth_alarm() -> None:
    watched = {
        dimensions["QueueName"]["Fn::GetAtt"][0]
        for logical_id, dimensions in _watching("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        if ALARMS[logical_id]["Threshold"] == 0
        and ALARMS[logical_id]["ComparisonOperator"] == "GreaterThanThreshold"
    }
    assert set(DEAD_LETTER.values()) <= watched


def test_template_alarms_every_function_has_an_errors_and_a_throttles_alarm() -> None:
    for metric in ("Errors", "Throttles"):
        watched = {dimensions["FunctionName"]["Ref"] for _, dimensions in _watching("AWS/Lambda", metric)}
        assert watched == set(FUNCTIONS), f"{metric}: {set(FUNCTIONS) ^ watched}"


def test_template_alarms_watch_every_http_api_5xx() -> None:
    apis = {k for k, r in TEMPLATE["Resources"].items() if r["Type"] == "AWS::Serverless::HttpApi"}
    assert apis and {d["ApiId"]["Ref"] for _, d in _watching("AWS/ApiGateway", "5xx")} == apis
    # by ApiId alone, a dimension every HTTP API publishes (a Stage must be spelled as API Gateway does)
    for metric in ("5xx", "Count"):
        assert all(set(d) == {"ApiId"} for _, d in _watching("AWS/ApiGateway", metric)), metric


def test_template_alarms_all_notify_the_one_topic() -> None:
    for logical_id, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm.get("OKActions", alarm["AlarmActions"]) == alarm["AlarmActions"], logical_id


def _service(function_dir: str) -> str:
    """The `service` dimension a function's EMF lines carry: its POWERTOOLS_SERVICE_NAME."""
    (function,) = [
        f for f in FUNCTIONS.values() if f["Properties"]["CodeUri"].rstrip("/").endswith(function_dir)
    ]
    return _environment(function)["POWERTOOLS_SERVICE_NAME"]


def test_template_alarms_custom_metrics_are_the_ones_the_hub_emits() -> None:
    """Names, namespace and dimensions as hub.observability writes them: a renamed metric or
    service would leave its alarm watching nothing, silently."""
    custom = {
        metric["MetricName"]
        for alarm in ALARMS.values()
        for metric in _metrics(alarm)
        if not metric["Namespace"].startswith("AWS/")
    }
    assert {metric["Namespace"] for a in ALARMS.values() for metric in _metrics(a)} - {
        "AWS/SQS",
        "AWS/Lambda",
        "AWS/ApiGateway",
    } == {NAMESPACE}
    assert custom == {observability.SYNC_LAG, observability.VENDOR_ERROR, observability.DIAL_CHUNK}
    # sync lag: by source and the sync worker's service, for every source with a time cursor
    lag = [dimensions for _, dimensions in _watching(NAMESPACE, observability.SYNC_LAG)]
    assert {d["source"] for d in lag} == {source.value for source in Source if source.time_based}
    assert {d["service"] for d in lag} == {_service("sync_worker")}
    # dial chunks waiting for an operator, as the dial worker counts them
    (chunks,) = [dimensions for _, dimensions in _watching(NAMESPACE, observability.DIAL_CHUNK)]
    assert chunks == {"outcome": "uncertain", "service": _service("dial_worker")}


def test_template_alarms_every_called_vendor_has_an_error_rate_alarm() -> None:
    """VendorError by {vendor} alone (its EMF line's second dimension set), for every vendor whose
    client sends through hub.vendors.http."""
    clients = {
        Vendor(path.parent.name)
        for path in (REPO_ROOT / "shared/hub/vendors").glob("*/client.py")
        if "from hub.vendors.http import" in path.read_text(encoding="utf-8")
    }
    watched = [dimensions for _, dimensions in _watching(NAMESPACE, observability.VENDOR_ERROR)]
    assert all(set(d) == {"vendor"} for d in watched)
    assert (
        {Vendor(d["vendor"]) for d in watched}
        == clients
        == {Vendor.PHONET, Vendor.AVTODIALER, Vendor.OBZVONILKA}
    )


def test_template_logs_every_function_writes_to_a_log_group_that_expires() -> None:
    """Without LoggingConfig a function writes to /aws/lambda/<name>, which keeps logs forever."""
    default = TEMPLATE["Globals"]["Function"]["LoggingConfig"]["LogGroup"]
    for logical_id, function in FUNCTIONS.items():
        group = function["Properties"].get("LoggingConfig", {}).get("LogGroup", default)
        resource = TEMPLATE["Resources"][group["Ref"]]
        assert resource["Type"] == "AWS::Logs::LogGroup", logical_id
        assert resource["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id
    retention = TEMPLATE["Parameters"]["LogRetentionDays"]
    assert retention["Default"] in retention["AllowedValues"]
