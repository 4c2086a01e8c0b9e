"""One error shape for the whole API.

Every error body has a `code` and a `detail`; field errors add `errors`, a map
from the dotted field path (`buyer.email`, `attendees.1.given_name`) to a list
of `{code, message}`. Sold out is 409 `sold_out`; a lock not granted in time is
503 `busy` with `Retry-After`.
"""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from registration.errors import (
    Busy,
    InvalidTransition,
    OrderInvalid,
    PriceChanged,
    RegistrationError,
    SoldOut,
)


def _flatten(details, prefix: str = "") -> dict[str, list[dict]]:
    """DRF's nested error details → {"attendees.0.email": [{"code", "message"}]}."""
    flat: dict[str, list[dict]] = {}
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        flat.setdefault(prefix or "non_field_errors", []).append(
            {"code": details["code"], "message": str(details["message"])}
        )
    elif isinstance(details, dict):
        for key, value in details.items():
            name = "non_field_errors" if key == "non_field_errors" else str(key)
            path = (
                f"{prefix}.{name}"
                if prefix and name != "non_field_errors"
                else (prefix or name)
            )
            for field, errors in _flatten(value, path).items():
                flat.setdefault(field, []).extend(errors)
    elif isinstance(details, list):
        for index, value in enumerate(details):
            if isinstance(value, dict) and set(value) == {"message", "code"}:
                for field, errors in _flatten(value, prefix).items():
                    flat.setdefault(field, []).extend(errors)
            elif value:
                for field, errors in _flatten(value, f"{prefix}.{index}").items():
                    flat.setdefault(field, []).extend(errors)
    return flat


def invalid_response(errors: dict[str, list[dict]]) -> Response:
    return Response(
        {"code": "invalid", "detail": "Some fields are not valid.", "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    if isinstance(exc, exceptions.ValidationError):
        return invalid_response(_flatten(exc.get_full_details()))
    if isinstance(exc, OrderInvalid):
        errors: dict[str, list[dict]] = {}
        for error in exc.errors:
            errors.setdefault(error.field or "non_field_errors", []).append(
                {"code": error.code, "message": error.message}
            )
        return invalid_response(errors)
    if isinstance(exc, Busy):
        return Response(
            {"code": exc.code, "detail": exc.message},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, PriceChanged):
        return Response(
            {
                "code": exc.code,
                "detail": exc.message,
                "total": str(exc.total),
                "errors": {exc.field: [{"code": exc.code, "message": exc.message}]},
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, SoldOut | InvalidTransition):
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RegistrationError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [{"code": exc.code, "message": exc.message}]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OverflowError):
        # A whole number beyond 64 bits in a body field (an id): SQLite cannot
        # even compare it. It matches nothing, so it is bad input, not a crash.
        return invalid_response(
            {
                "non_field_errors": [
                    {
                        "code": "out_of_range",
                        "message": "A number in the request is too large.",
                    }
                ]
            }
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
        }
    return response
