"""The pages that change a registration after placement, in a real browser at a
desktop and a phone width: they fit the screen (no sideways scrolling), their
targets are at least 24 × 24, and a refused field keeps what was typed.

Screenshots go to $SCREENSHOT_DIR when it is set (for a human to look at)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from registration.models import Answer, QuestionKind
from tests.browser.test_touch_targets import SMALL_TARGETS
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
)
from tests.factories.travel import LedDelegationFactory

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth > window.innerWidth + 1"


def shoot(page, name: str, width: int) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


def registration():
    now = timezone.now()
    event = EventFactory(
        name="Annual Conference 2027",
        slug="conference",
        venue="Capitol Hilton",
        starts_at=now + timedelta(days=60),
        attendee_edit_until=now + timedelta(days=50),
    )
    delegate = TicketTypeFactory(event=event, name="Delegate")
    diet = QuestionFactory(
        event=event,
        label="Dietary needs",
        kind=QuestionKind.CHOICE,
        choices="None\nVegetarian\nVegan\nHalal",
        required=True,
    )
    sessions = QuestionFactory(
        event=event,
        label="Workshops you would like to join",
        kind=QuestionKind.MULTIPLE_CHOICE,
        choices="Youth exchanges\nTrade missions\nCulture and the arts",
        help_text="Places are limited; we confirm by e-mail.",
    )
    delegation = LedDelegationFactory(event=event, name="Toulouse delegation")
    order = OrderFactory(event=event, code="K7QM4X", buyer_name="City of Toulouse")
    mina = AttendeeFactory(
        order=order,
        ticket_type=delegate,
        given_name="Claire",
        family_name="Dubois",
        email="claire@toulouse.example",
        delegation=delegation,
    )
    AttendeeFactory(
        order=order, ticket_type=delegate, given_name="Jean", family_name="Martin"
    )
    Answer.objects.create(attendee=mina, question=diet, value="Vegetarian")
    Answer.objects.create(attendee=mina, question=sessions, value="Youth exchanges")
    return order, mina, delegation


@pytest.mark.parametrize("width", [1280, 375])
def test_change_pages_fit_and_keep_typed_input(live_server, page, width):
    order, claire, delegation = registration()
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    order_base = f"{base}/orders/{order.code}/{order.secret}"
    pages = {
        "order-page": f"{order_base}/",
        "answers": f"{order_base}/attendees/{claire.pk}/answers/",
        "transfer": f"{order_base}/attendees/{claire.pk}/transfer/",
        "attendee-page": f"{base}/attendees/{claire.secret}/",
        "delegation-page": f"{base}/delegations/{delegation.secret}/",
        "substitute": f"{base}/delegations/{delegation.secret}/members/"
        f"{claire.pk}/substitute/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate(OVERFLOW) is False, name
        assert page.evaluate(SMALL_TARGETS, 24) == [], name
        shoot(page, name, width)

    page.goto(pages["transfer"])
    page.fill("[name=given_name]", "Noor")
    page.fill("[name=family_name]", "Haddad")
    page.fill("[name=email]", "noor@")
    page.locator("form[data-testid=transfer-form] button[type=submit]").click()
    page.locator("[data-error-summary]").wait_for()
    assert page.input_value("[name=given_name]") == "Noor"
    assert page.locator("#f-email-error").inner_text() == (
        "Enter a valid e-mail address."
    )
    shoot(page, "transfer-error", width)

    page.fill("[name=email]", "noor@amman.example")
    page.locator("form[data-testid=transfer-form] button[type=submit]").click()
    page.wait_for_url(pages["order-page"])
    assert "now belongs to Noor Haddad" in page.inner_text("body")
    shoot(page, "order-page-after-transfer", width)

    claire.refresh_from_db()
    page.goto(f"{base}/attendees/{claire.secret}/transfer/")
    page.fill("[name=given_name]", "Omar")
    page.fill("[name=email]", "omar@amman.example")
    page.locator("form[data-testid=transfer-form] button[type=submit]").click()
    page.locator("[data-testid=transfer-done]").wait_for()
    assert page.evaluate(OVERFLOW) is False
    shoot(page, "transfer-done", width)
