"""LocalHub: template.yaml served on loopback, with in-memory AWS, Lambda workers, pollers, schedules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Self

from werkzeug.wrappers import Request, Response

from hubtools.local.aws import LocalAws, provision
from hubtools.local.events import Scheduler, SqsPoller, schedules, sqs_sources
from hubtools.local.gateway import Gateway, http_routes
from hubtools.local.lambdas import InvocationError, Lambdas, function_specs
from hubtools.template import TEMPLATE_PATH, Template


class LocalHub:
    def __init__(
        self,
        template_path: Path = TEMPLATE_PATH,
        *,
        host: str = "127.0.0.1",
        api_port: int = 3000,
        aws_port: int = 0,
        region: str = "eu-central-1",
        stack_name: str = "hub-local",
        parameters: dict[str, str] | None = None,
        background: bool = True,
        schedules: bool = True,
        log_dir: Path | None = None,
    ) -> None:
        """`background=False` leaves the SQS pollers and rate schedules stopped (tests drive them);
        `schedules=False` only the schedules (fired on demand through /_local/schedules/{name});
        `log_dir` takes the functions' own log lines off the console, one file per function."""
        self.template_path = template_path
        self.host, self.api_port, self.aws_port, self.region = host, api_port, aws_port, region
        self.template = Template(stack_name, parameters, template_path, region)
        self.background = background
        self.schedules = schedules
        self.log_dir = log_dir

    def start(self) -> Self:
        self.aws = LocalAws(self.host, self.aws_port, self.region).start()
        queue_urls = provision(self.template, self.aws)
        specs = function_specs(self.template, self.template_path.parent)
        self.lambdas = Lambdas(specs, self.aws.environment(), self.log_dir)
        sqs = self.aws.client("sqs")
        sources = sqs_sources(specs, lambda arn: queue_urls[self.template.queue_logical_id(arn)])
        self.pollers = [SqsPoller(source, sqs, self.lambdas.invoke, self.region) for source in sources]
        self.scheduler = Scheduler(schedules(specs), self.lambdas.invoke, self.region)
        routes = http_routes(specs)
        self.gateway = Gateway(routes, self.lambdas.invoke, self._control, self.host, self.api_port).start()
        if self.background:
            for poller in self.pollers:
                poller.start()
            if self.schedules:
                self.scheduler.start()
        return self

    @property
    def api_url(self) -> str:
        return self.gateway.url

    def stop(self) -> None:
        for step in (
            *(poller.stop for poller in self.pollers if self.background),
            self.scheduler.stop,
            self.gateway.stop,
            self.lambdas.close,
            self.aws.stop,
        ):
            step()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _control(self, request: Request) -> Response | None:
        """`GET /_local/health`; `POST /_local/schedules/{function or event name}` fires a schedule now."""
        if request.path == "/_local/health":
            return _json({"ok": True, "aws_endpoint_url": self.aws.url})
        prefix = "/_local/schedules/"
        if request.method == "POST" and request.path.startswith(prefix):
            try:
                result = self.scheduler.fire(request.path[len(prefix) :])
            except KeyError:
                return _json({"error": "no such schedule"}, 404)
            except InvocationError as exc:
                return _json({"error": str(exc)}, 500)
            return _json({"result": result})
        return None


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status, content_type="application/json")
