"""axe-core (vendored) on every public page of the journey, in English and Spanish:
no serious or critical WCAG 2.2 A/AA violation."""

import re

import pytest
from playwright.sync_api import expect

from registration.models import Order
from registration.services.checkin import create_device, start_pairing
from tests.browser.a11y import (
    BROWSER_LOCALE,
    PREFIX,
    assert_accessible,
    build_event_site,
)

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["en", "es"]


@pytest.fixture
def site():
    return build_event_site()


@pytest.fixture
def lang_page(browser, request):
    """A page whose browser speaks the test's language; CSP is bypassed so that
    axe can be injected (the pages forbid inline scripts)."""
    language = request.param
    context = browser.new_context(
        bypass_csp=True,
        locale=BROWSER_LOCALE[language],
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.language = language
    yield page
    context.close()


@pytest.mark.parametrize("lang_page", LANGUAGES, indirect=True)
def test_public_pages_have_no_serious_violations(live_server, lang_page, site):
    page, prefix = lang_page, PREFIX[lang_page.language]
    for name, path in [
        ("home page", "/"),
        ("event page", site.event_path),
        ("order page", site.order_path),
        ("consent page", site.consent_path),
        ("delegation page", site.delegation_path),
    ]:
        response = page.goto(f"{live_server.url}{prefix}{path}")
        assert response.status == 200, name
        assert page.get_attribute("html", "lang") == lang_page.language
        assert_accessible(page, name)


@pytest.mark.parametrize("lang_page", LANGUAGES, indirect=True)
def test_checkout_steps_have_no_serious_violations(live_server, lang_page, site):
    page, prefix = lang_page, PREFIX[lang_page.language]
    page.goto(f"{live_server.url}{prefix}{site.event_path}")
    page.locator("#register").click()
    expect(page.locator(f"#ticket-{site.delegate.pk}")).to_be_visible()
    assert_accessible(page, "tickets step")

    page.fill(f"#ticket-{site.delegate.pk}", "1")
    page.fill(f"#extra-{site.extra.pk}", "1")
    page.locator("form[data-checkout-form] button[type=submit]").click()
    expect(page.locator("#f-attendees-0-given_name")).to_be_visible()
    assert_accessible(page, "attendees step")

    # Submitted empty: the error state must be as accessible as the form.
    page.locator("#main form button[type=submit]").click()
    expect(page.locator(".alert--error")).to_be_visible()
    assert_accessible(page, "attendees step with errors")

    page.fill("#f-attendees-0-given_name", "Claire")
    page.fill("#f-attendees-0-family_name", "Dubois")
    page.fill("#f-attendees-0-email", "claire@example.org")
    page.fill("#f-buyer-name", "City of Toulouse")
    page.fill("#f-buyer-email", "protocol@toulouse.example")
    page.locator("#main form button[type=submit]").click()
    expect(page.locator("[data-testid=review-total]")).to_be_visible()
    # Steps behind are "completed" in words, not only in colour.
    completed = page.locator(".steps__item.is-done .visually-hidden")
    expect(completed).to_have_count(2)
    assert_accessible(page, "review step")

    page.fill("#f-billing_name", "City of Toulouse")
    page.fill("#f-billing_address", "1 Place du Capitole\n31000 Toulouse")
    page.locator("#main form button[type=submit]").click()
    expect(page.locator("[data-testid=order-status]")).to_be_visible()
    order = Order.objects.get(buyer_email="protocol@toulouse.example")
    assert page.url.endswith(f"/orders/{order.code}/{order.secret}/")
    assert_accessible(page, "order confirmation")


@pytest.mark.parametrize("lang_page", LANGUAGES, indirect=True)
def test_checkin_app_has_no_serious_violations(live_server, lang_page, site):
    page = lang_page
    guest = site.event.orders.get(buyer_email="ada@example.org").attendees.get(
        ticket_type=site.delegate
    )
    device, _token = create_device(name="Door 1", events=[site.event])
    page.goto(f"{live_server.url}/checkin/")
    expect(page.locator("#pair-screen")).to_be_visible()
    assert page.get_attribute("html", "lang") == lang_page.language
    assert_accessible(page, "check-in app, unpaired")

    page.fill("#pair-code", "WRONG")
    page.locator("#pair-form button[type=submit]").click()
    expect(page.locator("#pair-error")).to_be_visible()
    expect(page.locator("#pair-code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#pair-code")).to_have_accessible_description(
        page.locator("#pair-error").text_content()
    )
    assert_accessible(page, "check-in app, pairing refused")

    page.fill("#pair-code", start_pairing(device))
    page.locator("#pair-form button[type=submit]").click()
    expect(page.locator("#scan-screen")).to_be_visible()
    expect(page.locator("#stats")).not_to_be_empty()
    assert_accessible(page, "check-in app, paired")

    page.fill("#code", guest.secret)
    page.keyboard.press("Enter")
    expect(page.locator("#answer")).to_be_visible()
    assert_accessible(page, "check-in app, answer")


@pytest.mark.parametrize("lang_page", ["en"], indirect=True)
def test_attendee_errors_are_announced_and_linked_to_their_fields(
    live_server, lang_page, site
):
    page = lang_page
    page.goto(f"{live_server.url}/register/{site.event.slug}/")
    page.fill(f"#ticket-{site.delegate.pk}", "1")
    page.locator("form[data-checkout-form] button[type=submit]").click()
    page.fill("#f-buyer-email", "not-an-address")
    page.locator("#main form button[type=submit]").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    assert page.title().startswith("Error: Attendees · Annual Conference")
    email = page.locator("#f-buyer-email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", "f-buyer-email-error")
    expect(page.locator("#f-buyer-email-error")).to_have_text(
        "Enter a valid e-mail address."
    )
    expect(email).to_have_accessible_description("Enter a valid e-mail address.")
    links = summary.locator("a")
    expect(links).to_have_text(
        [
            re.compile(r"^Attendee 1: Delegate · Given name: .+"),
            re.compile(r"^Buyer · Full name: .+"),
            "Buyer · E-mail: Enter a valid e-mail address.",
        ]
    )
    page.keyboard.press("Tab")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#f-attendees-0-given_name")).to_be_focused()


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_motion_follows_the_users_setting(live_server, browser, site, motion):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    page.goto(f"{live_server.url}{site.event_path}")
    scrolling = page.evaluate(
        "() => getComputedStyle(document.documentElement).scrollBehavior"
    )
    page.goto(f"{live_server.url}/checkin/")
    expect(page.locator("#pair-screen")).to_be_visible()
    page.evaluate("() => { document.getElementById('answer').hidden = false; }")
    answer = page.evaluate(
        "() => getComputedStyle(document.getElementById('answer')).animationName"
    )
    context.close()
    expected = {"reduce": ("auto", "none"), "no-preference": ("smooth", "ck-pop")}
    assert (scrolling, answer) == expected[motion]
