"""`make run`: the whole hub on loopback, with a demo tenant wired to the vendor fakes.

Ports come from the environment: HUB_API_PORT (3000), HUB_AWS_PORT (4566), HUB_PHONET_PORT,
HUB_AVTODIALER_PORT, HUB_OBZVONILKA_PORT (3001-3003); 0 picks a free one. HUB_HOST (127.0.0.1).
Writes .local/demo.json (the local run contract) and serves until Ctrl-C. The functions' own JSON
log lines go to .local/logs/<function>.log (beside the state file); `--logs` or HUB_LOGS=1 shows
them on the console instead. A failed invocation is always one line on the console.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from hubtools.fakes import AvtodialerFake, ObzvonilkaFake, PhonetFake
from hubtools.local.demo import DEMO_EMPLOYEES, seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from hubtools.template import REPO_ROOT

SAMPLE_LOOKUP = {"request": "call.settings", "otherLegNum": "+380442246595", "trunkNum": "0800218500"}
DEMO_CALLS = [
    ("inbound_answered", {"caller": "+380442246595", "ext": "001"}),
    ("inbound_missed", {"caller": "+380509998877", "ext": "002"}),
    ("outbound_answered", {"caller": "0505826633", "ext": "002"}),
]


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def start_fakes(host: str, api_url: str, tenant: dict[str, Any]) -> dict[str, Any]:
    phonet = PhonetFake(
        _port("HUB_PHONET_PORT", 3001),
        host=host,
        employees=[
            {"id": 30 + i, "displayName": e["name"], "ext": e["ext"], "email": e["email"]}
            for i, e in enumerate(DEMO_EMPLOYEES)
        ],
        hook_base_url=f"{api_url}/hooks/phonet/{tenant['phonet_token']}",
    ).start()
    avtodialer = AvtodialerFake(
        _port("HUB_AVTODIALER_PORT", 3002),
        host=host,
        webhook_url=f"{api_url}/hooks/avtodialer/{tenant['avtodialer_token']}/result",
    ).start()
    # The same people as the PBX's users: the users syncs match them to the demo's employees by email.
    obzvonilka = ObzvonilkaFake(
        _port("HUB_OBZVONILKA_PORT", 3003),
        host=host,
        users=[{"id": 10 + i, "email": e["email"], "name": e["name"]} for i, e in enumerate(DEMO_EMPLOYEES)],
    ).start()
    return {"phonet": phonet, "avtodialer": avtodialer, "obzvonilka": obzvonilka}


def play_demo_calls(phonet: PhonetFake) -> None:
    for scenario, params in DEMO_CALLS:
        result = phonet.play(scenario, **params)
        answers = ", ".join(f"{d.kind} {d.status}" for d in result.deliveries)
        print(f"  played {scenario} ({params['caller']} via {params['ext']}): {answers}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hubtools.local", description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="play a few calls through the fake PBX")
    parser.add_argument("--state-file", type=Path, default=REPO_ROOT / ".local" / "demo.json")
    parser.add_argument(
        "--logs",
        action="store_true",
        default=os.environ.get("HUB_LOGS", "") not in ("", "0"),
        help="show the functions' log lines here (default: .local/logs/<function>.log; HUB_LOGS=1)",
    )
    args = parser.parse_args()
    log_dir = None if args.logs else args.state_file.parent / "logs"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # werkzeug's access log prints raw paths, and webhook paths carry secret tokens: the gateway
    # logs each request itself, with the route's template in place of the token.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    host = os.environ.get("HUB_HOST", "127.0.0.1")
    started = time.monotonic()
    hub = LocalHub(
        host=host,
        api_port=_port("HUB_API_PORT", 3000),
        aws_port=_port("HUB_AWS_PORT", 4566),
        log_dir=log_dir,
    ).start()
    demo = seed_demo(hub.aws, hub.template, hub.api_url)
    fakes = start_fakes(host, hub.api_url, demo["tenant"])
    # the credentials name the fakes' addresses, known once they listen (a port of 0 picks one)
    seed_credentials(hub.aws, hub.template, demo["tenant"]["slug"], fakes)
    state = {
        "api_url": hub.api_url,
        "aws_endpoint_url": hub.aws.url,
        **demo,
        "fakes": {name: fake.url for name, fake in fakes.items()},
        "region": hub.region,
        "tables": {lid: hub.template.table_name(lid) for lid in hub.template.of_type("AWS::DynamoDB::Table")},
        "hubctl_env": {**hub.aws.environment(), "HUB_STACK_NAME": hub.template.stack_name},
    }
    args.state_file.parent.mkdir(parents=True, exist_ok=True)
    args.state_file.write_text(json.dumps(state, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lookup = demo["tenant"]["webhooks"]["phonet"][0]
    sign_ins = "".join(f"  {e['login']:<14} {e['password']}   ({e['name']})\n" for e in demo["employees"])
    print(
        f"\nTelephony hub running in {time.monotonic() - started:.1f} s\n"
        f"  pages          {hub.api_url}/app/{demo['tenant']['slug']}/\n"
        f"  API            {hub.api_url}/api/v1 (X-API-Key: {demo['tenant']['api_key']})\n"
        f"  AWS (moto)     {hub.aws.url}\n"
        f"  fakes          " + "  ".join(f"{n} {f.url}" for n, f in fakes.items()) + "\n"
        f"  state          {args.state_file}\n"
        f"  function logs  {log_dir or 'here (--logs)'}\n\n"
        f"Sign in to the pages as (login, password):\n{sign_ins}\n"
        "Try the Phonet caller lookup:\n"
        f"  curl -s -X POST {lookup} -H 'content-type: application/json' \\\n"
        f"    -d '{json.dumps(SAMPLE_LOOKUP)}'\n\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
    if args.demo:
        play_demo_calls(fakes["phonet"])
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        while not stopping.wait(0.5):
            pass
        print("stopping...", flush=True)
    finally:
        for fake in fakes.values():
            fake.stop()
        hub.stop()


if __name__ == "__main__":
    main()
