"""Reads template.yaml so tests and the local runner build exactly what deploys.

CloudFormation's short tags (`!Ref`, `!Sub`, `!GetAtt`, `!If`, ...) are loaded as their long forms
and resolved for one stack name and set of parameter values: enough for table definitions and
function environments, which is what runs outside AWS needs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)


class _CfnLoader(yaml.SafeLoader):
    """A SafeLoader that reads `!Tag value` as `{"Fn::Tag": value}` (`!Ref` as `{"Ref": value}`)."""


def _tag_constructor(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag_constructor)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


class Template:
    """template.yaml resolved for one stack: table names, function environments, routes."""

    def __init__(
        self,
        stack_name: str = "hub",
        parameters: dict[str, str] | None = None,
        path: Path = TEMPLATE_PATH,
        region: str = "us-east-1",
    ) -> None:
        self.doc = load_template(path)
        self.stack_name = stack_name
        self.region = region
        self.resources: dict[str, dict[str, Any]] = self.doc.get("Resources", {})
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in self.doc.get("Parameters", {}).items()
        }
        self.parameters.update(parameters or {})

    # -- intrinsic functions -------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(condition) else when_false)
            if key == "Fn::GetAtt":
                return self._get_att(*arg)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(self.resolve(item)) for item in items)
            if key == "Fn::Equals":
                left, right = (self.resolve(item) for item in arg)
                return left == right
        return {key: self.resolve(inner) for key, inner in value.items()}

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.doc.get("Conditions", {})[name]))

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": "123456789012",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources[name]
        if resource["Type"] == "AWS::DynamoDB::Table":
            return self.table_name(name)
        if resource["Type"] == "AWS::SQS::Queue":
            return self.queue_url(name)
        return name

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return str(self._get_att(*name.split(".", 1)))
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources[logical_id]["Type"]
        if kind == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{self.region}:123456789012:table/{self.table_name(logical_id)}"
        if kind == "AWS::SQS::Queue" and attribute == "Arn":
            return f"arn:aws:sqs:{self.region}:123456789012:{self.queue_name(logical_id)}"
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return self.queue_name(logical_id)
        if kind == "AWS::SQS::Queue" and attribute == "QueueUrl":
            return self.queue_url(logical_id)
        return f"{logical_id}.{attribute}"

    # -- resources -----------------------------------------------------------------------------

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res.get("Type") == kind}

    def table_name(self, logical_id: str) -> str:
        props = self.resources[logical_id].get("Properties", {})
        return (
            str(self.resolve(props["TableName"]))
            if "TableName" in props
            else f"{self.stack_name}-{logical_id}"
        )

    def queue_name(self, logical_id: str) -> str:
        props = self.resources[logical_id].get("Properties", {})
        return (
            str(self.resolve(props["QueueName"]))
            if "QueueName" in props
            else f"{self.stack_name}-{logical_id}"
        )

    def queue_url(self, logical_id: str) -> str:
        """A queue's URL as CloudFormation gives it; with AWS_ENDPOINT_URL set, boto3 sends the
        request to that endpoint and the queue is found by this URL's last segment."""
        return f"https://sqs.{self.region}.amazonaws.com/123456789012/{self.queue_name(logical_id)}"

    def queue_logical_id(self, arn: str) -> str:
        for logical_id in self.of_type("AWS::SQS::Queue"):
            if self._get_att(logical_id, "Arn") == arn:
                return logical_id
        raise KeyError(f"no queue has the ARN {arn}")

    def table_definitions(self) -> list[dict[str, Any]]:
        """CreateTable arguments for every table, straight from its CloudFormation properties."""
        definitions = []
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            props = self.resolve(resource["Properties"])
            definition: dict[str, Any] = {
                "TableName": self.table_name(logical_id),
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props.get("BillingMode", "PROVISIONED"),
            }
            for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput"):
                if key in props:
                    definition[key] = props[key]
            if "StreamSpecification" in props:
                definition["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
            definitions.append(definition)
        return definitions

    def time_to_live(self) -> dict[str, str]:
        """Table name -> TTL attribute, for tables that declare one."""
        ttl = {}
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            spec = resource["Properties"].get("TimeToLiveSpecification")
            if spec and spec.get("Enabled"):
                ttl[self.table_name(logical_id)] = spec["AttributeName"]
        return ttl

    def create_tables(self, dynamodb: Any) -> None:
        for definition in self.table_definitions():
            dynamodb.create_table(**definition)
        for table, attribute in self.time_to_live().items():
            dynamodb.update_time_to_live(
                TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
            )

    def create_queues(self, sqs: Any) -> dict[str, str]:
        """Every queue, dead-letter queues first (a redrive policy names its DLQ by ARN).
        Returns logical id -> queue URL."""
        queues = self.of_type("AWS::SQS::Queue")
        ordered = sorted(queues, key=lambda lid: "RedrivePolicy" in queues[lid].get("Properties", {}))
        urls = {}
        for logical_id in ordered:
            props = self.resolve(queues[logical_id].get("Properties", {}))
            attributes = {
                name: str(props[name]).lower() if isinstance(props[name], bool) else str(props[name])
                for name in _QUEUE_ATTRIBUTES
                if name in props
            }
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
            created = sqs.create_queue(QueueName=self.queue_name(logical_id), Attributes=attributes)
            urls[logical_id] = created["QueueUrl"]
        return urls

    def create_parameters(self, ssm: Any) -> None:
        for resource in self.of_type("AWS::SSM::Parameter").values():
            props = self.resolve(resource["Properties"])
            ssm.put_parameter(Name=props["Name"], Value=str(props["Value"]), Type=props.get("Type", "String"))

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """A function's environment: the Globals' variables overlaid with its own."""
        variables: dict[str, Any] = {}
        globals_env = self.doc.get("Globals", {}).get("Function", {}).get("Environment", {})
        variables.update(globals_env.get("Variables", {}))
        own = self.resources[logical_id].get("Properties", {}).get("Environment", {})
        variables.update(own.get("Variables", {}))
        return {name: str(self.resolve(value)) for name, value in variables.items()}

    def http_routes(self) -> list[tuple[str, str, str]]:
        """`(function logical id, method, path)` of every HttpApi event: every route API Gateway serves."""
        return [
            (logical_id, str(props.get("Method", "ANY")).upper(), props.get("Path", "$default"))
            for logical_id, resource in self.of_type("AWS::Serverless::Function").items()
            for event in resource.get("Properties", {}).get("Events", {}).values()
            if event.get("Type") == "HttpApi"
            for props in [event.get("Properties", {})]
        ]

    def function_for_route(self, method: str, path: str) -> str:
        """The logical id of the function serving an HttpApi route, as declared in Events."""
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            for event in resource.get("Properties", {}).get("Events", {}).values():
                props = event.get("Properties", {})
                methods = (method.upper(), "ANY")
                if (
                    event.get("Type") == "HttpApi"
                    and props.get("Path") == path
                    and (str(props.get("Method", "ANY")).upper() in methods)
                ):
                    return logical_id
        raise KeyError(f"no function serves {method} {path}")
