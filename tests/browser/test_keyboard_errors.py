"""A keyboard user who sends the attendee form empty, follows the error summary's
links to the fields, corrects them and registers: Tab, Shift+Tab, arrows, Enter,
Space and typing only; no click, no fill. Each stop must show its focus ring and
be scrolled into view. (The plain happy path: test_keyboard_registration.py.)"""

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


def test_keyboard_user_corrects_errors_through_the_summary_and_registers(
    live_server, page, site
):
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

    # Attendees, sent empty: the error summary takes the focus.
    expect(page).to_have_url(f"{live_server.url}/register/{site.event.slug}/attendees/")
    tab_to(page, "#main form button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    expect(links).to_have_count(3)  # given name, buyer's name and e-mail

    # Its first link leads to the attendee's given name ...
    tab_to(page, "[data-error-summary] li:nth-child(1) a")
    page.keyboard.press("Enter")
    expect(page.locator("#f-attendees-0-given_name")).to_be_focused()
    page.keyboard.type("Claire")
    tab_to(page, "#f-attendees-0-badge_name")
    tab_to(page, "#f-attendees-0-family_name", key="Shift+Tab")
    page.keyboard.type("Dubois")
    tab_to(page, "#f-attendees-0-country")
    page.keyboard.type("France")  # a closed select picks by typing

    # ... and back up with Shift+Tab, the second to the buyer's name.
    tab_to(page, "[data-error-summary] li:nth-child(2) a", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#f-buyer-name")).to_be_focused()
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
    tab_to(page, "#f-privacy")
    page.keyboard.press("Space")
    expect(page.locator("#f-privacy")).to_be_checked()
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
        str(attendee.country),
    ) == ("Claire", "Dubois", "FR")
    # Browsers send a textarea's line breaks as CRLF.
    assert order.invoices.get().billing_address.splitlines() == [
        "1 Place du Capitole",
        "31000 Toulouse",
    ]
