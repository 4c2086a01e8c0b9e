"""Rate limits answer 429 with a retry time, per address (per device for check-in)."""

import pytest
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.models import CheckInList, OrderStatus
from tests.factories import AttendeeFactory, EventFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(name="Annual Conference", slug="conf")


def test_order_placement_is_limited_per_address(client, settings, event):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "orders": (2, 600)}
    url = "/api/v1/events/conf/orders/"
    codes = [client.post(url, {}, content_type="application/json").status_code]
    codes.append(client.post(url, {}, content_type="application/json").status_code)
    third = client.post(url, {}, content_type="application/json")
    # The API wants a staff token; unauthenticated attempts count all the same.
    assert codes == [401, 401]
    assert third.status_code == 429
    body = third.json()
    assert body["code"] == "rate_limited"
    assert 1 <= body["retry_after"] <= 600
    assert third["Retry-After"] == str(body["retry_after"])
    # Another address is not affected.
    other = client.post(
        url, {}, content_type="application/json", REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 401


def test_checkout_review_posts_count_as_order_attempts(client, settings, event):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "orders": (1, 600)}
    url = "/register/conf/review/"
    assert client.post(url, {}).status_code != 429
    refused = client.post(url, {})
    assert refused.status_code == 429
    minutes = -(-int(refused["Retry-After"]) // 60)
    assert f"Please try again in {minutes} minute(s)." in refused.content.decode()


def test_voucher_attempts_are_limited_but_plain_ticket_choices_are_not(
    client, settings, event
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "codes": (3, 600)}
    url = "/register/conf/"
    for _attempt in range(5):
        assert client.post(url, {"voucher": ""}).status_code == 400
    answers = [client.post(url, {"voucher": f"GUESS{n}"}).status_code for n in range(4)]
    assert answers == [400, 400, 400, 429]


def test_wrong_secret_links_lock_the_address_out_of_every_secret_link(
    client, settings, event
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "link_misses": (3, 600)}
    order = OrderFactory(event=event, status=OrderStatus.PAID)
    good = f"/orders/{order.code}/{order.secret}/"
    assert client.get(good).status_code == 200
    wrong_last = "Y" if order.secret.endswith("X") else "X"
    misses = [
        client.get(
            f"/orders/{order.code}/{order.secret[:-1]}{wrong_last}/"
        ).status_code,
        client.get(f"/orders/{order.code}/{order.secret[:10]}/").status_code,
        client.get("/consent/NOT-A-TOKEN/").status_code,
    ]
    assert misses == [404, 404, 404]
    assert client.get(good).status_code == 429
    assert client.get(good, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_behind_a_proxy_the_address_the_proxy_saw_is_counted(client, settings, event):
    settings.BEHIND_PROXY = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "link_misses": (1, 600)}
    spoofed_then_real = "1.2.3.4, 192.0.2.10"
    client.get("/consent/NOPE/", HTTP_X_FORWARDED_FOR=spoofed_then_real)
    # A different first entry (chosen by the client) does not escape the limit.
    again = client.get("/consent/NOPE/", HTTP_X_FORWARDED_FOR="5.6.7.8, 192.0.2.10")
    assert again.status_code == 429
    elsewhere = client.get("/consent/NOPE/", HTTP_X_FORWARDED_FOR="192.0.2.11")
    assert elsewhere.status_code == 404


def test_checkin_scans_are_limited_per_device(settings, event):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "checkin": (2, 3600)}
    door = CheckInList.objects.create(event=event, name="Main door")
    guest = AttendeeFactory(order=OrderFactory(event=event, status=OrderStatus.PAID))
    first, second = APIClient(), APIClient()
    first.credentials(
        HTTP_AUTHORIZATION=f"Device {create_device(name='A', events=[event])[1]}"
    )
    second.credentials(
        HTTP_AUTHORIZATION=f"Device {create_device(name='B', events=[event])[1]}"
    )
    body = {"secret": guest.secret, "list": door.pk}
    codes = [
        first.post(
            "/api/v1/checkin/redeem/", {**body, "nonce": f"nonce-000{n}"}, format="json"
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    other = second.post(
        "/api/v1/checkin/redeem/", {**body, "nonce": "nonce-1000"}, format="json"
    )
    assert other.status_code == 200
    assert other.json()["code"] == "already_checked_in"


def test_rate_limits_can_be_turned_off(client, settings, event):
    settings.RATE_LIMITS_ENABLED = False
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "link_misses": (1, 600)}
    for _attempt in range(3):
        assert client.get("/consent/NOPE/").status_code == 404


def test_failed_staff_sign_ins_lock_the_name_out_even_from_other_addresses(
    client, settings
):
    from tests.factories import UserFactory

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failures": (3, 900)}
    staff = UserFactory(username="finance.lead", is_staff=True)
    staff.set_password("correct horse battery staple")
    staff.save()
    for n in range(3):
        wrong = client.post(
            "/admin/login/",
            {"username": "Finance.Lead", "password": f"guess{n}"},
            REMOTE_ADDR=f"192.0.2.{n}",
        )
        assert wrong.status_code == 200  # the form again, with its error
    locked = client.post(
        "/admin/login/",
        {"username": "finance.lead", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.1",
    )
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) <= 900
    # Another account is not locked.
    other = UserFactory(username="editor", is_staff=True)
    other.set_password("another long password")
    other.save()
    signed_in = client.post(
        "/admin/login/", {"username": "editor", "password": "another long password"}
    )
    assert signed_in.status_code == 302
