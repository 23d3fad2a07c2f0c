"""One Lambda execution environment: a process that imports a handler once and serves invocations.

Protocol: `{"ready": true}` once the handler is imported (the init phase), then one JSON line per
invocation on stdin (`{"event", "context"}`) and one JSON line back on the original stdout
(`{"result"}` or `{"error"}`). The handler's own prints and logs go to stderr (the runner's
terminal or the function's log file), so they cannot corrupt the protocol.

    python -m hubtools.local.worker CODE_DIR MODULE.FUNCTION
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and Powertools read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def main() -> None:
    code_dir, handler_path = sys.argv[1], sys.argv[2]
    # Ctrl-C in a terminal reaches the whole process group: the runner, not the signal, ends workers
    # (it closes their stdin), so an invocation in flight is never cut off mid-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, _, function_name = handler_path.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # noqa: BLE001 - Lambda's Runtime.ImportModuleError
        traceback.print_exc()
        protocol.write(
            json.dumps({"error": {"errorType": "Runtime.ImportModuleError", "errorMessage": str(exc)}})
        )
        protocol.write("\n")
        return
    protocol.write('{"ready": true}\n')
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = handler(request["event"], LambdaContext(**request["context"]))
            reply: dict[str, Any] = {"result": result}
        except Exception as exc:  # noqa: BLE001 - reported to the runner, as Lambda reports it
            traceback.print_exc()
            reply = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)}}
        protocol.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()
