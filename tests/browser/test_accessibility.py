"""axe-core (vendored) on every page of the attendee's journey, in English and
Spanish: zero serious or critical WCAG 2.2 A/AA violations."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Locale

from registration.checkin.services.devices import create_device, start_pairing
from registration.models import CheckInList, Order
from tests.browser.a11y import build_event_site
from tests.browser.axe import assert_accessible, axe_violations
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.cms import build_site, event_index, event_page
from tests.factories.registration_more import ConsentTextFactory, YouthDetailsFactory
from tests.factories.travel import LedDelegationFactory
from tests.registration.checkin.conftest import make_attendee

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = {"en": "", "es": "/es"}


def translate_page(page, locale):
    copy = page.copy_for_translation(locale)
    copy.save_revision().publish()
    return copy


@pytest.fixture
def journey():
    """A published site with one open event, in English and Spanish."""
    now = timezone.now()
    event = EventFactory(
        name="Annual Conference",
        slug="conference",
        registration_opens_at=now - timezone.timedelta(days=1),
        registration_closes_at=now + timezone.timedelta(days=30),
    )
    delegate = TicketTypeFactory(event=event, name="Delegate", price=Decimal("450"))
    home = build_site()
    index = event_index(home)
    page = event_page(index, event)
    spanish, _ = Locale.objects.get_or_create(language_code="es")
    for original in (home, index, page):
        translate_page(original, spanish)
    return {"event": event, "delegate": delegate, "page": page}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages_and_every_checkout_step(live_server, page, journey, lang):
    base, prefix = live_server.url, LANGUAGES[lang]
    delegate = journey["delegate"]

    page.goto(f"{base}{prefix}/")
    assert_accessible(page, base, f"home ({lang})")
    page.goto(f"{base}{prefix}/events/conference/")
    assert_accessible(page, base, f"event page ({lang})")

    page.goto(f"{base}{prefix}/register/conference/")
    assert_accessible(page, base, f"checkout: tickets ({lang})")
    page.fill(f"[name=ticket_{delegate.pk}]", "1")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/attendees/")
    assert_accessible(page, base, f"checkout: attendees ({lang})")

    # Sent empty: the error summary and the fields' own errors.
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert_accessible(page, base, f"checkout: attendees with errors ({lang})")

    page.fill("[name='buyer.name']", "City of Toulouse")
    page.fill("[name='buyer.email']", "protocol@toulouse.example")
    page.fill("[name='attendees.0.given_name']", "Claire")
    page.fill("[name='attendees.0.family_name']", "Dubois")
    page.fill("[name='attendees.0.email']", "claire@example.org")
    invoice = page.locator("input[name=payment_method][value=invoice]")
    if invoice.count():  # offered as a choice only when cards are offered too
        invoice.check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/review/")
    assert_accessible(page, base, f"checkout: review ({lang})")

    page.fill("[name=billing_address]", "1 Place du Capitole, Toulouse")
    page.check("#f-privacy")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.wait_for_url("**/orders/**")
    assert Order.objects.count() == 1
    assert_accessible(page, base, f"order page ({lang})")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_consent_and_delegation_pages(live_server, page, lang):
    base, prefix = live_server.url, LANGUAGES[lang]
    event = EventFactory(name="Youth Leadership Summit", slug="summit")
    youth_ticket = TicketTypeFactory(
        event=event, name="Youth delegate", requires_guardian_consent=True
    )
    ConsentTextFactory(event=event)
    youth = YouthDetailsFactory(attendee=make_attendee(youth_ticket))
    delegation = LedDelegationFactory(event=event, name="Toulouse delegation")

    page.goto(f"{base}{prefix}/consent/{youth.consent_token}/")
    assert_accessible(page, base, f"consent form ({lang})")
    page.locator("form button[type=submit]").last.click()  # sent empty
    page.wait_for_load_state()
    assert_accessible(page, base, f"consent form with errors ({lang})")

    page.goto(f"{base}{prefix}/delegations/{delegation.secret}/")
    assert_accessible(page, base, f"delegation page ({lang})")


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_checkin_app_unpaired_paired_and_answering(live_server, browser, locale):
    base = live_server.url
    event = EventFactory(name="Annual Conference", slug="conf")
    CheckInList.objects.create(event=event, name="Main door")
    guest = make_attendee(
        TicketTypeFactory(event=event, name="Delegate"), badge_name="Amara Okafor"
    )
    device, _token = create_device(name="Door 1", events=[event])
    code = start_pairing(device)
    context = browser.new_context(locale=locale)
    page = context.new_page()
    try:
        page.goto(f"{base}/checkin/")
        assert_accessible(page, base, f"check-in app, unpaired ({locale})")
        page.fill("#pair-code", code)
        page.click("#pair-form button[type=submit]")
        page.locator("#scan-screen").wait_for()
        assert_accessible(page, base, f"check-in app, paired ({locale})")
        page.keyboard.type(guest.secret)
        page.keyboard.press("Enter")
        page.locator("#answer[data-status=ok]").wait_for()
        page.keyboard.press("Escape")
        # The red answer stays 6 s (the green one 2.5 s): time enough for axe.
        page.keyboard.type(guest.secret)
        page.keyboard.press("Enter")
        page.locator("#answer[data-code=already_checked_in]").wait_for()
        assert_accessible(page, base, f"check-in app, red answer ({locale})")
    finally:
        context.close()


def test_the_axe_check_catches_a_real_violation(live_server, page):
    # Guards the guard: an image without a text alternative must be reported.
    page.goto(f"{live_server.url}/checkin/")
    assert axe_violations(page, live_server.url) == []
    page.evaluate(
        "() => { const img = document.createElement('img');"
        " img.src = '/static/img/logo-white.svg'; document.body.prepend(img); }"
    )
    found = axe_violations(page, live_server.url)
    assert [v["id"] for v in found] == ["image-alt"]


@pytest.fixture
def site():
    return build_event_site()


def test_errors_are_announced_linked_to_their_fields_and_steps_said_in_words(
    live_server, page, site
):
    page.goto(f"{live_server.url}/register/{site.event.slug}/")
    page.fill(f"#ticket-{site.delegate.pk}", "1")
    page.locator("form[data-checkout-form] button[type=submit]").click()
    page.fill("#f-buyer-email", "not-an-address")
    page.locator("#main form button[type=submit]").last.click()

    # The summary is an alert, takes the focus and names each field in error.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    assert page.title().startswith("Error: Attendees · Annual Conference")
    email = page.locator("#f-buyer-email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Enter a valid e-mail address.")
    links = summary.locator("a")
    expect(links).to_have_text(
        [
            re.compile(r"^Attendee 1: Delegate · Given name: .+"),
            re.compile(r"^Buyer · Full name: .+"),
            "Buyer · E-mail: Enter a valid e-mail address.",
        ]
    )
    # Each link takes the keyboard to its field.
    page.keyboard.press("Tab")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#f-attendees-0-given_name")).to_be_focused()

    page.keyboard.type("Claire")
    page.fill("#f-buyer-name", "City of Toulouse")
    page.fill("#f-buyer-email", "protocol@toulouse.example")
    page.locator("#main form button[type=submit]").last.click()
    expect(page.locator("[data-testid=review-total]")).to_be_visible()
    # Steps behind are "completed" in words, not only in colour.
    expect(page.locator(".steps__item.is-done .visually-hidden")).to_have_text(
        [" (completed)", " (completed)"]
    )

    # Placing without the billing address and the privacy agreement: the
    # server's messages (the form has novalidate), summed up and linked.
    page.locator("#main form button[type=submit]").last.click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_text(
        [
            "Billing details for the invoice · Billing address: "
            "Enter the billing address.",
            re.compile(r"^I have read the privacy notice .+ event: Please agree .+"),
        ]
    )


def test_a_refused_pairing_code_is_tied_to_its_field(live_server, page):
    page.goto(f"{live_server.url}/checkin/")
    page.fill("#pair-code", "WRONG")
    page.click("#pair-form button[type=submit]")
    error = page.locator("#pair-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    code = page.locator("#pair-code")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(error.text_content())


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("es-ES", "es")])
def test_checkin_app_speaks_the_browsers_language(live_server, browser, locale, lang):
    # /checkin/ has no language prefix: Accept-Language decides.
    context = browser.new_context(locale=locale)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/checkin/")
    html_lang = page.get_attribute("html", "lang")
    context.close()
    assert (html_lang, response.headers["content-language"]) == (lang, lang)


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_motion_follows_the_users_setting(live_server, browser, site, motion):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    page.goto(f"{live_server.url}{site.event_path}")
    scrolling = page.evaluate(
        "() => getComputedStyle(document.documentElement).scrollBehavior"
    )
    page.goto(f"{live_server.url}/checkin/")
    page.locator("#pair-screen").wait_for()
    page.evaluate("() => { document.getElementById('answer').hidden = false; }")
    answer = page.evaluate(
        "() => getComputedStyle(document.getElementById('answer')).animationName"
    )
    context.close()
    expected = {"reduce": ("auto", "none"), "no-preference": ("smooth", "ck-pop")}
    assert (scrolling, answer) == expected[motion]
