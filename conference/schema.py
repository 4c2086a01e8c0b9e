"""OpenAPI schema hooks for drf-spectacular."""

import re

ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Addresses the rate-limit middleware guards (conference/ratelimits.py).
RATE_LIMITED = re.compile(r"^/api/v1/(checkin/|events/\{slug\}/orders/$)")
DESCRIPTIONS = {
    "400": "Bad input: `errors` names each field.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The credentials may not do this.",
    "404": "Nothing at this address (unknown id or code, or a page past the end).",
    "429": "Too many requests: try again after `Retry-After` seconds.",
}


def only_public_api(endpoints):
    """Keep our /api/ endpoints; Wagtail's internal admin API is not part of the contract."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


def common_error_responses(result, generator, request, public):
    """Document the errors every operation can answer, in the one error shape.

    Views list their own outcomes; these come from the machinery around them
    and were found missing by schemathesis: 400 wherever input is read, 401 and
    403 wherever credentials are needed, 404 for an address with an id or code
    (a longer number than an id column holds does not match at all) and for a
    page number past the end of a list, 429 where the rate limits apply.
    """
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            codes = []
            if "requestBody" in operation or any(
                p.get("in") == "query" for p in parameters
            ):
                codes.append("400")
            if operation.get("security") not in (None, [], [{}]):
                codes += ["401", "403"]
            if "{" in path or any(p.get("name") == "page" for p in parameters):
                codes.append("404")
            if RATE_LIMITED.match(path):
                codes.append("429")
            for code in codes:
                operation["responses"].setdefault(
                    code,
                    {
                        "content": {"application/json": {"schema": ERROR_REF}},
                        "description": DESCRIPTIONS[code],
                    },
                )
    return result
