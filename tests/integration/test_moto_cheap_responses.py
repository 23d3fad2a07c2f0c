"""make_moto_responses_cheap (the benchmarks' cut of moto's parser and serializer) must not change a
single answer: every item operation the hub uses, binary values, projections, counts, paging and
refused conditions, answered with and without it (each in a fresh interpreter, as the patch is
process-wide), parse to the same values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = r"""
import json, sys
import boto3
from moto import mock_aws
if sys.argv[1] == "cheap":
    from hubtools.moto_atomic import make_moto_responses_cheap
    make_moto_responses_cheap()
answers = []
def ask(call, **params):
    try:
        answer = call(**params)
    except Exception as error:  # a refused condition: its error answer is compared too
        answer = error.response
    answer.pop("ResponseMetadata", None)
    answers.append(answer)
with mock_aws():
    c = boto3.client("dynamodb")
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    types = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")]
    c.create_table(TableName="t", KeySchema=keys, AttributeDefinitions=types, BillingMode="PAY_PER_REQUEST")
    plain = {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1.50"}, "ss": {"SS": ["p", "q"]},
             "ns": {"NS": ["1", "2"]}, "t": {"BOOL": False},
             "l": {"L": [{"S": "x"}, {"M": {"y": {"NULL": True}}}]},
             "m": {"M": {"z": {"N": "3"}, "w": {"S": "ünïcode"}}}}
    binary = {**plain, "sk": {"S": "2"}, "b": {"B": b"\x00\xff"}, "bs": {"BS": [b"a"]}}
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    ask(c.put_item, TableName="t", Item=plain, ReturnConsumedCapacity="TOTAL")
    ask(c.put_item, TableName="t", Item=binary)
    ask(c.put_item, TableName="t", Item=plain, ReturnValues="ALL_OLD")
    ask(c.get_item, TableName="t", Key=key)
    ask(c.get_item, TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "2"}})
    ask(c.get_item, TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "9"}})
    ask(c.get_item, TableName="t", Key=key, ProjectionExpression="n, l[1]", ConsistentRead=True)
    query = {"TableName": "t", "KeyConditionExpression": "pk = :p",
             "ExpressionAttributeValues": {":p": {"S": "a"}}}
    ask(c.query, **query, Limit=1)
    ask(c.query, **query, Select="COUNT")
    ask(c.query, **query, ExclusiveStartKey=key)
    ask(c.scan, TableName="t")
    add = {"UpdateExpression": "ADD n :o", "ExpressionAttributeValues": {":o": {"N": "1"}}}
    ask(c.update_item, TableName="t", Key=key, **add, ReturnValues="ALL_NEW")
    ask(c.update_item, TableName="t", Key=key, **add)
    ask(c.batch_get_item, RequestItems={"t": {"Keys": [key, {"pk": {"S": "a"}, "sk": {"S": "7"}}]}})
    put = {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}}
    ask(c.batch_write_item, RequestItems={"t": [put]})
    other = {"pk": {"S": "c"}, "sk": {"S": "1"}}
    ask(c.transact_write_items, TransactItems=[{"Put": {"TableName": "t", "Item": other}}])
    ask(c.transact_get_items, TransactItems=[{"Get": {"TableName": "t", "Key": other}}])
    ask(c.delete_item, TableName="t", Key=other, ReturnValues="ALL_OLD")
    refused = {"ConditionExpression": "attribute_not_exists(pk)"}
    ask(c.put_item, TableName="t", Item=plain, **refused, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    ask(c.transact_write_items, TransactItems=[{"Put": {"TableName": "t", "Item": plain, **refused}}])
print(json.dumps(answers, default=repr, sort_keys=True))
"""


def answers(mode: str) -> list[object]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tools"), str(ROOT / "shared"), str(ROOT)]),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SCENARIO, mode], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_moto_cheap_responses_every_item_operation_answers_the_same() -> None:
    as_is, cheap = answers("as-is"), answers("cheap")
    assert len(as_is) == 20
    assert cheap == as_is
