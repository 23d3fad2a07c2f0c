"""Run all three vendor fakes until Ctrl-C / SIGTERM: ``python -m hubtools.fakes --phonet-port 0 ...``.

Prints one JSON line ``{"phonet": url, "avtodialer": url, "obzvonilka": url}`` so a runner script can
read the (possibly OS-chosen) ports from stdout.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .avtodialer import AvtodialerFake
from .obzvonilka import ObzvonilkaFake
from .phonet import PhonetFake


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m hubtools.fakes", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--phonet-port", type=int, default=0)
    ap.add_argument("--avtodialer-port", type=int, default=0)
    ap.add_argument("--obzvonilka-port", type=int, default=0)
    ap.add_argument("--phonet-domain", default="demo.phonet.com.ua")
    ap.add_argument("--phonet-api-key", default="demo-phonet-key")
    ap.add_argument("--phonet-hook-url", default=None, help="hub webhook base URL for play / makeCall")
    ap.add_argument("--phonet-on-make-call", default=None, help="scenario to play after each makeCall")
    ap.add_argument("--avtodialer-api-key", default="demo-avtodialer-key")
    ap.add_argument("--avtodialer-token", default="demo-access-token")
    ap.add_argument("--avtodialer-webhook-url", default=None)
    ap.add_argument("--avtodialer-webhook-format", choices=("json", "form"), default="json")
    ap.add_argument("--obzvonilka-api-key", default="demo-obzvonilka-key")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    fakes = {
        "phonet": PhonetFake(
            a.phonet_port,
            domain=a.phonet_domain,
            api_key=a.phonet_api_key,
            hook_base_url=a.phonet_hook_url,
            on_make_call=a.phonet_on_make_call,
            host=a.host,
        ),
        "avtodialer": AvtodialerFake(
            a.avtodialer_port,
            api_key=a.avtodialer_api_key,
            access_token=a.avtodialer_token,
            webhook_url=a.avtodialer_webhook_url,
            webhook_format=a.avtodialer_webhook_format,
            host=a.host,
        ),
        "obzvonilka": ObzvonilkaFake(a.obzvonilka_port, api_key=a.obzvonilka_api_key, host=a.host),
    }
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        for fake in fakes.values():
            fake.start()
        print(json.dumps({name: fake.url for name, fake in fakes.items()}), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for fake in fakes.values():
            fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
