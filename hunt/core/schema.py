"""The OpenAPI schema's error responses, documented once for every operation (DRF's DEFAULT_SCHEMA_CLASS).

Every API error is `{"detail", "code"}` (hunt.core.errors), so every operation documents the errors it can
answer with that body, derived from what the view is rather than listed by hand per view:

- 400 where the operation takes a body or query parameters: an `Error`, or DRF's field errors
  (`{"field": ["message"]}`) for a body that fails validation;
- 401 and 403 everywhere: a bad token is refused before any view runs, a session write without its CSRF
  token is a 403, and so is a role that may not use the operation;
- 404 where the operation names an object (in its path, query or body: a subject, a workflow, a board);
- 413 and 415 where the operation takes a body;
- 429 where the view has throttles; 503 everywhere (a database that is away; a broker, for a job trigger).

A response a view documents with a body keeps it; one it declares without a body (`409: None`) gets the
`Error` body.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "Every API error: a message for people and a stable code for programs.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
        },
        "required": ["detail", "code"],
    },
)
FIELD_ERRORS = ResolvedComponent(
    name="FieldErrors",
    type=ResolvedComponent.SCHEMA,
    object="FieldErrors",
    schema={
        "type": "object",
        "description": "A body that failed validation: its messages per field (DRF's shape).",
        "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
    },
)

DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not signed in, or a bad token",
    403: "Not allowed for this role, or the CSRF token is missing",
    404: "No such object",
    409: "Conflicts with the object's state",
    413: "Body too large",
    415: "Unsupported body media type",
    429: "Too many requests",
    503: "A service it needs is away (Retry-After says when to try again)",
}


class ApiAutoSchema(AutoSchema):
    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        registry.register_on_missing(ERROR)
        registry.register_on_missing(FIELD_ERRORS)
        responses = operation.setdefault("responses", {})
        for code in sorted(self._error_codes(operation) | _declared_errors(responses)):
            known = responses.get(str(code), {})
            if "content" in known:
                continue  # the view documented its own body
            schema = {"anyOf": [ERROR.ref, FIELD_ERRORS.ref]} if code == 400 else ERROR.ref
            responses[str(code)] = {
                "description": _description(known, code),
                "content": {"application/json": {"schema": schema}},
            }
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> set[int]:
        parameters = operation.get("parameters", [])
        codes = {401, 403, 503}
        if "requestBody" in operation:
            codes |= {400, 404, 413, 415}
        if any(p.get("in") == "query" for p in parameters):
            codes |= {400, 404}
        if any(p.get("in") == "path" for p in parameters):
            codes.add(404)
        if getattr(self.view, "throttle_classes", None):
            codes.add(429)
        return codes


def _description(response: dict[str, Any], code: int) -> str:
    described = response.get("description", "")
    if described and described != "No response body":  # drf-spectacular's text for `None`
        return str(described)
    return DESCRIPTIONS.get(code, "Error")


def _declared_errors(responses: dict[str, Any]) -> set[int]:
    return {int(code) for code in responses if code.isdigit() and int(code) >= 400}
