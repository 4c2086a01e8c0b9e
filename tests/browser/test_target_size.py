"""Touch targets measured in Chromium: at least 24x24 CSS px on the checkout pages
(WCAG 2.2 SC 2.5.8) and 48x48 in the check-in app, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from registration.services.checkin import create_device, start_pairing
from tests.browser.a11y import build_event_site, small_targets

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1280, 375]


@pytest.fixture
def site():
    return build_event_site()


@pytest.fixture
def sized_page(browser, request):
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    yield context.new_page()
    context.close()


def check(page, where: str, minimum: int) -> list[str]:
    return [f"{where}: {target}" for target in small_targets(page, minimum)]


@pytest.mark.parametrize("sized_page", WIDTHS, indirect=True)
def test_checkout_targets_are_at_least_24_px(live_server, sized_page, site):
    page, small = sized_page, []
    page.goto(f"{live_server.url}{site.event_path}")
    small += check(page, "event page", 24)
    page.goto(f"{live_server.url}/register/{site.event.slug}/")
    small += check(page, "tickets", 24)
    page.fill(f"#ticket-{site.delegate.pk}", "1")
    page.locator("form[data-checkout-form] button[type=submit]").click()
    expect(page.locator("#f-attendees-0-given_name")).to_be_visible()
    small += check(page, "attendees", 24)
    page.locator("#main form button[type=submit]").click()
    expect(page.locator(".alert--error")).to_be_visible()
    small += check(page, "attendees with errors", 24)
    page.fill("#f-attendees-0-given_name", "Claire")
    page.fill("#f-buyer-name", "City of Toulouse")
    page.fill("#f-buyer-email", "protocol@toulouse.example")
    page.locator("#main form button[type=submit]").click()
    expect(page.locator("[data-testid=review-total]")).to_be_visible()
    small += check(page, "review", 24)
    page.goto(f"{live_server.url}{site.order_path}")
    small += check(page, "order page", 24)
    page.goto(f"{live_server.url}{site.consent_path}")
    small += check(page, "consent page", 24)
    page.goto(f"{live_server.url}{site.delegation_path}")
    small += check(page, "delegation page", 24)
    if small:
        pytest.fail("Targets too small:\n" + "\n".join(small), pytrace=False)


@pytest.mark.parametrize("sized_page", WIDTHS, indirect=True)
def test_checkin_app_targets_are_at_least_48_px(live_server, sized_page, site):
    page, small = sized_page, []
    device, _token = create_device(name="Door 1", events=[site.event])
    page.goto(f"{live_server.url}/checkin/")
    expect(page.locator("#pair-screen")).to_be_visible()
    small += check(page, "unpaired", 48)
    page.fill("#pair-code", start_pairing(device))
    page.locator("#pair-form button[type=submit]").click()
    expect(page.locator("#scan-screen")).to_be_visible()
    page.locator(".ck-more summary").click()
    page.fill("#search", "Amara")
    expect(page.locator("#results li").first).to_be_visible()
    small += check(page, "paired", 48)
    if small:
        pytest.fail("Targets too small:\n" + "\n".join(small), pytrace=False)
