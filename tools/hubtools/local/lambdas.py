"""Lambda functions of the template, each served by a small pool of warm worker processes.

A worker is a separate interpreter, as a Lambda execution environment is: its own environment
variables (the template's, plus the local AWS endpoint), its own module state, one invocation at a
time. A handler that raises answers an error and the worker keeps serving; one that overruns its
timeout is killed, as Lambda would. A worker's own output (the handler's JSON log lines, prints,
tracebacks) goes to the runner's stderr, or, given a log directory, to `<dir>/<function>.log`, as
Lambda sends it to the function's log group.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubtools.template import Template

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    timeout_s: float
    memory_mb: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


def function_specs(template: Template, root: Path) -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function with the Globals applied, paths relative to the template."""
    defaults = template.doc.get("Globals", {}).get("Function", {})
    specs = {}
    for logical_id, resource in template.of_type("AWS::Serverless::Function").items():
        props = {**defaults, **resource.get("Properties", {})}
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_dir=(root / str(template.resolve(props["CodeUri"]))).resolve(),
            handler=str(template.resolve(props.get("Handler", "app.handler"))),
            timeout_s=float(template.resolve(props.get("Timeout", 3))),
            memory_mb=int(template.resolve(props.get("MemorySize", 128))),
            environment=template.function_environment(logical_id),
            events={name: template.resolve(event) for name, event in props.get("Events", {}).items()},
        )
    return specs


class InvocationError(Exception):
    """The handler raised, timed out or its process died: Lambda would report a function error."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


class Worker:
    def __init__(self, spec: FunctionSpec, base_env: dict[str, str], log_dir: Path | None = None) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.logical_id}.log" if log_dir else None
        env = {**os.environ, **base_env, **spec.environment}
        env.update(
            AWS_LAMBDA_FUNCTION_NAME=spec.logical_id,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(spec.memory_mb),
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            PYTHONUNBUFFERED="1",
        )
        log = self.log_path.open("a", encoding="utf-8") if self.log_path else None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hubtools.local.worker", str(spec.code_dir), spec.handler],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                text=True,
                encoding="utf-8",
            )
        finally:
            if log:
                log.close()  # the worker holds its own copy
        self._read_reply(INIT_TIMEOUT_S, "the init phase (imports) took too long")

    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        deadline = time.time() + self.spec.timeout_s
        context = {
            "function_name": self.spec.logical_id,
            "function_version": "$LATEST",
            "invoked_function_arn": f"arn:aws:lambda:local:123456789012:function:{self.spec.logical_id}",
            "memory_limit_in_mb": self.spec.memory_mb,
            "aws_request_id": request_id,
            "log_group_name": f"/aws/lambda/{self.spec.logical_id}",
            "log_stream_name": "local",
            "deadline_ms": int(deadline * 1000),
        }
        assert self.process.stdin
        try:
            self.process.stdin.write(json.dumps({"event": event, "context": context}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError as exc:
            raise InvocationError("Runtime.ExitError", "the function's process has exited") from exc
        reply = self._read_reply(self.spec.timeout_s, f"task timed out after {self.spec.timeout_s:g} s")
        return reply["result"]

    def _read_reply(self, timeout_s: float, timeout_message: str) -> dict[str, Any]:
        assert self.process.stdout
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        if not ready:
            self.kill()
            raise self._error("Sandbox.Timedout", timeout_message)
        line = self.process.stdout.readline()
        if not line:
            self.kill()
            raise self._error("Runtime.ExitError", "the function's process exited")
        reply = json.loads(line)
        if "error" in reply:
            if reply["error"]["errorType"] == "Runtime.ImportModuleError":
                self.kill()
            raise self._error(reply["error"]["errorType"], reply["error"]["errorMessage"])
        return reply

    def _error(self, kind: str, message: str) -> InvocationError:
        """The failure as one line for the runner's console; the traceback is in the log file."""
        first_line = (message.strip().splitlines() or [""])[0]
        return InvocationError(kind, f"{first_line} (log: {self.log_path})" if self.log_path else first_line)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait(timeout=5)


class FunctionPool:
    """Warm workers of one function; a new one starts when all are busy, up to `max_workers`."""

    def __init__(
        self,
        spec: FunctionSpec,
        base_env: dict[str, str],
        max_workers: int = 4,
        log_dir: Path | None = None,
    ) -> None:
        self.spec = spec
        self.base_env = base_env
        self.log_dir = log_dir
        self._idle: list[Worker] = []
        self._all: list[Worker] = []
        self._slots = threading.BoundedSemaphore(max_workers)
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._slots:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.alive():
                worker = Worker(self.spec, self.base_env, self.log_dir)
                with self._lock:
                    self._all.append(worker)
            try:
                return worker.invoke(event, str(uuid.uuid4()))
            finally:
                with self._lock:
                    if worker.alive():
                        self._idle.append(worker)
                    else:
                        self._all.remove(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._all, self._idle = self._all, [], []
        for worker in workers:
            if worker.process.stdin:
                worker.process.stdin.close()
            try:
                worker.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                worker.kill()


class Lambdas:
    """All the template's functions, invoked by logical id."""

    def __init__(
        self, specs: dict[str, FunctionSpec], base_env: dict[str, str], log_dir: Path | None = None
    ) -> None:
        """`log_dir`: where the workers' output goes, one file per function (None: stderr)."""
        self.specs = specs
        if log_dir:
            log_dir.mkdir(parents=True, exist_ok=True)
        self.pools = {
            logical_id: FunctionPool(spec, base_env, log_dir=log_dir) for logical_id, spec in specs.items()
        }

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self.pools[logical_id].invoke(event)

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
