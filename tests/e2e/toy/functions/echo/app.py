"""Answers with the event it got and a few environment facts."""

import json
import os


def handler(event, context):
    body = {
        "event": event,
        "env": {name: os.environ.get(name) for name in ("GREETING", "ONLY_ECHO", "TICKS_TABLE")},
        "function": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-echo": "1"},
        "cookies": ["a=1; Path=/", "b=2; Path=/"],
        "body": json.dumps(body),
    }
