"""`python -m hubtools.local` (what `make run` starts) as a user runs it: start, call, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

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
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert state["tenant"]["phonet_token"] not in output.split("Ctrl-C stops everything.")[-1]
