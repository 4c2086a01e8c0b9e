"""The answer to an unhandled error: 503 when the database is out of reach, else 500.

A database restart or failover breaks the connections open at that moment:
the request in flight fails with OperationalError or InterfaceError, its
transaction is rolled back by PostgreSQL (nothing half-written), and the next
request opens a fresh connection (CONN_HEALTH_CHECKS). Such a failure is
temporary, so the client is told to try again (503 with Retry-After) rather
than that something is broken; Stripe, for one, retries a webhook that got a
5xx. The page is rendered without the request and its context processors, as
those may need the database.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# Addresses answered in JSON: machines call them.
JSON_PREFIXES = ("/api/", "/payments/stripe/webhook/")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for a lost or refused database connection (not a constraint or SQL error)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    # A lock wait that ran out is `busy`, answered where it happens.
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After: the JSON error shape for machines, a page for people."""
    message = _(
        "The service is briefly unavailable. Nothing was saved; please try again "
        "in a few seconds."
    )
    if request.path.startswith(JSON_PREFIXES):
        response = JsonResponse(
            {
                "code": "unavailable",
                "detail": message,
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        template = loader.get_template("503.html")
        response = HttpResponse(template.render({"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def server_error(request, template_name="500.html") -> HttpResponse:
    """handler500: Django calls it inside its `except` block, so sys.exc_info() holds the error."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        logger.warning(
            "Database unavailable during %s %s", request.method, request.path
        )
        return database_unavailable(request)
    return django_server_error(request, template_name)


def api_not_found(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)


def not_found(request, exception=None):
    """404 for an address nothing matches; under /api/ the API's error shape."""
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return page_not_found(request, exception)
