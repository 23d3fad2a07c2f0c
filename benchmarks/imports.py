"""Bulk contact import benchmark: rows per second through POST /api/v1/contacts/import, fresh rows
and a re-import of the same rows with `merge` (every row then matches and updates a contact).

In-process on moto; prints figures, asserts nothing but success. The baseline is creating the same
contacts one by one through ContactService, in the same run. Up to 100 rows are applied in the
request; more are a job: the figure is then the time to accept (202) and, apart, the time until the
import worker (invoked here with the queue's messages) has applied every chunk. moto serializes
requests, so it shows the import's own overhead, not DynamoDB's parallel speed.

    python benchmarks/imports.py --rows 10000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-central-1")
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from quiet import quietly  # noqa: E402

from hub import wiring  # noqa: E402
from hub.domain.contacts import ContactInput  # noqa: E402
from hub.domain.tenants import TenantDirectory, create_api_key, create_tenant  # noqa: E402
from hub.models.tenant import Tenant  # noqa: E402
from hubtools.moto_atomic import make_moto_requests_atomic, make_moto_transactions_cheap  # noqa: E402
from hubtools.template import Template  # noqa: E402
from tests.support import LambdaContext, load_event, load_function  # noqa: E402


def rows(count: int, offset: int = 0) -> list[dict]:
    return [
        {
            "name": f"Customer {offset + i}",
            "company": "Bench LLC",
            "phones": [{"number": f"+38067{offset + i:07d}"}],
            "external_codes": {"crm": str(offset + i)},
        }
        for i in range(count)
    ]


def import_request(key: str, body: dict) -> dict:
    event = load_event("rest_api/create_contact.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v1/contacts/import"
    event["headers"] = {"content-type": "application/json", "x-api-key": key}
    event["body"] = json.dumps(body)
    return event


class FreshHub:
    """The template's tables in a fresh moto, a tenant and its API key: each measurement starts from
    the same empty tables (moto's transactions slow down as tables grow)."""

    def __enter__(self) -> FreshHub:
        self.mock = mock_aws()
        self.mock.start()
        template = Template(stack_name="bench", region="eu-central-1")
        template.create_tables(boto3.client("dynamodb"))
        template.create_queues(boto3.client("sqs"))
        for logical_id in template.of_type("AWS::Serverless::Function"):
            os.environ.update(template.function_environment(logical_id))
        wiring.reset()
        created = create_tenant(
            wiring.tenant_store(), Tenant(slug="bench", name="Bench", default_country="UA")
        )
        _, self.key = create_api_key(wiring.tenant_store(), created.tenant)
        self.context = TenantDirectory(wiring.tenant_store(), ttl_seconds=0).by_slug("bench")
        self.api = load_function("rest_api")
        self.worker = load_function("import_worker")
        self.accept_seconds: list[float] = []
        return self

    def __exit__(self, *_exc: object) -> None:
        self.mock.stop()
        wiring.reset()

    def import_rows(self, body: dict) -> float:
        started = time.perf_counter()
        response = quietly(self.api.handler)(import_request(self.key, body), LambdaContext())
        result = json.loads(response["body"])
        if response["statusCode"] == 202:  # a job: the worker applies it, a message at a time
            self.accept_seconds.append(time.perf_counter() - started)
            self.run_worker()
            result = wiring.import_service().job(self.context, result["job_id"])
        seconds = time.perf_counter() - started
        assert response["statusCode"] in (200, 202) and result["failed"] == 0, result
        return seconds

    def run_worker(self) -> None:
        sqs = boto3.client("sqs")
        url = wiring.get_settings().import_queue_url
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages"):
            records = [
                {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
                for m in messages
            ]
            answer = quietly(self.worker.handler)({"Records": records}, LambdaContext())
            assert not answer["batchItemFailures"], answer
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args()
    make_moto_requests_atomic()
    make_moto_transactions_cheap()
    with FreshHub() as hub:
        started = time.perf_counter()
        for row in rows(args.rows):
            wiring.contact_service().create(hub.context, ContactInput.model_validate(row))
        one_by_one = time.perf_counter() - started
    with FreshHub() as hub:
        timings = {
            "import, new rows": hub.import_rows({"rows": rows(args.rows)}),
            "re-import with merge (every row updates)": hub.import_rows(
                {"merge": True, "rows": rows(args.rows)}
            ),
        }
    print(f"rows per request: {args.rows}")
    baseline = "baseline, ContactService.create one by one"
    print(f"  {baseline:43s}: {one_by_one:7.2f} s ({args.rows / one_by_one:6.0f} rows/s)")
    for label, seconds in timings.items():
        print(
            f"  {label:43s}: {seconds:7.2f} s ({args.rows / seconds:6.0f} rows/s,"
            f" {seconds / one_by_one:4.2f}x baseline)"
        )
    for seconds in hub.accept_seconds:
        print(f"  {'  of which accepting the job (202)':43s}: {seconds:7.2f} s")


if __name__ == "__main__":
    main()
