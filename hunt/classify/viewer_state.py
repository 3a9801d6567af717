"""What a classification may record about the viewer: a small, flat-ish JSON object, validated on the way in.

The viewer (static/js/classify/viewer.js) sends a dozen short keys; the rule here is on shape, not on a list
of keys, so the viewer can add a setting without a server change: identifier-like keys, at most
MAX_KEYS per object, nesting at most MAX_DEPTH deep, at most MAX_BYTES as compact JSON, and no NUL or
unpaired surrogate in any text.
"""

import json
import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hunt.core.parsers import json_problem

MAX_BYTES = 4096
MAX_DEPTH = 4
MAX_KEYS = 32
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def viewer_state_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "viewer_state must be a JSON object."
    problem = json_problem(value, max_depth=MAX_DEPTH)
    if problem:
        return f"viewer_state: {problem}"
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) > MAX_KEYS:
                return f"viewer_state objects may hold at most {MAX_KEYS} keys."
            for key, child in item.items():
                if not KEY.fullmatch(key):
                    return f"viewer_state key {key[:40]!r} is not a short lower-case identifier."
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_BYTES:
        return f"viewer_state is {size} bytes; at most {MAX_BYTES} are kept."
    return None


@extend_schema_field(OpenApiTypes.OBJECT)
class ViewerStateField(serializers.JSONField):
    """A JSON object checked by `viewer_state_problem` (documented as an object in the schema)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problem = viewer_state_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value
