"""In-memory AWS on loopback (moto in server mode), provisioned from template.yaml."""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from hubtools.moto_atomic import atomic_wsgi, make_moto_transactions_cheap
from hubtools.template import Template

# Credentials moto accepts; nothing here ever reaches AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


class LocalAws:
    """moto's server in a child process, each request running alone as AWS applies each atomically.

    A process of its own, because moto's backends are process-global: another runner, or a test's
    `mock_aws`, in the same process would share or reset them.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = "eu-central-1") -> None:
        self.host, self.port, self.region = host, port, region
        self._process: subprocess.Popen[str] | None = None
        self._bound_port: int | None = None

    @property
    def url(self) -> str:
        assert self._bound_port is not None, "start() first"
        return f"http://{self.host}:{self._bound_port}"

    def start(self) -> LocalAws:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "hubtools.local.aws", self.host, str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **LOCAL_CREDENTIALS},
        )
        assert self._process.stdout
        ready, _, _ = select.select([self._process.stdout], [], [], 30)
        line = self._process.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the local AWS did not start on {self.host}:{self.port} (port in use?)")
        self._bound_port = int(line)
        return self

    @classmethod
    def attach(cls, url: str, region: str) -> LocalAws:
        """Another runner's in-memory AWS, at `url`, if it answers; stopping it is left to its owner."""
        host, _, port = url.removeprefix("http://").rstrip("/").rpartition(":")
        aws = cls(host, int(port), region)
        aws._bound_port = int(port)
        quick = Config(connect_timeout=1, read_timeout=3, retries={"max_attempts": 1})
        try:
            aws.client("dynamodb", config=quick).list_tables(Limit=1)
        except (BotoCoreError, ClientError) as exc:
            raise ConnectionError(f"no local AWS answers at {url}") from exc
        return aws

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def environment(self) -> dict[str, str]:
        """What a process needs to talk to this AWS with plain boto3."""
        return {
            **LOCAL_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.url,
        }

    def client(self, service: str, config: Config | None = None) -> Any:
        return boto3.client(
            service,
            config=config,
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


def serve(host: str, port: int) -> None:
    """The child process: bind, print the port on stdout, serve until the runner terminates it
    (a terminal's Ctrl-C reaches the whole process group; the runner decides when AWS stops)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    make_moto_transactions_cheap()  # else each transaction copies whole tables: imports crawl
    app = atomic_wsgi(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
