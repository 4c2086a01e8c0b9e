"""The volunteer app in headless Chromium: pair, scan by keyboard, go offline, upload."""

import re

import pytest
from playwright.sync_api import expect

from registration.checkin.services.devices import create_device, start_pairing
from registration.models import CheckIn, CheckInList
from tests.factories import EventFactory, TicketTypeFactory
from tests.registration.checkin.conftest import make_attendee

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def door():
    event = EventFactory(name="Annual Conference", slug="conf")
    return CheckInList.objects.create(event=event, name="Main door")


def test_pair_scan_twice_then_scan_offline_and_upload(live_server, page, door):
    delegate = TicketTypeFactory(event=door.event, name="Delegate")
    first = make_attendee(delegate, badge_name="Amara Okafor")
    second = make_attendee(delegate, badge_name="Jean Dupont")
    device, _token = create_device(name="Door 1", events=[door.event])
    code = start_pairing(device)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/checkin/")
    page.fill("#pair-code", code)
    page.click("#pair-form button[type=submit]")
    expect(page.locator("#scan-screen")).to_be_visible()
    expect(page.locator("#device-name")).to_have_text("Door 1")
    expect(page.locator("#stats")).to_have_text("0 / 2 checked in")

    # A USB scanner types the code and presses Enter into the focused field.
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(first.secret)
    page.keyboard.press("Enter")
    answer = page.locator("#answer")
    expect(answer).to_be_visible()
    expect(answer).to_have_attribute("data-status", "ok")
    expect(page.locator("#answer-name")).to_have_text("Amara Okafor")
    expect(page.locator("#answer-ticket")).to_have_text("Delegate")
    page.keyboard.press("Escape")
    expect(answer).to_be_hidden()

    page.keyboard.type(first.secret)
    page.keyboard.press("Enter")
    expect(answer).to_have_attribute("data-code", "already_checked_in")
    expect(answer).to_have_attribute("data-status", "error")
    expect(page.locator("#answer-message")).to_have_text(
        re.compile(r"Already checked in at \d\d:\d\d \(Main door, Door 1\)\.")
    )
    page.keyboard.press("Escape")

    page.context.set_offline(True)
    expect(page.locator("#net")).to_have_attribute("data-state", "offline")
    page.keyboard.type(second.secret)
    page.keyboard.press("Enter")
    expect(answer).to_have_attribute("data-status", "ok")
    expect(page.locator("#answer-name")).to_have_text("Jean Dupont")
    expect(page.locator("#answer-offline")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text("1 to upload")
    page.keyboard.press("Escape")
    assert CheckIn.objects.filter(attendee=second).count() == 0

    page.context.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-uploaded", "1")
    expect(page.locator("#queue-count")).to_be_hidden()
    expect(page.locator("#toast")).to_have_text("1 offline scans uploaded")
    uploaded = CheckIn.objects.get(attendee=second)
    assert (uploaded.result, uploaded.offline, uploaded.forced) == ("ok", True, True)
    assert CheckIn.objects.filter(attendee=first).count() == 2
    assert errors == []


def test_badges_scanned_before_the_lists_load_are_held_in_order_not_dropped(
    live_server, page, door
):
    delegate = TicketTypeFactory(event=door.event, name="Delegate")
    first = make_attendee(delegate, badge_name="Li Wei")
    second = make_attendee(delegate, badge_name="Ana Souza")
    device, _token = create_device(name="Door 2", events=[door.event])
    stalled = []  # the device's first call for its lists, held back by the test

    def stall_the_first_call(route):
        if stalled:
            route.continue_()
        else:
            stalled.append(route)

    page.route("**/api/v1/checkin/lists/", stall_the_first_call)

    page.goto(f"{live_server.url}/checkin/")
    page.fill("#pair-code", start_pairing(device))
    page.click("#pair-form button[type=submit]")
    expect(page.locator("#code")).to_be_focused()
    while not stalled:
        page.wait_for_timeout(20)
    # A USB scanner reads two badges, the first one twice, before the app can answer.
    for secret in (first.secret, first.secret, second.secret):
        page.keyboard.type(secret)
        page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(page.locator("#answer")).to_be_hidden()
    assert CheckIn.objects.count() == 0

    stalled[0].continue_()
    expect(page.locator("#answer-name")).to_have_text("Ana Souza")
    expect(page.locator("#answer")).to_have_attribute("data-status", "ok")
    admitted = CheckIn.objects.order_by("id")
    assert [(c.attendee_id, c.result) for c in admitted] == [
        (first.id, "ok"),
        (second.id, "ok"),
    ]


def test_app_page_sends_a_strict_csp_and_links_manifest_and_worker(live_server, page):
    response = page.goto(f"{live_server.url}/checkin/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    manifest = page.request.get(
        f"{live_server.url}/checkin/manifest.webmanifest"
    ).json()
    assert manifest["start_url"] == "/checkin/"
    worker = page.request.get(f"{live_server.url}/checkin/sw.js")
    assert worker.headers["content-type"].startswith("application/javascript")
    assert "/static/vendor/jsqr/jsQR.js" in worker.text()
    expect(page.locator("#pair-screen")).to_be_visible()
