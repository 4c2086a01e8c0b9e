"""Every kind of page we render carries the security headers, and works under them.

The pages are requested through the whole middleware stack (the test client),
so what is asserted is what a browser receives. Tests run with DEBUG off, so
the cookie and HSTS settings are the production ones.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import path
from django.utils import timezone

from conference.urls import urlpatterns as site_urlpatterns
from registration.models import PaymentMethod
from registration.orders.services import AttendeeData, BuyerData, YouthData, place_order
from registration.travel.services import delegations
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.cms import (
    build_site,
    event_index,
    event_page,
    news_index,
    news_page,
    standard_page,
)
from tests.factories.travel import LedDelegationFactory

pytestmark = pytest.mark.django_db


def _raise_error(request):
    raise RuntimeError("a bug in a view")


# The site's own addresses plus one view that fails, for the 500 page.
urlpatterns = [path("test-only/error/", _raise_error), *site_urlpatterns]

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>",
    re.IGNORECASE,
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_secure_headers(response, label: str) -> None:
    policy = directives(response.headers["Content-Security-Policy"])
    for name in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy.get(name, []), (label, name)
        assert "'unsafe-eval'" not in policy.get(name, []), (label, name)
    assert policy["script-src"] == ["'self'"], label
    assert policy["style-src"] == ["'self'"], label
    assert policy["frame-ancestors"] == ["'none'"], label
    assert policy["object-src"] == ["'none'"], label
    assert response.headers["X-Frame-Options"] == "DENY", label
    assert response.headers["X-Content-Type-Options"] == "nosniff", label
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", (
        label
    )
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", label
    if response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        # Under this policy the browser would refuse inline code: there is none.
        assert INLINE_SCRIPT.findall(html) == [], label
        assert INLINE_STYLE.findall(html) == [], label
        assert INLINE_HANDLER.findall(html) == [], label


@pytest.fixture
def site():
    """A published page tree, an event on sale, an order, a youth and a delegation."""
    event = EventFactory(
        name="Annual Conference",
        slug="conference",
        registration_opens_at=timezone.now() - timedelta(days=1),
        contact_email="events@sister-cities.example",
    )
    delegate = TicketTypeFactory(event=event, name="Delegate", price=Decimal("450"))
    youth_ticket = TicketTypeFactory(
        event=event,
        name="Youth",
        price=Decimal("100"),
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    home = build_site(hostname="testserver")
    events = event_index(home)
    news = news_index(home)
    born = date(event.local_start_date().year - 16, 1, 1)
    order = place_order(
        event,
        buyer=BuyerData(name="Ada Buyer", email="ada@example.org"),
        attendees=[
            AttendeeData(
                ticket_type=delegate.pk, given_name="Mina", family_name="Park"
            ),
            AttendeeData(
                ticket_type=youth_ticket.pk,
                given_name="Léa",
                family_name="Martin",
                youth=YouthData(born, "Marie Martin", "marie@example.org", "1"),
            ),
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    delegation = LedDelegationFactory(event=event, name="Toulouse delegation")
    member_order = delegations.add_member(
        delegation,
        member=AttendeeData(
            ticket_type=delegate.pk, given_name="Jean", family_name="Dupont"
        ),
    )
    return {
        "home": home,
        "events": events,
        "event_page": event_page(events, event),
        "news": news,
        "article": news_page(news),
        "about": standard_page(home),
        "event": event,
        "delegate": delegate,
        "order": order,
        "youth": order.attendees.get(youth__isnull=False).youth,
        "delegation": delegation,
        "member": member_order.attendees.get(),
    }


@pytest.mark.urls(__name__)
def test_every_kind_of_page_carries_the_security_headers(client, site, settings):
    order, delegation = site["order"], site["delegation"]
    order_url = f"/orders/{order.code}/{order.secret}/"
    pages = {
        "home": site["home"].url,
        "event index": site["events"].url,
        "event page": site["event_page"].url,
        "news index": site["news"].url,
        "news article": site["article"].url,
        "standard page": site["about"].url,
        "home in French": "/fr/",
        "checkout: tickets": "/register/conference/",
        "order page": order_url,
        "order page in Spanish": f"/es{order_url}",
        "attendee page": f"/attendees/{order.attendees.first().secret}/",
        "consent page": f"/consent/{site['youth'].consent_token}/",
        "delegation page": f"/delegations/{delegation.secret}/",
        "delegation member form": f"/delegations/{delegation.secret}/members/new/",
        "delegation travel form": (
            f"/delegations/{delegation.secret}/members/{site['member'].pk}/travel/"
        ),
        "check-in app": "/checkin/",
        "check-in service worker": "/checkin/sw.js",
        "API docs": "/api/docs/",
        "API docs script": "/api/docs/?script",
        "API schema": "/api/schema/",
        "not found": "/no-such-page/",
        "wrong secret": f"/orders/{order.code}/{'x' * len(order.secret)}/",
    }
    seen = {}
    for label, url in pages.items():
        response = client.get(url)
        seen[label] = response.status_code
        assert_secure_headers(response, label)

    # The checkout's later steps exist once tickets are chosen.
    chosen = client.post(
        "/register/conference/", {f"ticket_{site['delegate'].pk}": "1"}
    )
    assert chosen.status_code == 302
    assert_secure_headers(chosen, "checkout: tickets chosen")
    for label, url in {
        "checkout: attendees": "/register/conference/attendees/",
    }.items():
        response = client.get(url)
        seen[label] = response.status_code
        assert_secure_headers(response, label)
    placed_form = client.post(
        "/register/conference/attendees/",
        {
            "buyer.name": "Ada Buyer",
            "buyer.email": "ada@example.org",
            "buyer.language": "en",
            "payment_method": "invoice",
            "attendees.0.given_name": "Claire",
            "attendees.0.family_name": "Dubois",
            "attendees.0.email": "claire@example.org",
            "attendees.0.country": "FR",
        },
    )
    assert placed_form.status_code == 302
    review = client.get("/register/conference/review/")
    seen["checkout: review"] = review.status_code
    assert_secure_headers(review, "checkout: review")

    client.raise_request_exception = False
    error = client.get("/test-only/error/")
    seen["server error"] = error.status_code
    assert_secure_headers(error, "server error")

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "links": (0, 60)}
    limited = client.get(order_url)
    seen["rate limited"] = limited.status_code
    assert_secure_headers(limited, "rate limited")
    assert int(limited.headers["Retry-After"]) >= 1

    assert seen == {
        **dict.fromkeys(pages, 200),
        "not found": 404,
        "wrong secret": 404,
        "checkout: attendees": 200,
        "checkout: review": 200,
        "server error": 500,
        "rate limited": 429,
    }


def test_staff_admin_keeps_django_protections_without_our_policy(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_https_responses_carry_hsts_and_secure_cookies(client, site, settings):
    # Tests run with DEBUG off, which is what turns these on (conference/settings.py).
    assert settings.DEBUG is False
    response = client.get("/register/conference/", secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True

    chosen = client.post(
        "/register/conference/",
        {f"ticket_{site['delegate'].pk}": "1"},
        secure=True,
    )
    session = chosen.cookies[settings.SESSION_COOKIE_NAME]
    assert (session["secure"], session["httponly"], session["samesite"]) == (
        True,
        True,
        "Lax",
    )
    # Sessions end after eight hours (SESSION_COOKIE_AGE), not at some distant date.
    assert session["max-age"] == 8 * 60 * 60
