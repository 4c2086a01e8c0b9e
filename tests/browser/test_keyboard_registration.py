"""A whole registration with the keyboard alone (WCAG 2.1.1): from the
event page to the order page, moving only with Tab, typing, Space and Enter.
No clicks, no fill() on a field the keyboard has not reached."""

from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import Order
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.cms import build_site, event_index, event_page

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 120


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def focus_is_visible(page) -> bool:
    """The focused element draws a focus indicator (outline or box shadow)."""
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
            || s.boxShadow !== 'none'; }"""
    )


def test_register_with_the_keyboard_only(live_server, page):
    now = timezone.now()
    event = EventFactory(
        name="Annual Conference",
        slug="conference",
        registration_opens_at=now - timezone.timedelta(days=1),
        registration_closes_at=now + timezone.timedelta(days=30),
    )
    delegate = TicketTypeFactory(event=event, name="Delegate", price=Decimal("450"))
    event_page(event_index(build_site()), event)

    page.goto(f"{live_server.url}/events/conference/")
    # The skip link comes first and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == (
        "#main"
    )
    assert focus_is_visible(page)

    tab_to(page, "#register")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/conference/")

    type_into(page, f"[name=ticket_{delegate.pk}]", "1")
    page.keyboard.press("Enter")  # submits the form it is in
    page.wait_for_url("**/attendees/")

    type_into(page, "[name='attendees.0.given_name']", "Claire")
    type_into(page, "[name='attendees.0.family_name']", "Dubois")
    type_into(page, "[name='attendees.0.email']", "claire@example.org")
    type_into(page, "[name='buyer.name']", "City of Toulouse")
    type_into(page, "[name='buyer.email']", "protocol@toulouse.example")
    tab_to(page, "form button[type=submit]:not([formnovalidate])")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review/")

    type_into(page, "[name=billing_address]", "1 Place du Capitole, Toulouse")
    tab_to(page, "#f-privacy")
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    assert page.is_checked("#f-privacy")
    tab_to(page, "form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/orders/**")

    order = Order.objects.get()
    assert order.attendees.get().given_name == "Claire"
    assert order.privacy_accepted_at is not None
