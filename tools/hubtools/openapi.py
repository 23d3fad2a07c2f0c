"""The REST API's OpenAPI document, generated from the code and committed as docs/openapi.json.

`make openapi` rewrites the file; a test fails when the code and the committed file drift apart.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "functions" / "rest_api" / "app.py"
DOCUMENT = ROOT / "docs" / "openapi.json"


def generate() -> dict[str, Any]:
    """The document the REST API function serves at /api/v1/openapi.json."""
    spec = importlib.util.spec_from_file_location("rest_api_app_for_openapi", APP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.openapi_document()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
