"""In-memory AWS on loopback (moto in server mode), provisioned from template.yaml."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from hubtools.moto_atomic import atomic_wsgi
from hubtools.template import Template

# Credentials moto accepts; nothing here ever reaches AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)


class LocalAws:
    """moto's server in a thread; each request runs alone, as AWS applies each atomically."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = "eu-central-1") -> None:
        self.host, self.port, self.region = host, port, region
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> LocalAws:
        app = atomic_wsgi(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def environment(self) -> dict[str, str]:
        """What a process needs to talk to this AWS with plain boto3."""
        return {
            **LOCAL_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.url,
        }

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


def provision(template: Template, aws: LocalAws) -> dict[str, str]:
    """Create the template's tables, queues (dead-letter queues first) and SSM parameters.
    Returns queue logical id -> queue URL."""
    template.create_tables(aws.client("dynamodb"))
    sqs = aws.client("sqs")
    queues = template.of_type("AWS::SQS::Queue")
    # A queue's redrive policy names its DLQ by ARN, which must exist first.
    ordered = sorted(
        queues, key=lambda logical_id: "RedrivePolicy" in queues[logical_id].get("Properties", {})
    )
    urls = {}
    for logical_id in ordered:
        props = template.resolve(queues[logical_id].get("Properties", {}))
        attributes = {
            name: str(props[name]).lower() if isinstance(props[name], bool) else str(props[name])
            for name in _QUEUE_ATTRIBUTES
            if name in props
        }
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        urls[logical_id] = sqs.create_queue(QueueName=template.queue_name(logical_id), Attributes=attributes)[
            "QueueUrl"
        ]
    ssm = aws.client("ssm")
    for resource in template.of_type("AWS::SSM::Parameter").values():
        props = template.resolve(resource["Properties"])
        ssm.put_parameter(Name=props["Name"], Value=str(props["Value"]), Type=props.get("Type", "String"))
    return urls
