"""Caller lookup benchmark: handler latency against a bare GetItem floor, as the contact count grows.

Prints a table; asserts nothing (machines are noisy: read the ratios, measured in the same run).
- handler: the Phonet lookup function invoked in-process with an API Gateway event (warm container:
  tenant and employees cached, as between rings), moto behind boto3;
- floor: one boto3 GetItem on the same phone-index item;
- cold import: fresh interpreters importing the function module, against `import boto3` + a client,
  with the floor of the third-party packages the lookup needs; then every function's import.

    python benchmarks/lookup.py --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-central-1")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"

import boto3  # noqa: E402
from figures import Figures, share  # noqa: E402
from instruments import INSTRUMENTS, begin, parse_arguments, stored_bytes  # noqa: E402
from moto import mock_aws  # noqa: E402

from hub import wiring  # noqa: E402
from hub.domain.tenants import add_employee  # noqa: E402
from hub.ids import now_ms  # noqa: E402
from hub.models.contact import Contact, ContactPhone  # noqa: E402
from hub.models.tenant import Tenant, TenantSettings, Vendor  # noqa: E402
from hub.secrets import sha256_hex  # noqa: E402
from hub.store.contacts import PHONE_SK, ContactStore, phone_pk  # noqa: E402
from hub.store.tenants import TenantStore  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import ACME_PHONET_TOKEN, LambdaContext, load_event, load_function  # noqa: E402


@dataclass
class Stats:
    median_ms: float
    p95_ms: float


@dataclass
class HandlerCost:
    """What the timed handler calls cost beyond their wall time: CPU, of it inside moto, requests."""

    cpu_s: float = 0.0
    floor_cpu_s: float = 0.0
    moto_s: float = 0.0
    requests: int = 0
    calls: int = 0


def stats(samples: list[float]) -> Stats:
    samples = sorted(samples)
    return Stats(statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)])


def elapsed_ms(call: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - start) / 1e6


def measure_pair(
    lookup: Any, context: Any, event: dict[str, Any], client: Any, template: Template, numbers: list[str]
) -> tuple[Stats, Stats, HandlerCost]:
    """Handler and floor alternate, number by number, so drift and noise hit both alike.
    The first 50 of each are warm-up (imports, clients, the tenant cache) and are not counted."""
    table = template.table_name("ContactsTable")
    handler_ms, floor_ms = [], []
    cost = HandlerCost()
    for index, number in enumerate(numbers):
        event["body"] = json.dumps({"request": "call.settings", "otherLegNum": number})
        key = {"pk": {"S": phone_pk("acme", number)}, "sk": {"S": PHONE_SK}}
        tally = INSTRUMENTS.tally
        moto_before, requests_before = tally.moto_total_s(), tally.dynamodb_requests()
        cpu_before = time.thread_time()
        handler_ms.append(elapsed_ms(lambda: check_ok(lookup.handler(event, context))))  # noqa: B023
        if index >= 50:
            cost.cpu_s += time.thread_time() - cpu_before
            cost.moto_s += tally.moto_total_s() - moto_before
            cost.requests += tally.dynamodb_requests() - requests_before
            cost.calls += 1
        cpu_before = time.thread_time()
        floor_ms.append(elapsed_ms(lambda: client.get_item(TableName=table, Key=key)))  # noqa: B023
        if index >= 50:
            cost.floor_cpu_s += time.thread_time() - cpu_before
    return stats(handler_ms[50:]), stats(floor_ms[50:]), cost


def check_ok(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 200, response


def make_contacts(start: int, stop: int, manager_id: str) -> list[Contact]:
    now = now_ms()
    return [
        Contact(
            id=f"{i:024x}",
            tenant="acme",
            name=f"Контакт {i}",
            phones=[ContactPhone(e164=f"+38050{i:07d}", raw=f"050{i:07d}")],
            responsible_employee_id=manager_id if i % 2 else None,
            created_at=now,
            updated_at=now,
            version=1,
        )
        for i in range(start, stop)
    ]


def put_into_moto(table_name: str) -> Callable[[list[dict[str, Any]]], None]:
    """ContactStore.bulk_put_new's writes put straight into moto's table, not through 16,000
    BatchWriteItem requests: 100,000 contacts in seconds instead of minutes of moto's request path."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].get_table(table_name)

    def write(requests: list[dict[str, Any]]) -> None:
        for request in requests:
            table.put_item(request["PutRequest"]["Item"])

    return write


def measure_lookups(sizes: list[int], requests: int) -> list[dict[str, float]]:
    """Per size: the handler's and the floor's median and p95, the handler's CPU, moto's share of
    it and DynamoDB requests per lookup, and the bytes the contacts table holds per contact."""
    rows = []
    with mock_aws():
        template = Template(stack_name="bench", region="eu-central-1")
        client = boto3.client("dynamodb")
        template.create_tables(client)
        for name, value in template.function_environment("PhonetLookupFunction").items():
            os.environ.setdefault(name, value)
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        wiring.reset()
        tenants = TenantStore(template.table_name("TenantsTable"), client)
        tenant = Tenant(slug="acme", name="Acme", settings=TenantSettings(phonet_ip_allowlist_enabled=False))
        tenants.create_tenant(tenant, {Vendor.PHONET: sha256_hex(ACME_PHONET_TOKEN)})
        manager = add_employee(tenants, tenant, name="Manager", email="m@example.com", ext="001")
        contacts = ContactStore(template.table_name("ContactsTable"), client)
        # The store builds the items; they go straight into moto's table (setup, not measured).
        contacts._batch_write = put_into_moto(template.table_name("ContactsTable"))  # type: ignore[method-assign]
        lookup = load_function("phonet_lookup")
        context = LambdaContext(function_name="bench")
        event = load_event("phonet_lookup/known_contact.json")
        loaded = 0
        rng = random.Random(7)
        for size in sizes:
            started = time.perf_counter()
            contacts.bulk_put_new(make_contacts(loaded, size, manager.id))
            load_seconds = time.perf_counter() - started
            loaded = size
            numbers = [f"+38050{rng.randrange(size):07d}" for _ in range(requests + 50)]
            handler, floor, cost = measure_pair(lookup, context, event, client, template, numbers)
            rows.append(
                {
                    "contacts": size,
                    "load_s": load_seconds,
                    "handler_median": handler.median_ms,
                    "handler_p95": handler.p95_ms,
                    "floor_median": floor.median_ms,
                    "floor_p95": floor.p95_ms,
                    "handler_cpu_ms": cost.cpu_s * 1000 / cost.calls,
                    "floor_cpu_ms": cost.floor_cpu_s * 1000 / cost.calls,
                    "moto_share": share(cost.moto_s, cost.cpu_s),
                    "requests": cost.requests / cost.calls,
                    "bytes_per_contact": stored_bytes(template.table_name("ContactsTable")) / size,
                }
            )
            print(f"measured {size} contacts (loaded in {load_seconds:.1f} s)", file=sys.stderr)
    return rows


BASELINE = "import boto3; boto3.client('dynamodb', region_name='eu-central-1')"
# What the lookup cannot do without (boto3 and a client, pydantic and a first model, Powertools' logger
# and HTTP resolver, phonenumbers): the floor under the function's own cold import.
THIRD_PARTY = (
    f"{BASELINE}; import pydantic; pydantic.create_model('M', x=(int, ...)); "
    "import aws_lambda_powertools.event_handler, phonenumbers"
)
LOOKUP_READY = (
    "import app; from hub import wiring; wiring.contact_store().client; wiring.tenant_store().client"
)


def cold_starts(
    probes: dict[str, tuple[str, str]], runs: int, template: Template
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU time (ms) of each probe's code in fresh interpreters, a probe being
    `(function logical id, code)`: run in that function's directory with its template environment.
    The probes take turns run by run, so load and drift hit all alike; one unmeasured round first
    (for .pyc files)."""
    walls: dict[str, list[float]] = {name: [] for name in probes}
    cpus: dict[str, list[float]] = {name: [] for name in probes}
    for attempt in range(runs + 1):
        for name, (function, code) in probes.items():
            wall, cpu = cold_import_ms(code, function, template)
            if attempt:
                walls[name].append(wall)
                cpus[name].append(cpu)
    return (
        {name: statistics.median(values) for name, values in walls.items()},
        {name: statistics.median(values) for name, values in cpus.items()},
    )


def cold_import_ms(code: str, function: str, template: Template) -> tuple[float, float]:
    code_dir = ROOT / str(template.resources[function]["Properties"]["CodeUri"])
    # The layer's code from this checkout, as Lambda puts the layer beside the function's own code.
    path = os.pathsep.join([str(code_dir), str(ROOT / "shared")])
    env = {**os.environ, **template.function_environment(function), "PYTHONPATH": path}
    probe = (
        f"import time; t, c = time.perf_counter(), time.process_time(); {code}; "
        "print((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def print_cold_starts(runs: int, function_runs: int, figures: Figures) -> None:
    template = Template(stack_name="bench", region="eu-central-1")
    lookup = "PhonetLookupFunction"
    lookup_probes = {
        "baseline": (lookup, BASELINE),
        "third_party": (lookup, THIRD_PARTY),
        "app": (lookup, "import app"),
        "ready": (lookup, LOOKUP_READY),
    }
    cold, cold_cpu = cold_starts(lookup_probes, runs, template)
    baseline = cold["baseline"]
    bytecode = "not written" if sys.dont_write_bytecode else "cached"
    print(f"\nCold start, fresh interpreters, median of {runs} (ms; the hub's .pyc files {bytecode})\n")
    print("| what | ms | vs boto3 + client | CPU ms | CPU vs boto3 + client |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (
        ("baseline", "import boto3 + DynamoDB client (baseline)"),
        ("app", "import the lookup function"),
        ("third_party", "baseline + pydantic, Powertools resolver, phonenumbers (floor of the next)"),
        ("ready", "import the lookup function + its DynamoDB client"),
    ):
        print(
            f"| {label} | {cold[name]:.0f} | {cold[name] / baseline:.2f}x | {cold_cpu[name]:.0f}"
            f" | {cold_cpu[name] / cold_cpu['baseline']:.2f}x |"
        )
    floor = "import boto3 + DynamoDB client"
    figures.add(
        "cold start: the lookup function + its DynamoDB client",
        cold["ready"],
        "ms",
        baseline=floor,
        baseline_value=baseline,
        cpu=cold_cpu["ready"],
        baseline_cpu=cold_cpu["baseline"],
        note=f"fresh interpreters, median of {runs}",
    )

    functions = sorted(template.of_type("AWS::Serverless::Function"))
    probes = {"baseline": (lookup, BASELINE)} | {name: (name, "import app") for name in functions}
    cold, cold_cpu = cold_starts(probes, function_runs, template)
    print(f"\nEvery function's `import app`, median of {function_runs} (ms)\n")
    print("| function | ms | vs boto3 + client | CPU ms | CPU vs boto3 + client |")
    print("|---|---:|---:|---:|---:|")
    for name in ["baseline", *functions]:
        print(
            f"| {name} | {cold[name]:.0f} | {cold[name] / cold['baseline']:.2f}x | {cold_cpu[name]:.0f}"
            f" | {cold_cpu[name] / cold_cpu['baseline']:.2f}x |"
        )
    for name in functions:
        figures.add(
            f"cold start: import {name}",
            cold[name],
            "ms",
            baseline=floor,
            baseline_value=cold["baseline"],
            cpu=cold_cpu[name],
            baseline_cpu=cold_cpu["baseline"],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="contact counts, ascending")
    parser.add_argument("--requests", type=int, default=2000, help="timed lookups per size")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh interpreters per lookup probe")
    parser.add_argument("--function-runs", type=int, help="per function's import (default: --cold-runs)")
    args = parse_arguments(parser)
    figures = begin("lookup", args)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    # The handler's EMF line per lookup is part of its cost, but CloudWatch's to read, not this report's.
    with Path(os.devnull).open("w") as devnull, contextlib.redirect_stdout(devnull):
        rows = measure_lookups(sizes, args.requests)
    print(f"\nPhonet lookup, in-process on moto, {args.requests} lookups per size (ms)\n")
    print("| contacts | handler median | handler p95 | GetItem median | GetItem p95 | handler/GetItem |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ratio = row["handler_median"] / row["floor_median"]
        print(
            f"| {row['contacts']:,} | {row['handler_median']:.2f} | {row['handler_p95']:.2f} "
            f"| {row['floor_median']:.2f} | {row['floor_p95']:.2f} | {ratio:.2f}x |"
        )
    first, last = rows[0], rows[-1]
    print(
        f"\nhandler median at {last['contacts']:,} / at {first['contacts']:,}: "
        f"{last['handler_median'] / first['handler_median']:.2f}x"
        f"  (GetItem floor: {last['floor_median'] / first['floor_median']:.2f}x)"
    )

    for row in rows:
        size = f"{row['contacts']:,} contacts"
        for stat, label in (("median", "p50"), ("p95", "p95")):
            figures.add(
                f"lookup {label} at {size}",
                row[f"handler_{stat}"],
                "ms",
                baseline=f"GetItem {label}",
                baseline_value=row[f"floor_{stat}"],
                moto_share=row["moto_share"] if stat == "median" else None,
                cpu=row["handler_cpu_ms"] if stat == "median" else None,
                baseline_cpu=row["floor_cpu_ms"] if stat == "median" else None,
                note="in-process on moto, warm; CPU: the mean",
            )
    last = rows[-1]
    figures.add(
        "lookup: DynamoDB requests per lookup",
        last["requests"],
        "requests",
        per="lookup",
        baseline="GetItem",
        baseline_value=1.0,
        note=f"at {last['contacts']:,} contacts, warm container",
    )
    figures.add(
        "contacts: bytes stored per contact",
        last["bytes_per_contact"],
        "bytes",
        per="contact",
        note="contact, name-word and phone-index items of a one-number contact",
    )

    print_cold_starts(args.cold_runs, args.function_runs or args.cold_runs, figures)
    figures.write(args.json)


if __name__ == "__main__":
    main()
