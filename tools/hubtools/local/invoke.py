"""`make invoke FUNCTION=... EVENT=...`: one function, one event, as `sam local invoke` runs them, with
no Docker: a worker process with the function's environment from template.yaml, against in-memory AWS.

The AWS is a running `make run`'s (.local/demo.json names it) when it answers, else a fresh moto with
the template's tables, queues and parameters, stopped afterwards. Either way the tenants the sample
events belong to are there (hubtools.local.samples). The handler's result is printed as JSON on
stdout; its own log lines go to stderr. Exit status 1 when the handler failed.

    python -m hubtools.local.invoke PhonetLookupFunction events/phonet_lookup/known_contact.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hubtools.local.aws import LocalAws, provision
from hubtools.local.lambdas import InvocationError, Lambdas, function_specs
from hubtools.local.samples import seed_samples
from hubtools.template import REPO_ROOT, TEMPLATE_PATH, Template

# What `make run` (LocalHub) uses: the same names, so its tables are found.
STACK_NAME, REGION = "hub-local", "eu-central-1"


def running_aws(state_file: Path) -> tuple[LocalAws, Template] | None:
    """The in-memory AWS of a `make run` that wrote `state_file` and is still up, with its template."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        region = state.get("region", REGION)
        stack = state.get("hubctl_env", {}).get("HUB_STACK_NAME", STACK_NAME)
        return LocalAws.attach(state["aws_endpoint_url"], region), Template(stack, region=region)
    except (OSError, ValueError, KeyError, AttributeError, ConnectionError):
        return None


def invoke(function: str, event: dict[str, Any], aws: LocalAws, template: Template) -> Any:
    """The handler's result for `event`, from a fresh worker; InvocationError when it failed."""
    specs = function_specs(template, TEMPLATE_PATH.parent)
    lambdas = Lambdas({function: specs[function]}, aws.environment())
    try:
        return lambdas.invoke(function, event)
    finally:
        lambdas.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hubtools.local.invoke", description=__doc__.splitlines()[0]
    )
    parser.add_argument("function", help="the function's logical id in template.yaml")
    parser.add_argument("event", type=Path, help="an API Gateway / SQS / schedule event, e.g. events/...json")
    parser.add_argument("--state-file", type=Path, default=REPO_ROOT / ".local" / "demo.json")
    parser.add_argument("--fresh", action="store_true", help="always start a new in-memory AWS")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    template = Template(STACK_NAME, region=REGION)
    functions = sorted(template.of_type("AWS::Serverless::Function"))
    if args.function not in functions:
        parser.error(f"no function {args.function!r} in template.yaml; one of: {', '.join(functions)}")
    path = args.event if args.event.is_absolute() or args.event.exists() else REPO_ROOT / args.event
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        parser.error(f"cannot read the event {args.event}: {exc}")
    running = None if args.fresh else running_aws(args.state_file)
    owned = running is None
    if running is None:
        aws = LocalAws(args.host, 0, REGION).start()
        provision(template, aws)
    else:
        aws, template = running
    try:
        seed_samples(aws, template)
        where = "a fresh in-memory AWS" if owned else f"make run's AWS at {aws.url}"
        print(f"invoking {args.function} with {args.event} on {where}", file=sys.stderr, flush=True)
        result = invoke(args.function, event, aws, template)
    except InvocationError as exc:
        print(json.dumps({"errorType": exc.kind, "errorMessage": str(exc)}, ensure_ascii=False))
        return 1
    finally:
        if owned:
            aws.stop()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
