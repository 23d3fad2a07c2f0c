"""In-memory AWS on loopback (moto in server mode), provisioned from template.yaml."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from hubtools.moto_atomic import atomic_wsgi
from hubtools.template import Template

# Credentials moto accepts; nothing here ever reaches AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


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
    """Create the template's tables, queues and SSM parameters; returns queue logical id -> URL."""
    template.create_tables(aws.client("dynamodb"))
    urls = template.create_queues(aws.client("sqs"))
    template.create_parameters(aws.client("ssm"))
    return urls
