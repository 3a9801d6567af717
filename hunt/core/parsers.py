"""The JSON parser for every API: bounded nesting, and no text PostgreSQL or a client would choke on.

DRF's JSONParser let a 2 kB body nested 1,000 deep raise RecursionError (a 500); NUL characters and lone
surrogates parse as valid JSON but fail later in the database or in the next client's decoder.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def json_problem(value: Any, *, max_depth: int = MAX_DEPTH) -> str | None:
    """Why `value` (parsed JSON) is refused, or None: checked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return "JSON text may not contain NUL characters or unpaired surrogates."
            continue
        if not isinstance(item, Mapping | list):
            continue
        if depth > max_depth:
            return f"JSON nested deeper than {max_depth} levels."
        if isinstance(item, Mapping):
            for key, child in item.items():
                stack.append((key, depth))
                stack.append((child, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in item)
    return None


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        problem = json_problem(data)
        if problem:
            raise ParseError(problem)
        return data
