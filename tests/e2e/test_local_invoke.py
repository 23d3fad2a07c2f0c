"""`make invoke` (python -m hubtools.local.invoke): a sample event through its function, no Docker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.models.tenant import Vendor
from hubtools.local import samples
from hubtools.local.invoke import main
from hubtools.local.runner import LocalHub
from tests.support import ACME_PHONET_TOKEN, GLOBEX_AVTODIALER_TOKEN, load_event

EVENT = "events/phonet_lookup/known_contact.json"


def lookup_answer(stdout: str) -> dict:
    result = json.loads(stdout)
    assert result["statusCode"] == 200, result
    return json.loads(result["body"])["otherLeg"]


def test_invoke_known_contact_event_on_fresh_aws_prints_the_lookup_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["PhonetLookupFunction", EVENT, "--state-file", str(tmp_path / "no-run.json")])
    out, err = capsys.readouterr()
    assert status == 0, err
    answer = lookup_answer(out)
    assert (answer["name"], answer["newEntry"], answer["responsibleEmployeeExt"]) == (
        "Иван Иванов",
        False,
        "001",
    )
    assert "/app/acme/contacts/" in answer["url"] and "fresh in-memory AWS" in err


def test_invoke_reuses_a_running_hubs_aws_and_its_tables(
    hub: LocalHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "demo.json"
    state.write_text(
        json.dumps(
            {
                "aws_endpoint_url": hub.aws.url,
                "region": hub.region,
                "hubctl_env": {"HUB_STACK_NAME": hub.template.stack_name},
            }
        )
    )
    status = main(["PhonetLookupFunction", EVENT, "--state-file", str(state)])
    out, err = capsys.readouterr()
    assert status == 0 and lookup_answer(out)["name"] == "Иван Иванов" and "make run's AWS" in err
    # the events' tokens are the samples' (and the tests')
    event = load_event("phonet_lookup/known_contact.json")
    assert (
        event["pathParameters"]["token"] == ACME_PHONET_TOKEN == samples.SAMPLE_TOKENS["acme"][Vendor.PHONET]
    )
    assert samples.SAMPLE_TOKENS["globex"][Vendor.AVTODIALER] == GLOBEX_AVTODIALER_TOKEN


def test_invoke_unknown_function_or_event_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as unknown:
        main(["NoSuchFunction", EVENT])
    assert unknown.value.code == 2
    with pytest.raises(SystemExit) as missing:
        main(["PhonetLookupFunction", str(tmp_path / "missing.json")])
    assert missing.value.code == 2
