"""`python -m hubtools.local` (what `make run` starts) as a user runs it: start, call, Ctrl-C."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hubtools.local.runner import LocalHub
from hubtools.template import REPO_ROOT


def test_make_run_serves_lookup_writes_contract_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    state_file = tmp_path / "demo.json"
    ports = {f"HUB_{name}_PORT": "0" for name in ("API", "AWS", "PHONET", "AVTODIALER", "OBZVONILKA")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hubtools.local", "--state-file", str(state_file)],
        cwd=REPO_ROOT,
        env={**os.environ, **ports},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        state = json.loads(state_file.read_text(encoding="utf-8"))
        assert {"api_url", "aws_endpoint_url", "tenant", "employees", "fakes"} <= set(state)
        assert {"slug", "api_key", "phonet_token", "avtodialer_token"} <= set(state["tenant"])
        assert set(state["fakes"]) == {"phonet", "avtodialer", "obzvonilka"}
        assert all({"name", "ext", "email", "login", "password"} <= set(e) for e in state["employees"])
        body = {"request": "call.settings", "otherLegNum": "+380442246595", "trunkNum": "0800218500"}
        answer = requests.post(state["tenant"]["webhooks"]["phonet"][0], json=body, timeout=30).json()
        assert answer["otherLeg"]["name"] == "Иван Иванов"
        assert requests.get(f"{state['fakes']['phonet']}/_fake/state", timeout=5).status_code == 200
        events_url = next(u for u in state["tenant"]["webhooks"]["phonet"] if u.endswith("/events"))
        dial = json.loads((REPO_ROOT / "events/phonet_events/call_dial.json").read_text(encoding="utf-8"))
        logged = requests.post(events_url, data=dial["body"], headers={"content-type": "application/json"})
        assert logged.status_code == 200  # the function logs the call event
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert state["tenant"]["phonet_token"] not in output.split("Ctrl-C stops everything.")[-1]
    assert f"{state['api_url']}/app/demo/" in output and state["employees"][0]["password"] in output
    # the functions' JSON log lines are in their files, not on the console
    assert not [line for line in output.splitlines() if line.lstrip().startswith("{")], output
    assert '"call event"' in (tmp_path / "logs" / "PhonetEventsFunction.log").read_text(encoding="utf-8")


def test_runner_handler_crash_is_one_console_line_and_its_traceback_in_the_log_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    toy = Path(__file__).parent / "toy" / "template.yaml"
    with (
        LocalHub(
            toy, api_port=0, aws_port=0, stack_name="toylogs", background=False, log_dir=tmp_path
        ) as hub,
        caplog.at_level(logging.INFO, logger="hubtools.local"),
    ):
        assert requests.post(f"{hub.api_url}/boom", timeout=10).status_code == 500
    (failure,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "RuntimeError: boom" in failure and "\n" not in failure and "BoomFunction.log" in failure
    log = (tmp_path / "BoomFunction.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "boom function loaded" in log
