"""Disputed card payments and charged amounts that differ: flagged for staff on
the Orders screen and the dashboard; staff block the order's tickets at the
door (and unblock them). Stripe is faked at its HTTP layer; every webhook is
signed with the real HMAC scheme (conftest.deliver)."""

import secrets

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.models import (
    ActivityLog,
    CheckIn,
    CheckInList,
    CheckInResult,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from registration.orders import selectors
from registration.payments import services as payments
from tests.factories import UserFactory
from tests.registration.payments.conftest import deliver, make_order

pytestmark = pytest.mark.django_db

URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


def paid_order(fake_stripe, client, **kwargs) -> tuple[Order, Payment]:
    order = make_order(**kwargs)
    payments.start_card_payment(order, **URLS)
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    deliver(client, fake_stripe.event("checkout.session.completed", session))
    payment.refresh_from_db()
    order.refresh_from_db()
    return order, payment


def dispute_event(fake_stripe, client, event_type: str, dispute: dict):
    response = deliver(client, fake_stripe.event(event_type, dispute))
    assert response.status_code == 200, response.content
    return response.json()["outcome"]


def flags_of(order: Order) -> dict[str, str]:
    annotated = selectors.with_order_flags(Order.objects.filter(pk=order.pk)).get()
    return {
        flag: reason for flag, _label, reason in selectors.order_flag_items(annotated)
    }


def flagged_codes(flag: str) -> list[str]:
    return sorted(
        Order.objects.filter(selectors.order_flag_q(flag)).values_list(
            "code", flat=True
        )
    )


@pytest.fixture
def manager(db):
    user = UserFactory(username="manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Registration managers"))
    return user


def test_a_dispute_flags_the_order_until_stripe_decides_it_for_us(fake_stripe, client):
    order, payment = paid_order(fake_stripe, client)
    dispute = fake_stripe.open_dispute(payment.stripe_payment_intent_id)

    assert dispute_event(fake_stripe, client, "charge.dispute.created", dispute) == (
        "processed"
    )
    # Stripe sends a second, different event for the same dispute: nothing new.
    dispute_event(fake_stripe, client, "charge.dispute.created", dispute)

    payment.refresh_from_db()
    assert (
        payment.dispute_id,
        payment.dispute_reason,
        payment.dispute_status,
        payment.dispute_funds_withdrawn,
    ) == (dispute["id"], "fraudulent", "needs_response", False)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert flags_of(order) == {"payment_disputed": "fraudulent, Needs a response"}
    assert flagged_codes("payment_disputed") == [order.code]
    # The dispute was read again from Stripe, not taken from the event.
    assert f"/v1/disputes/{dispute['id']}" in [
        r.path for r in fake_stripe.requests if r.method == "GET"
    ]

    fake_stripe.move_dispute(dispute["id"], funds="withdrawn")
    dispute_event(fake_stripe, client, "charge.dispute.funds_withdrawn", dispute)
    fake_stripe.move_dispute(dispute["id"], status="under_review")
    dispute_event(fake_stripe, client, "charge.dispute.updated", dispute)
    payment.refresh_from_db()
    assert (payment.dispute_status, payment.dispute_funds_withdrawn) == (
        "under_review",
        True,
    )
    assert flags_of(order) == {"payment_disputed": "fraudulent, Under review"}

    fake_stripe.move_dispute(dispute["id"], status="won", funds="reinstated")
    dispute_event(fake_stripe, client, "charge.dispute.closed", dispute)
    dispute_event(fake_stripe, client, "charge.dispute.funds_reinstated", dispute)

    payment.refresh_from_db()
    assert (payment.dispute_status, payment.dispute_funds_withdrawn) == ("won", False)
    assert flags_of(order) == {}
    assert flagged_codes("payment_disputed") == []
    assert list(
        ActivityLog.objects.filter(action__startswith="payment.disput")
        .order_by("pk")
        .values_list("action", "data__status")
    ) == [
        ("payment.disputed", "needs_response"),
        ("payment.dispute_updated", "needs_response"),
        ("payment.dispute_updated", "under_review"),
        ("payment.dispute_closed", "won"),
    ]


def test_a_lost_dispute_arriving_first_stays_flagged_until_the_tickets_are_blocked(
    fake_stripe, client, manager
):
    order, payment = paid_order(fake_stripe, client)
    dispute = fake_stripe.open_dispute(
        payment.stripe_payment_intent_id, reason="product_not_received"
    )
    fake_stripe.move_dispute(dispute["id"], status="lost", funds="withdrawn")

    # Events out of order: the closing one first, the opening one later.
    dispute_event(fake_stripe, client, "charge.dispute.closed", dispute)
    dispute_event(fake_stripe, client, "charge.dispute.created", dispute)

    payment.refresh_from_db()
    assert (payment.dispute_status, payment.dispute_funds_withdrawn) == ("lost", True)
    assert flags_of(order) == {"payment_disputed": "product not received, Lost"}

    client.force_login(manager)
    block = reverse("orders:block_tickets", args=[order.pk])
    client.post(block, {"reason": "Chargeback lost"})

    assert flags_of(order) == {}
    assert ActivityLog.objects.filter(action="order.tickets_blocked").count() == 1


def test_the_orders_screen_and_the_dashboard_show_the_dispute(
    fake_stripe, client, manager
):
    order, payment = paid_order(fake_stripe, client)
    other, _payment = paid_order(fake_stripe, client)
    dispute = fake_stripe.open_dispute(payment.stripe_payment_intent_id)
    dispute_event(fake_stripe, client, "charge.dispute.created", dispute)
    superuser = UserFactory(username="admin", is_staff=True, is_superuser=True)

    client.force_login(manager)
    listing = client.get(reverse("orders:index"), {"flagged": "payment_disputed"})
    page = listing.content.decode()
    assert listing.status_code == 200
    assert order.code in page and other.code not in page
    assert (
        '<small data-flag-reason="payment_disputed">fraudulent, Needs a response'
        in (page)
    )
    detail = client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert "Payment disputed (fraudulent, Needs a response)" in detail

    client.force_login(superuser)
    record = client.get(reverse("payment_records:inspect", args=[payment.pk]))
    assert record.status_code == 200
    assert "Needs a response" in record.content.decode()
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    link = (
        f"{reverse('orders:index')}?event={order.event_id}&amp;flagged=payment_disputed"
    )
    assert f'<td data-disputed><a href="{link}">1</a></td>' in dashboard


def test_a_charged_amount_that_differs_is_stored_and_flagged_with_its_reason(
    fake_stripe, client, manager
):
    order = make_order()
    payments.start_card_payment(order, **URLS)
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    session["amount_total"] = 40000  # Stripe says it charged 400.00, not 450.00.

    deliver(client, fake_stripe.event("checkout.session.completed", session))

    payment.refresh_from_db()
    assert (str(payment.charged_amount), payment.charged_currency) == (
        "400.00",
        "USD",
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    reason = "Stripe charged USD 400.00; the order total is USD 450.00."
    assert flags_of(order) == {"amount_mismatch": reason}
    client.force_login(manager)
    page = client.get(
        reverse("orders:index"), {"flagged": "amount_mismatch"}
    ).content.decode()
    assert order.code in page and reason in page
    # "Any flag" finds it too.
    assert (
        order.code
        in client.get(reverse("orders:index"), {"flagged": "any"}).content.decode()
    )


def scan(api, door) -> dict:
    response = api.post(
        "/api/v1/checkin/redeem/",
        {
            "list": door.pk,
            "nonce": secrets.token_hex(8),
            "secret": door.guest_secret,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_blocked_tickets_are_refused_at_the_door_until_unblocked(
    fake_stripe, client, manager
):
    cache.clear()  # the device API's throttles
    order, _payment = paid_order(fake_stripe, client)
    door = CheckInList.objects.create(event=order.event, name="Main door")
    door.guest_secret = order.attendees.get().secret
    _device, token = create_device(name="Door 1", events=[order.event])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    client.force_login(manager)
    block = reverse("orders:block_tickets", args=[order.pk])
    unblock = reverse("orders:unblock_tickets", args=[order.pk])

    confirm = client.get(block)
    assert confirm.status_code == 200
    assert "Yes, block the tickets" in confirm.content.decode()
    assert 'name="csrfmiddlewaretoken"' in confirm.content.decode()
    # Not through a GET, and not without a reason (what was typed is kept).
    assert Order.objects.get(pk=order.pk).tickets_blocked is False
    empty = client.post(block, {"reason": " "})
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()

    done = client.post(block, {"reason": "Card reported stolen"})
    assert (done.status_code, done.url) == (
        302,
        reverse("orders:inspect", args=[order.pk]),
    )
    assert Order.objects.get(pk=order.pk).tickets_blocked is True
    [entry] = ActivityLog.objects.filter(action="order.tickets_blocked")
    assert (entry.actor, entry.data) == (manager, {"reason": "Card reported stolen"})
    again = client.post(block, {"reason": "twice"})
    assert again.status_code == 302
    assert ActivityLog.objects.filter(action="order.tickets_blocked").count() == 1

    answer = scan(api, door)
    assert (answer["status"], answer["code"], answer["message"]) == (
        "error",
        "blocked",
        "This ticket is blocked: send the guest to the help desk.",
    )
    sync = api.get(f"/api/v1/checkin/lists/{door.pk}/sync/").json()
    assert [entry["standing"] for entry in sync["attendees"]] == ["blocked"]
    assert CheckIn.objects.get().result == CheckInResult.BLOCKED
    page = client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert "data-tickets-blocked" in page and unblock in page

    assert client.get(unblock).status_code == 200
    client.post(unblock, {"reason": "Dispute withdrawn"})
    assert Order.objects.get(pk=order.pk).tickets_blocked is False
    assert ActivityLog.objects.filter(action="order.tickets_unblocked").count() == 1
    assert scan(api, door)["code"] == "ok"


def test_blocking_needs_the_csrf_token(fake_stripe, client, manager):
    from django.test import Client

    order, _payment = paid_order(fake_stripe, client)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)

    response = strict.post(
        reverse("orders:block_tickets", args=[order.pk]), {"reason": "x"}
    )

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).tickets_blocked is False


def test_every_flag_filter_finds_exactly_the_orders_its_annotation_marks(
    fake_stripe, client
):
    """Walks every OrderFlag: the Orders filter (order_flag_q) and the row
    annotation agree, and each has a label for the filter's choices."""
    from registration.orders.admin.orders import FLAG_CHOICES

    disputed, payment = paid_order(fake_stripe, client)
    dispute = fake_stripe.open_dispute(payment.stripe_payment_intent_id)
    dispute_event(fake_stripe, client, "charge.dispute.created", dispute)
    won, payment = paid_order(fake_stripe, client)
    dispute = fake_stripe.open_dispute(payment.stripe_payment_intent_id)
    fake_stripe.move_dispute(dispute["id"], status="won")
    dispute_event(fake_stripe, client, "charge.dispute.created", dispute)
    lost_canceled, payment = paid_order(fake_stripe, client)
    dispute = fake_stripe.open_dispute(payment.stripe_payment_intent_id)
    fake_stripe.move_dispute(dispute["id"], status="lost")
    dispute_event(fake_stripe, client, "charge.dispute.created", dispute)
    Order.objects.filter(pk=lost_canceled.pk).update(status=OrderStatus.CANCELED)
    mismatched = make_order()
    Payment.objects.create(
        order=mismatched,
        provider="stripe",
        status=PaymentStatus.SUCCEEDED,
        amount=mismatched.total,
        currency="USD",
        charged_amount=mismatched.total - 1,
        charged_currency="USD",
    )
    plain = make_order()

    assert [value for value, _label in FLAG_CHOICES] == [
        "any",
        *selectors.OrderFlag,
    ]
    rows = list(selectors.staff_order_list())
    for flag in selectors.OrderFlag:
        assert flag in selectors.ORDER_FLAG_LABELS
        annotated = sorted(o.code for o in rows if flag in selectors.order_flags(o))
        assert flagged_codes(flag) == annotated, flag
    assert flagged_codes("payment_disputed") == [disputed.code]
    assert flagged_codes("amount_mismatch") == [mismatched.code]
    assert plain.code not in Order.objects.filter(selectors.order_flag_q()).values_list(
        "code", flat=True
    )
    assert won.code not in flagged_codes("payment_disputed")


def test_every_door_answer_has_a_message_and_a_check_in_app_string():
    """Walks CheckInResult: the scan's message and the app's translated label."""
    from django.conf import settings

    from registration.checkin.services.scans import _message

    app = (
        settings.BASE_DIR / "templates" / "registration" / "checkin" / "app.html"
    ).read_text()
    door = CheckInList(name="Main door")
    for code in CheckInResult.values:
        if code in {CheckInResult.OK, CheckInResult.WRONG_EVENT}:
            continue  # they name the scanned person or their event
        assert _message(
            code, checkin_list=door, attendee=None, type="entry", previous=None
        )
    for code in CheckInResult.values:
        assert f'<data value="{code}">' in app, code
