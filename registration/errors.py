"""Errors the registration services raise; each carries a code and, where it
belongs to one input, the field, so the web forms, the API and the tests all
speak of `sold_out` or `attendees.0.date_of_birth`.

Field names are dotted paths into the order request: `buyer.email`,
`attendees.1.ticket_type`, `attendees.0.answers.12`, `voucher_code`.
"""

from __future__ import annotations

from decimal import Decimal


class RegistrationError(Exception):
    """Base class: a refusal with a machine-readable code."""

    default_code = "error"

    def __init__(
        self, message: str = "", *, code: str | None = None, field: str | None = None
    ):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.field = field

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


class OrderError(RegistrationError):
    """The order cannot be placed or changed as asked."""

    default_code = "invalid"


class OrderInvalid(OrderError):
    """Several field errors at once, so a form or API shows them all together."""

    def __init__(self, errors: list[OrderError]):
        super().__init__("; ".join(e.message for e in errors), code="invalid")
        self.errors = errors

    def by_field(self) -> dict[str, list[OrderError]]:
        grouped: dict[str, list[OrderError]] = {}
        for error in self.errors:
            grouped.setdefault(error.field or "non_field_errors", []).append(error)
        return grouped


class SoldOut(OrderError):
    default_code = "sold_out"


class Busy(OrderError):
    """A capacity lock could not be taken in time; the client should retry."""

    default_code = "busy"
    retry_after = 2


class PriceChanged(OrderError):
    """The total differs from the one the buyer confirmed; they confirm again."""

    default_code = "price_changed"

    def __init__(self, message: str, *, total: Decimal, expected: Decimal):
        super().__init__(message, field="expected_total")
        self.total = total
        self.expected = expected


class InvalidTransition(OrderError):
    default_code = "invalid_transition"


class ConsentError(RegistrationError):
    default_code = "invalid"


class ConsentInvalid(ConsentError):
    """Several field errors of the consent form at once."""

    def __init__(self, errors: list[ConsentError]):
        super().__init__("; ".join(e.message for e in errors), code="invalid")
        self.errors = errors


class WaitingListError(RegistrationError):
    default_code = "invalid"


class MailingError(RegistrationError):
    """A staff mailing cannot be written, sent or resent as asked."""

    default_code = "invalid"


class MailingInvalid(MailingError):
    """Several field errors at once (`subject_es`, `body_fr`, `filters.extras`)."""

    def __init__(self, errors: list[MailingError]):
        super().__init__("; ".join(e.message for e in errors), code="invalid")
        self.errors = errors

    def by_field(self) -> dict[str, list[MailingError]]:
        grouped: dict[str, list[MailingError]] = {}
        for error in self.errors:
            grouped.setdefault(error.field or "non_field_errors", []).append(error)
        return grouped


class ProgrammeError(RegistrationError):
    """A session sign-up, waiting list or certificate refused; a full session is
    `SoldOut` with field `session`."""

    default_code = "invalid"
