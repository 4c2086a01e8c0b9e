"""Rate limits for the addresses an attacker would hammer, answered with 429.

Which limit guards which address is declared here, by URL name, so the views
keep no limiting code of their own:

- `orders`: placing an order (checkout review step, `POST` to the order API),
  per client address.
- `codes`: voucher and member-code attempts on the tickets step, per address.
- `links`: any use of a secret link (order page, tickets, attendee page,
  consent, waiting-list offer, delegation page), per address; and
  `link_misses`: secret links that led nowhere (404). Once an address has
  guessed wrong too often, every secret link answers 429 for it until the
  window ends, so guessing secrets is slow on top of being hopeless.
- `checkin`: the check-in API, per device token (per address without one).
- `login_failures` (per user name) and `login_failures_address` (per
  address): failed staff sign-ins; past either limit the sign-in form answers
  429 without checking the password, so guessing a password is throttled
  even from many addresses.

Counters are fixed windows in the cache: Redis in production, so every web
process shares them; the local-memory cache of the embedded set-up counts per
process. Limits come from settings.RATE_LIMITS (`name: (requests, seconds)`);
RATE_LIMITS_ENABLED=false turns them off (benchmarks that drive the site from
one address).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from conference.errors import render_error_page

SECRET_LINK_VIEWS = {
    "registration:order",
    "registration:attendee_edit",
    "registration:order_ticket",
    "registration:order_attendee_ics",
    "registration:attendee_ics",
    "registration:order_cancel",
    "registration:attendee",
    "registration:consent",
    "registration:waiting_list_offer",
}
ORDER_VIEWS = {"registration:checkout_review", "api:order_create"}
CODE_VIEWS = {"registration:checkout"}
CHECKIN_PREFIX = "api:checkin_"
LOGIN_VIEWS = {"wagtailadmin_login"}


@dataclass(frozen=True)
class Exceeded:
    limit: str
    retry_after: int


def client_address(request: HttpRequest) -> str:
    """The caller's address; behind a proxy, the one the proxy saw."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is the trusted one.
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _window(limit: str) -> tuple[int, int]:
    requests, seconds = settings.RATE_LIMITS[limit]
    return requests, seconds


def _key(limit: str, who: str, seconds: int) -> tuple[str, int]:
    now = time.time()
    window = int(now // seconds)
    retry_after = max(1, math.ceil((window + 1) * seconds - now))
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"ratelimit:{limit}:{digest}:{window}", retry_after


def count(limit: str, who: str) -> Exceeded | None:
    """Count one use of `limit` by `who`; say when it is over the limit."""
    requests, seconds = _window(limit)
    key, retry_after = _key(limit, who, seconds)
    cache.add(key, 0, timeout=seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        used = 1
    return Exceeded(limit, retry_after) if used > requests else None


def peek(limit: str, who: str) -> Exceeded | None:
    """Whether `who` is already over `limit`, without counting."""
    requests, seconds = _window(limit)
    key, retry_after = _key(limit, who, seconds)
    used = cache.get(key, 0)
    return Exceeded(limit, retry_after) if used >= requests else None


def _checkin_caller(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return f"device:{header}" if header else f"address:{client_address(request)}"


def too_many(request: HttpRequest, exceeded: Exceeded) -> HttpResponse:
    minutes = max(1, math.ceil(exceeded.retry_after / 60))
    message = _(
        "Too many attempts from your connection. Please try again in %(n)s minute(s)."
    ) % {"n": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "code": "rate_limited",
                # `detail` as every API error; `message` kept for older clients.
                "detail": message,
                "message": message,
                "retry_after": exceeded.retry_after,
            },
            status=429,
        )
    else:
        response = render_error_page(
            request,
            "429.html",
            {"message": message, "retry_after": exceeded.retry_after},
            status=429,
        )
    response["Retry-After"] = str(exceeded.retry_after)
    return response


class RateLimitMiddleware:
    """Counts requests to the guarded addresses and answers 429 past a limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            settings.RATE_LIMITS_ENABLED
            and match is not None
            and match.view_name in SECRET_LINK_VIEWS | _delegation_views(match)
            and response.status_code == 404
        ):
            count("link_misses", client_address(request))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.RATE_LIMITS_ENABLED:
            return None
        name = request.resolver_match.view_name
        exceeded = None
        if name in SECRET_LINK_VIEWS or name in _delegation_views(
            request.resolver_match
        ):
            address = client_address(request)
            exceeded = peek("link_misses", address) or count("links", address)
        elif name in ORDER_VIEWS and request.method == "POST":
            exceeded = count("orders", client_address(request))
        elif (
            name in CODE_VIEWS
            and request.method == "POST"
            and request.POST.get("voucher", "").strip()
        ):
            exceeded = count("codes", client_address(request))
        elif name in LOGIN_VIEWS and request.method == "POST":
            exceeded = peek(
                "login_failures", _login_name(request.POST.get("username", ""))
            ) or peek("login_failures_address", client_address(request))
        elif name.startswith(CHECKIN_PREFIX):
            exceeded = count("checkin", _checkin_caller(request))
        return too_many(request, exceeded) if exceeded else None


def _delegation_views(match) -> set[str]:
    """The delegation leader's pages: every registration view named delegation*."""
    name = match.view_name
    if name.startswith("registration:delegation"):
        return {name}
    return set()


def _login_name(username: str) -> str:
    return username.strip().lower()


def count_failed_login(sender, credentials, request=None, **kwargs):
    """Receiver of `user_login_failed`: Django sends it from authenticate()
    with the credentials (password already masked) and, from the login view,
    the request. Connected below when this module loads, which the middleware
    setting makes happen before any request."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    count("login_failures", _login_name(credentials.get("username", "")))
    if request is not None:
        count("login_failures_address", client_address(request))


user_login_failed.connect(count_failed_login, dispatch_uid="ratelimits.failed_login")
