"""A registration from the event page to the order page with the keyboard alone:
Tab, Shift+Tab, arrows, Enter and typing; no click, no fill."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from registration.models import Order, OrderStatus
from tests.browser.a11y import build_event_site

pytestmark = pytest.mark.django_db(transaction=True)

FOCUS_SHOWN_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ringed = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== "none";
  return {ringed, what: el.outerHTML.slice(0, 120)};
}"""


def tab_to(page, selector: str, *, key: str = "Tab", limit: int = 150) -> None:
    """Press Tab (or Shift+Tab) until `selector` has the focus, which must show."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            shown = page.evaluate(FOCUS_SHOWN_JS)
            assert shown["ringed"], shown
            # Scrolled into view (smoothly, unless the user asks for less motion).
            expect(page.locator(":focus")).to_be_in_viewport()
            return
    pytest.fail(f"{key} never reached {selector}")


@pytest.fixture
def site():
    return build_event_site()


def test_register_with_the_keyboard_only(live_server, page, site):
    page.goto(f"{live_server.url}{site.event_path}")

    # The first Tab reaches the skip link, which shows and moves to the content.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    tab_to(page, "#register")
    page.keyboard.press("Enter")

    # Tickets: the arrow key raises the quantity of a number field.
    expect(page).to_have_url(f"{live_server.url}/register/{site.event.slug}/")
    tab_to(page, f"#ticket-{site.delegate.pk}")
    page.keyboard.press("ArrowUp")
    expect(page.locator("[data-checkout-count]")).to_have_text("1")
    tab_to(page, "form[data-checkout-form] button[type=submit]")
    page.keyboard.press("Enter")

    # Attendee details.
    expect(page).to_have_url(f"{live_server.url}/register/{site.event.slug}/attendees/")
    tab_to(page, "#f-attendees-0-given_name")
    page.keyboard.type("Claire")
    tab_to(page, "#f-attendees-0-badge_name")
    tab_to(page, "#f-attendees-0-family_name", key="Shift+Tab")
    page.keyboard.type("Dubois")
    tab_to(page, "#f-attendees-0-email")
    page.keyboard.type("claire@example.org")
    tab_to(page, "#f-attendees-0-country")
    page.keyboard.type("France")
    tab_to(page, "#f-buyer-name")
    page.keyboard.type("City of Toulouse")
    tab_to(page, "#f-buyer-email")
    page.keyboard.type("protocol@toulouse.example")
    tab_to(page, "#main form button[type=submit]")
    page.keyboard.press("Enter")

    # Review: the invoice needs a billing address (a textarea: Enter is a new line).
    expect(page).to_have_url(f"{live_server.url}/register/{site.event.slug}/review/")
    expect(page.locator("#f-billing_name")).to_have_value("City of Toulouse")
    tab_to(page, "#f-billing_address")
    page.keyboard.type("1 Place du Capitole")
    page.keyboard.press("Enter")
    page.keyboard.type("31000 Toulouse")
    tab_to(page, "#main form button[type=submit]")
    page.keyboard.press("Space")

    expect(page.locator("[data-testid=order-status]")).to_be_visible()
    order = Order.objects.get(buyer_email="protocol@toulouse.example")
    assert page.url == f"{live_server.url}/orders/{order.code}/{order.secret}/"
    assert (order.status, order.total, order.buyer_name) == (
        OrderStatus.PENDING,
        Decimal("450.00"),
        "City of Toulouse",
    )
    attendee = order.attendees.get()
    assert (
        attendee.given_name,
        attendee.family_name,
        attendee.email,
        str(attendee.country),
    ) == ("Claire", "Dubois", "claire@example.org", "FR")
    # Browsers send a textarea's line breaks as CRLF.
    assert order.invoice.billing_address.splitlines() == [
        "1 Place du Capitole",
        "31000 Toulouse",
    ]
