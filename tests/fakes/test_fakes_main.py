"""``python -m hubtools.fakes`` starts the three fakes, prints their URLs as JSON, stops on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys

import requests


def test_fakes_main_prints_urls_and_stops_on_sigterm() -> None:
    cmd = [
        sys.executable,
        "-m",
        "hubtools.fakes",
        "--phonet-port",
        "0",
        "--avtodialer-port",
        "0",
        "--obzvonilka-port",
        "0",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(proc.stdout.readline())
        status = requests.get(
            f"{urls['obzvonilka']}/api/users.json", params={"api_key": "demo-obzvonilka-key"}
        )
        phonet = requests.get(f"{urls['phonet']}/rest/users", timeout=2)
    finally:
        proc.terminate()
        code = proc.wait(timeout=5)

    assert set(urls) == {"phonet", "avtodialer", "obzvonilka"}
    assert status.status_code == 200 and phonet.status_code == 403
    assert code == 0
