"""Staff compose, preview and send a mailing in a real browser, at a desktop and
a phone width; the e-mail log then shows what was sent.

Screenshots go to $SCREENSHOT_DIR when it is set (for a human to look at)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from registration.models import Mailing
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.travel import LedDelegationFactory

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth > window.innerWidth + 1"
PASSWORD = "correct horse battery staple"


def shoot(page, name: str, width: int) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # The admin scrolls inside its own layout: grow the window to the page.
        height = page.evaluate("() => document.querySelector('main').scrollHeight")
        size = page.viewport_size
        page.set_viewport_size({"width": width, "height": max(height + 80, 900)})
        page.screenshot(path=f"{folder}/mailing-{name}-{width}.png", full_page=True)
        page.set_viewport_size(size)


def conference():
    event = EventFactory(
        name="Annual Conference 2027",
        slug="conference",
        starts_at=timezone.now() + timedelta(days=40),
    )
    delegate = TicketTypeFactory(event=event, name="Delegate")
    TicketTypeFactory(event=event, name="Day pass")
    toulouse = LedDelegationFactory(event=event, name="Toulouse delegation")
    for given, family, language, country in (
        ("Claire", "Dubois", "fr", "FR"),
        ("Lucía", "Hernández", "es", "MX"),
        ("Amara", "Okafor", "en", "NG"),
    ):
        AttendeeFactory(
            order=OrderFactory(event=event, buyer_email=f"{given.lower()}@b.example"),
            ticket_type=delegate,
            given_name=given,
            family_name=family,
            email=f"{given.lower()}@example.org",
            language=language,
            country=country,
            delegation=toulouse if country == "FR" else None,
        )
    return event


def sign_in(page, base: str) -> None:
    manager = UserFactory(username="manager", is_staff=True)
    manager.set_password(PASSWORD)
    manager.save()
    # A transaction=True test starts from an empty database: no staff groups.
    group, _created = Group.objects.get_or_create(name="Mailing staff")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="send_mailing"),
    )
    manager.groups.add(group)
    page.goto(f"{base}/admin/login/")
    page.fill("[name=username]", "manager")
    page.fill("[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.parametrize("width", [1280, 375])
def test_staff_compose_preview_and_send_a_mailing(live_server, page, width, mailoutbox):
    event = conference()
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    sign_in(page, base)

    page.goto(f"{base}/admin/mailings/")
    assert page.evaluate(OVERFLOW) is False
    shoot(page, "index", width)
    page.select_option("#mailing-event", str(event.pk))
    page.get_by_role("button", name="New mailing").click()
    page.wait_for_url(f"{base}/admin/mailings/new/{event.pk}/")
    page.fill("[name=name]", "Venue change")
    page.fill("[name=subject_en]", "{event}: new venue")
    page.fill("[name=body_en]", "Dear {name},\n\nWe moved to Hall B.\n{ticket_link}")
    page.fill("[name=subject_es]", "{event}: nuevo lugar")
    page.fill("[name=body_es]", "Hola {nombre}, estamos en la sala B.")
    assert page.evaluate(OVERFLOW) is False
    shoot(page, "compose", width)
    page.get_by_role("button", name="Save and preview").click()

    # The unknown placeholder is named on its field; what was typed is kept.
    page.locator(".error-message").first.wait_for()
    assert "Unknown placeholder {nombre}" in page.inner_text("body")
    assert page.input_value("[name=subject_es]") == "{event}: nuevo lugar"
    shoot(page, "compose-error", width)
    page.fill("[name=body_es]", "Hola {name}, estamos en la sala B.")
    page.get_by_role("button", name="Save and preview").click()

    mailing = Mailing.objects.get()
    page.wait_for_url(f"{base}/admin/mailings/{mailing.pk}/")
    assert page.inner_text("[data-recipient-count]") == "3"
    assert page.inner_text("[data-preview-subject]") == (
        "Annual Conference 2027: new venue"
    )
    assert page.evaluate(OVERFLOW) is False
    shoot(page, "preview", width)
    page.select_option("#mailing-recipient", "1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{base}/admin/mailings/{mailing.pk}/?recipient=1")
    assert page.inner_text("[data-preview-language]") == "es"
    assert "Hola Lucía Hernández, estamos en la sala B." in page.inner_text(
        "[data-preview-html]"
    )

    page.get_by_role("button", name="Send to 3 recipients").click()
    page.wait_for_url(f"{base}/admin/mailings/{mailing.pk}/progress/")
    page.locator("[data-job-download]:not(.job-progress--hidden)").wait_for()
    assert page.inner_text("[data-job-done]") == "3"
    shoot(page, "progress", width)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "amara@example.org",
        "claire@example.org",
        "lucía@example.org",
    ]

    page.goto(f"{base}/admin/mailings/log/?mailing={mailing.pk}")
    assert page.locator("table.mailing-log tbody tr").count() == 3
    assert page.evaluate(OVERFLOW) is False
    shoot(page, "log", width)

    page.goto(f"{base}/admin/mailings/")
    assert page.inner_text("table.mailing-stack tbody").count("Venue change") == 1
    assert page.evaluate(OVERFLOW) is False
    shoot(page, "index-sent", width)
