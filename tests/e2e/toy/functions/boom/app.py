"""Raises on every call: the runner must answer 500 and keep serving."""

print("boom function loaded")  # must not corrupt the runner's protocol


def handler(event, context):
    print("about to fail")
    raise RuntimeError("boom")
