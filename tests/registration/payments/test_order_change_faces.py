"""Changing a placed order through its faces: the staff "Change order" screen
(form → preview → confirm), `POST /api/v1/orders/<code>/changes/` with
`?preview=1`, and the buyer's "Add extras" and "Pay the balance" on the order
page. Bad input names its field and changes nothing."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registration.models import (
    Invoice,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
    PaymentMethod,
)
from registration.payments import services as payments
from registration.staff.services.api_tokens import create_api_token
from tests.factories import ExtraFactory, TicketTypeFactory, UserFactory
from tests.registration.payments.conftest import deliver, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(username="registrar", is_staff=True, is_superuser=True)


@pytest.fixture
def api(staff):
    _token, raw = create_api_token(staff, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def changes_url(order) -> str:
    return f"/api/v1/orders/{order.code}/changes/"


def test_the_api_previews_then_applies_a_change(api):
    order = make_order(prices=("450.00", "380.00"))
    a, b = order.attendees.order_by("pk")
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    body = {
        "operations": [
            {"op": "add_extra", "attendee": a.pk, "extra": gala.pk},
            {"op": "cancel_attendee", "attendee": b.pk},
        ]
    }

    preview = api.post(changes_url(order) + "?preview=1", body, format="json")
    assert preview.status_code == 200, preview.json()
    assert (preview.json()["old_total"], preview.json()["new_total"]) == (
        "830.00",
        "530.00",
    )
    assert not OrderChange.objects.exists()

    stale = api.post(
        changes_url(order), {**body, "expected_total": "999.00"}, format="json"
    )
    assert stale.status_code == 409
    applied = api.post(
        changes_url(order), {**body, "expected_total": "530.00"}, format="json"
    )
    assert applied.status_code == 201, applied.json()
    order.refresh_from_db()
    assert order.total == Decimal("530.00")
    assert order.attendees.count() == 1
    listed = api.get(changes_url(order)).json()
    assert [c["status"] for c in listed] == [OrderChangeStatus.APPLIED]


def test_the_api_names_the_field_of_a_bad_operation(api):
    order = make_order(prices=("450.00",))
    response = api.post(
        changes_url(order),
        {
            "operations": [
                {
                    "op": "change_ticket_type",
                    "attendee": order.attendees.get().pk,
                    "ticket_type": 0,
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert "operations.0.ticket_type" in response.json()["errors"]
    full = TicketTypeFactory(event=order.event, name="Observer", capacity=0)
    sold_out = api.post(
        changes_url(order),
        {
            "operations": [
                {
                    "op": "add_attendee",
                    "attendee": {
                        "ticket_type": full.pk,
                        "given_name": "Kofi",
                        "email": "kofi@example.org",
                    },
                }
            ]
        },
        format="json",
    )
    assert sold_out.status_code == 409
    assert sold_out.json()["code"] == "sold_out"


def test_the_api_needs_the_refund_permission_to_refund(fake_stripe, client, db):
    from django.contrib.auth.models import Permission

    order = make_order(prices=("450.00", "380.00"))
    payments.start_card_payment(
        order, success_url="https://x.example/ok", cancel_url="https://x.example/no"
    )
    payment = order.payments.get()
    deliver(
        client,
        fake_stripe.event(
            "checkout.session.completed", fake_stripe.pay(payment.stripe_session_id)
        ),
    )
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_order", "view_order"])
    )
    _token, raw = create_api_token(clerk, name="clerk")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    cancel = {
        "operations": [
            {
                "op": "cancel_attendee",
                "attendee": order.attendees.order_by("pk").last().pk,
            }
        ]
    }

    refused = api.post(changes_url(order), cancel, format="json")
    kept = api.post(
        changes_url(order), {**cancel, "refund_difference": False}, format="json"
    )

    assert refused.status_code == 403
    assert kept.status_code == 201, kept.json()
    assert kept.json()["settlement"]["kept"] == "380.00"


def test_the_admin_screen_previews_and_confirms(client, staff):
    order = make_order(
        prices=("450.00", "380.00"), payment_method=PaymentMethod.INVOICE
    )
    payments.request_invoice(
        order, billing=payments.BillingData(name="City of Lyon", address="1 Place")
    )
    a, b = order.attendees.order_by("pk")
    student = TicketTypeFactory(event=order.event, name="Student", price=Decimal("150"))
    client.force_login(staff)
    url = reverse("orders:change", args=[order.pk])
    form = {
        f"ticket_type_{a.pk}": str(student.pk),
        f"price_{a.pk}": "450.00",
        f"ticket_type_{b.pk}": str(b.ticket_type_id),
        f"price_{b.pk}": "380.00",
        "refund_difference": "on",
    }

    assert client.get(url).status_code == 200
    preview = client.post(url, form)
    assert preview.status_code == 200
    assert "Student" in preview.content.decode()
    assert "Confirm the change" in preview.content.decode()
    order.refresh_from_db()
    assert order.total == Decimal("830.00")

    done = client.post(url, {**form, "confirm": "530.00"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.total == Decimal("530.00")
    assert Invoice.objects.filter(order=order).count() == 2

    bad = client.post(url, {**form, f"price_{b.pk}": "-5"})
    assert bad.status_code == 400
    assert f'name="price_{b.pk}"' in bad.content.decode()


def test_the_admin_screen_puts_a_service_error_on_its_field(client, staff):
    order = make_order(prices=("450.00",))
    a = order.attendees.get()
    client.force_login(staff)
    response = client.post(
        reverse("orders:change", args=[order.pk]),
        {
            f"ticket_type_{a.pk}": str(a.ticket_type_id),
            f"price_{a.pk}": "100.00",
            "reason": "",
        },
    )
    assert response.status_code == 400
    assert "Give a reason for the new price." in response.content.decode()
    a.refresh_from_db()
    assert a.price == Decimal("450.00")


def test_a_buyer_adds_extras_to_an_unpaid_order_at_once(client):
    order = make_order(prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    attendee = order.attendees.get()
    url = reverse("registration:buy_extras", args=[order.code, order.secret])

    page = client.get(url)
    assert "Gala dinner" in page.content.decode()
    preview = client.post(url, {f"extras_{attendee.pk}": str(gala.pk)})
    assert "530.00" in preview.content.decode()
    done = client.post(
        url, {f"extras_{attendee.pk}": str(gala.pk), "confirm": "530.00"}
    )

    assert done.status_code == 302
    order.refresh_from_db()
    assert order.total == Decimal("530.00")
    assert attendee.attendeeextra_set.get().extra == gala
    nothing = client.post(url, {})
    assert nothing.status_code == 400


def test_a_buyer_of_a_paid_card_order_pays_for_extras_first(fake_stripe, client):
    order = make_order(prices=("450.00",))
    payments.start_card_payment(
        order, success_url="https://x.example/ok", cancel_url="https://x.example/no"
    )
    first = order.payments.get()
    deliver(
        client,
        fake_stripe.event(
            "checkout.session.completed", fake_stripe.pay(first.stripe_session_id)
        ),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    attendee = order.attendees.get()
    url = reverse("registration:buy_extras", args=[order.code, order.secret])

    response = client.post(
        url, {f"extras_{attendee.pk}": str(gala.pk), "confirm": "530.00"}
    )

    assert response.status_code == 302
    change = OrderChange.objects.get()
    assert change.status == OrderChangeStatus.AWAITING_PAYMENT
    assert not attendee.attendeeextra_set.exists()
    payment = order.payments.exclude(pk=first.pk).get()
    assert payment.amount == Decimal("80.00")
    assert response["Location"] == payment.checkout_url
    deliver(
        client,
        fake_stripe.event(
            "checkout.session.completed", fake_stripe.pay(payment.stripe_session_id)
        ),
    )
    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == OrderChangeStatus.APPLIED
    assert order.total == Decimal("530.00")
    assert attendee.attendeeextra_set.get().extra == gala
    assert payments.balance_due(order) == 0
    page = client.get(reverse("registration:order", args=[order.code, order.secret]))
    assert 'data-testid="balance-due"' not in page.content.decode()


def test_an_attendee_adds_extras_for_themselves_only(client):
    order = make_order(prices=("450.00", "380.00"))
    me, other = order.attendees.order_by("pk")
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    url = reverse("registration:own_extras", args=[me.secret])
    page = client.get(reverse("registration:attendee", args=[me.secret]))
    assert 'data-testid="own-extras"' in page.content.decode()

    someone_else = client.post(url, {f"extras_{other.pk}": str(gala.pk)})
    assert someone_else.status_code == 400
    done = client.post(url, {f"extras_{me.pk}": str(gala.pk), "confirm": "910.00"})

    assert done.status_code == 302
    assert me.attendeeextra_set.get().extra == gala
    assert not other.attendeeextra_set.exists()


def test_the_buyer_and_each_attendee_touched_are_told_in_their_language(
    staff, mailoutbox
):
    from registration.models import OutboxMessage
    from registration.outbox.services import deliver_message

    order = make_order(prices=("450.00", "380.00"))
    order.language = "es"
    order.save(update_fields=["language"])
    kept, canceled = order.attendees.order_by("pk")
    type(kept).objects.filter(pk=kept.pk).update(language="fr", email="ana@example.org")
    type(kept).objects.filter(pk=canceled.pk).update(
        language="en", email="bo@example.org"
    )
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    from registration.orders import services as orders

    orders.apply_change(
        order,
        [
            {"op": "add_extra", "attendee": kept.pk, "extra": gala.pk},
            {"op": "cancel_attendee", "attendee": canceled.pk},
        ],
        by=staff,
        as_staff=True,
    )
    for message in OutboxMessage.objects.filter(
        kind__in=["email.order_changed", "email.attendee_changed"]
    ):
        deliver_message(message.pk)

    by_address = {m.to[0]: m for m in mailoutbox}
    buyer = by_address["buyer@example.org"]
    assert buyer.subject.startswith("Su pedido")
    assert "Gala dinner" in buyer.body
    # Spanish writes the amount its own way (with a no-break space).
    assert re.search(r"530,00\sUSD", buyer.body)
    assert "Canceled" not in buyer.body
    assert "Gala dinner" in by_address["ana@example.org"].body
    assert (
        by_address["ana@example.org"].subject
        == f"Votre inscription à {order.event.name} a été modifiée"
    )
    assert (
        by_address["bo@example.org"].subject
        == f"Your registration for {order.event.name} has been canceled"
    )
