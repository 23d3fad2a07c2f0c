"""Every function that sends to a queue has, in template.yaml, the queue's URL and the right to send
to it: a missing one is found only when the message is sent, in AWS (moto and the tests' settings
do not check IAM, and the tests set every URL)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

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
