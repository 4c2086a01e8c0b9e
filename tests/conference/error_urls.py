"""The site's addresses and error handlers, plus addresses that fail on purpose.

Used by tests/conference/test_error_pages.py (`@pytest.mark.urls`): a
permission refusal, an unhandled error and a lost database connection have no
address of their own on the site, so these views raise them for Django's
handlers to answer.
"""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import path

from conference import urls as site
from conference.ratelimits import Exceeded, too_many


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a bug")


def database_lost(request):
    raise OperationalError("server closed the connection unexpectedly")


def rate_limited(request):
    return too_many(request, Exceeded("codes", 120))


urlpatterns = [
    path("failing/403/", forbidden),
    path("failing/429/", rate_limited),
    path("failing/500/", broken),
    path("failing/503/", database_lost),
    *site.urlpatterns,
]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
