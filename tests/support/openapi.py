"""Reading an app's OpenAPI document in the tests."""

from __future__ import annotations

from typing import Any


def documented_response(operation: dict[str, Any]) -> tuple[str, str | None]:
    """The one success status of an operation and its body's schema (`Name`, `Name[]`, None)."""
    (code,) = [c for c in operation["responses"] if c.startswith("2")]
    content = operation["responses"][code].get("content")
    if content is None:
        return code, None
    schema = content["application/json"]["schema"]
    if schema.get("type") == "array":
        return code, schema["items"]["$ref"].rsplit("/", 1)[-1] + "[]"
    return code, schema["$ref"].rsplit("/", 1)[-1]
