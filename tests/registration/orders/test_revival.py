"""Expired orders: the buyer is told when an unpaid hold runs out, and staff
revive an expired order or a declined application while its places are free
(orders/services/revival.py, the expiry in lifecycle.py, both e-mails)."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from registration.errors import InvalidTransition, SoldOut
from registration.models import (
    ActivityLog,
    Order,
    OrderStatus,
    PaymentMethod,
    WaitingListStatus,
)
from registration.orders import services as orders
from registration.outbox.mail import order_url
from registration.outbox.models import OutboxMessage
from registration.payments import services as payments
from registration.staff.services.api_tokens import create_api_token
from tests.factories import EventFactory, TicketTypeFactory, UserFactory
from tests.factories.registration_more import WaitingListEntryFactory
from tests.registration.conftest import attendee, buyer

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def colleague(db):
    """A member of staff (the services take no permission; the screens do)."""
    return UserFactory(username="colleague", is_staff=True)


@pytest.fixture
def send(django_capture_on_commit_callbacks, mailoutbox):
    """Run a service and return the e-mails it sent after commit."""

    def run(func, *args, **kwargs):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = func(*args, **kwargs)
        return result, list(mailoutbox)

    return run


def place(event, ticket_type, *, at, method=PaymentMethod.CARD, **buyer_data):
    return orders.place_order(
        event,
        buyer=buyer(**buyer_data),
        attendees=[attendee(ticket_type)],
        payment_method=method,
        now=at,
    )


def expired_order(event, ticket_type, *, now, **kwargs) -> Order:
    """An order whose hold ran out an hour ago, moved to expired by the job."""
    order = place(event, ticket_type, at=now - 2 * HOUR, **kwargs)
    orders.expire_orders(now=now)
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    return order


def declined_application(event, *, by, price="250.00") -> Order:
    youth = TicketTypeFactory(
        event=event, name="Youth delegate", price=price, requires_approval=True
    )
    order = place(event, youth, at=timezone.now(), method=PaymentMethod.INVOICE)
    orders.decline_order(order, by=by, reason="All places are taken.")
    return order


def translated(language: str, msgid: str, **values) -> str:
    with translation.override(language):
        text = gettext(msgid)
    assert text != msgid, f"no {language} translation of {msgid!r}"
    return text % values if values else text


def subject(language: str, msgid: str, **values) -> str:
    """A subject line as rendered: on one line, its spaces (French no-break
    spaces too) collapsed."""
    return " ".join(translated(language, msgid, **values).split())


def html(message) -> str:
    [(body, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return body


def register_url(event, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("registration:checkout", args=[event.slug])


# --- The expiry e-mail ---------------------------------------------------------------


def test_expiry_emails_each_expired_buyer_once_in_their_language(event, delegate, send):
    now = timezone.now()
    spanish = place(
        event, delegate, at=now - 2 * HOUR, language="es", email="ana@example.org"
    )
    french = place(
        event, delegate, at=now - 2 * HOUR, language="fr", email="luc@example.org"
    )
    still_held = place(event, delegate, at=now, email="fresh@example.org")
    canceled = place(event, delegate, at=now - 2 * HOUR, email="gone@example.org")
    orders.cancel_order(canceled, by=None, reason="duplicate")

    (first, sent) = send(orders.expire_orders, now=now)
    (second, sent_again) = send(orders.expire_orders, now=now)

    assert (first, second, sent_again) == (2, 0, [])
    assert sorted(message.to[0] for message in sent) == [
        "ana@example.org",
        "luc@example.org",
    ]
    assert OutboxMessage.objects.filter(kind="email.order_expired").count() == 2
    by_address = {message.to[0]: message for message in sent}
    for order, language in ((spanish, "es"), (french, "fr")):
        message = by_address[order.buyer_email]
        assert message.subject == subject(
            language,
            "Order expired: %(event)s (%(code)s)",
            event="Annual Conference",
            code=order.code,
        )
        released = translated(
            language,
            "The hold on your order %(code)s for %(event)s ran out before the "
            "payment arrived, so its places have been released.",
            code=order.code,
            event="Annual Conference",
        )
        assert released in message.body
        link = register_url(event, language)
        assert f"{translated(language, 'Register again')}: {link}\n" in message.body
        assert f'<a href="{link}"' in html(message)
    assert register_url(event, "es").startswith(f"{settings.SITE_URL}/es/register/")
    assert Order.objects.get(pk=still_held.pk).status == OrderStatus.PENDING
    assert Order.objects.get(pk=canceled.pk).status == OrderStatus.CANCELED


def test_expiry_email_says_registration_closed_instead_of_linking(send):
    now = timezone.now()
    event = EventFactory(name="Past Forum", registration_closes_at=now - HOUR)
    ticket = TicketTypeFactory(event=event)
    place(event, ticket, at=now - 3 * HOUR)

    _count, [message] = send(orders.expire_orders, now=now)

    assert (
        "Registration for Past Forum has closed. If you still wish to attend, "
        "please contact us." in message.body
    )
    assert "/register/" not in message.body
    assert "/register/" not in html(message)


def test_a_transfer_recorded_after_the_hold_ended_sends_no_expiry_email(
    event, delegate, colleague, send
):
    order = place(event, delegate, at=timezone.now(), method="invoice")
    after_the_term = order.expires_at + HOUR

    _result, sent = send(
        payments.mark_paid_by_transfer,
        order,
        reference="BANK-7",
        by=colleague,
        now=after_the_term,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # Moved to expired and paid in one transaction: the expiry notice is not due.
    assert OutboxMessage.objects.filter(kind="email.order_expired").count() == 1
    assert [message.subject for message in sent] == [
        f"Registration confirmed: Annual Conference ({order.code})",
        "You are registered for Annual Conference",
    ]


# --- Reviving ------------------------------------------------------------------------


def test_revive_an_expired_card_order_holds_it_again_and_sends_the_link(
    event, delegate, colleague, send
):
    now = timezone.now()
    order = expired_order(event, delegate, now=now, language="es")

    revived, [message] = send(orders.revive_order, order, by=colleague, now=now)

    assert revived.status == OrderStatus.PENDING
    assert revived.expires_at == now + timedelta(days=event.payment_term_days)
    order.refresh_from_db()
    assert (order.status, order.expires_at) == (OrderStatus.PENDING, revived.expires_at)
    entry = ActivityLog.objects.filter(object_id=str(order.pk)).first()
    assert (entry.action, entry.actor, entry.data) == (
        "order.pending",
        colleague,
        {"from": "expired", "to": "pending", "reason": "revived"},
    )
    assert message.to == ["buyer@example.org"]
    assert message.subject == subject(
        "es",
        "Your order is open again: %(event)s (%(code)s)",
        event="Annual Conference",
        code=order.code,
    )
    assert (
        translated(
            "es",
            "Our team has reopened your order %(code)s for %(event)s, and the places "
            "are available again.",
            code=order.code,
            event="Annual Conference",
        )
        in message.body
    )
    assert f"{translated('es', 'Pay now')}: {order_url(order)}\n" in message.body
    assert f'<a href="{order_url(order)}"' in html(message)


def test_revive_an_expired_invoice_order_holds_it_for_the_payment_term(
    event, delegate, colleague
):
    order = place(event, delegate, at=timezone.now(), method="invoice")
    now = order.expires_at + HOUR
    orders.expire_orders(now=now)
    order.refresh_from_db()

    orders.revive_order(order, by=colleague, now=now)

    assert order.status == OrderStatus.PENDING
    assert order.expires_at == now + timedelta(days=event.payment_term_days)


def test_revive_a_declined_application_as_approval_would(event, colleague, send):
    now = timezone.now()
    order = declined_application(event, by=colleague)
    assert order.declined_at is not None

    _order, [message] = send(orders.revive_order, order, by=colleague, now=now)

    order.refresh_from_db()
    assert (order.status, order.declined_at) == (OrderStatus.PENDING, None)
    assert order.expires_at == now + timedelta(days=event.payment_term_days)
    assert message.subject == (
        f"Your order is open again: Annual Conference ({order.code})"
    )
    assert ActivityLog.objects.filter(object_id=str(order.pk)).first().data == {
        "from": "canceled",
        "to": "pending",
        "reason": "revived",
    }


def test_reviving_a_free_declined_application_makes_it_paid(event, colleague, send):
    order = declined_application(event, by=colleague, price="0.00")

    _order, sent = send(orders.revive_order, order, by=colleague)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert [message.subject for message in sent] == [
        f"Registration confirmed: Annual Conference ({order.code})",
        "You are registered for Annual Conference",
    ]


def test_a_revived_order_that_expires_again_is_told_again(event, delegate, colleague):
    now = timezone.now()
    order = expired_order(event, delegate, now=now)
    revived = orders.revive_order(order, by=colleague, now=now)

    assert orders.expire_orders(now=revived.expires_at + HOUR) == 1
    assert OutboxMessage.objects.filter(kind="email.order_expired").count() == 2


@pytest.mark.parametrize(
    "status",
    [OrderStatus.PAID, OrderStatus.PENDING, OrderStatus.AWAITING_APPROVAL],
)
def test_revive_refuses_orders_that_are_not_expired_or_declined(
    event, delegate, colleague, status
):
    order = place(event, delegate, at=timezone.now())
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    logged = ActivityLog.objects.count()

    with pytest.raises(InvalidTransition) as refused:
        orders.revive_order(order, by=colleague)

    assert (refused.value.message, refused.value.code, refused.value.field) == (
        "Only an expired order or a declined application can be revived.",
        "invalid_transition",
        "status",
    )
    assert Order.objects.get(pk=order.pk).status == status
    assert ActivityLog.objects.count() == logged


def test_revive_refuses_an_order_the_buyer_canceled(event, delegate, colleague):
    order = place(event, delegate, at=timezone.now())
    payments.cancel_order_with_refund(
        order, by=None, reason="canceled by the buyer", as_buyer=True
    )
    order.refresh_from_db()

    with pytest.raises(InvalidTransition) as refused:
        orders.revive_order(order, by=colleague)

    assert (refused.value.code, refused.value.field) == ("not_declined", "status")
    assert refused.value.message == (
        "Only a declined application can be revived; this order was canceled, "
        "not declined."
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED


def test_an_application_canceled_rather_than_declined_stays_canceled(event, colleague):
    youth = TicketTypeFactory(event=event, requires_approval=True)
    order = place(event, youth, at=timezone.now(), method=PaymentMethod.INVOICE)
    orders.cancel_order(order, by=colleague, reason="Withdrawn by the city")

    assert orders.action_refusal(order, "revive").code == "not_declined"
    # The status writer holds the line too, whoever calls it.
    with pytest.raises(InvalidTransition) as refused:
        orders.transition_order(order, to=OrderStatus.PENDING, by=colleague)
    assert (refused.value.message, refused.value.code) == (
        "An order that is Canceled cannot become Pending payment.",
        "invalid_transition",
    )


def test_a_revived_declined_order_canceled_again_cannot_be_revived_twice(
    event, colleague
):
    order = declined_application(event, by=colleague)
    orders.revive_order(order, by=colleague)
    orders.cancel_order(order, by=colleague, reason="Duplicate")

    with pytest.raises(InvalidTransition) as refused:
        orders.revive_order(order, by=colleague)

    assert refused.value.code == "not_declined"


def test_a_declined_order_is_paid_only_by_reviving_it(event, colleague):
    order = declined_application(event, by=colleague)

    with pytest.raises(InvalidTransition) as refused:
        orders.mark_order_paid(order, by=colleague)

    assert (refused.value.code, refused.value.field) == ("invalid_transition", "status")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED


def test_the_migration_marks_applications_staff_canceled_as_declined(
    event, delegate, colleague
):
    youth = TicketTypeFactory(event=event, requires_approval=True)
    declined = declined_application(event, by=colleague)
    staff_canceled = place(event, youth, at=timezone.now(), method="invoice")
    orders.cancel_order(staff_canceled, by=colleague, reason="Withdrawn")
    buyer_withdrew = place(event, youth, at=timezone.now(), method="invoice")
    orders.cancel_order(buyer_withdrew, by=None, reason="canceled by the buyer")
    unpaid = place(event, delegate, at=timezone.now())
    orders.cancel_order(unpaid, by=colleague, reason="Duplicate")
    revived_then_canceled = declined_application(event, by=colleague)
    orders.revive_order(revived_then_canceled, by=colleague)
    orders.cancel_order(revived_then_canceled, by=colleague, reason="Changed plans")
    Order.objects.update(declined_at=None)
    migration = importlib.import_module(
        "registration.migrations.0019_order_declined_at"
    )

    migration.fill_declined_at(django_apps, None)

    marked = dict(Order.objects.values_list("pk", "declined_at"))
    decline_logged = ActivityLog.objects.filter(
        object_id=str(declined.pk), action="order.canceled"
    ).get()
    assert marked[declined.pk] == decline_logged.created_at
    assert {pk for pk, when in marked.items() if when is not None} == {
        declined.pk,
        staff_canceled.pk,
    }


def test_revive_refused_when_the_seats_went_to_someone_else(colleague, send):
    now = timezone.now()
    event = EventFactory(name="Workshop")
    ticket = TicketTypeFactory(event=event, name="Delegate", capacity=1)
    order = expired_order(event, ticket, now=now)
    place(event, ticket, at=now, email="quicker@example.org")

    with pytest.raises(SoldOut) as sold_out:
        send(orders.revive_order, order, by=colleague, now=now)

    assert (sold_out.value.message, sold_out.value.field) == (
        "Delegate is sold out.",
        "attendees",
    )
    order.refresh_from_db()
    assert (order.status, order.expires_at < now) == (OrderStatus.EXPIRED, True)
    assert not OutboxMessage.objects.filter(kind="email.order_revived").exists()


def test_revive_leaves_a_waiting_list_offer_its_place(event, colleague):
    now = timezone.now()
    ticket = TicketTypeFactory(event=event, name="Gala seat", capacity=1)
    order = expired_order(event, ticket, now=now)
    WaitingListEntryFactory(
        event=event,
        ticket_type=ticket,
        status=WaitingListStatus.OFFERED,
        offer_expires_at=now + 24 * HOUR,
    )

    with pytest.raises(SoldOut) as sold_out:
        orders.revive_order(order, by=colleague, now=now)

    assert sold_out.value.message == "Gala seat is sold out."
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


def test_revive_counts_the_order_against_the_event_capacity(colleague):
    now = timezone.now()
    event = EventFactory(name="Small Summit", capacity=1)
    ticket = TicketTypeFactory(event=event, name="Delegate", price=Decimal("90.00"))
    order = expired_order(event, ticket, now=now)
    place(event, ticket, at=now, email="other@example.org")

    with pytest.raises(SoldOut) as sold_out:
        orders.revive_order(order, by=colleague, now=now)

    assert sold_out.value.message == "Small Summit is sold out."


# --- The staff screen ----------------------------------------------------------------


def member_of(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.fixture
def manager(db):
    return member_of("Registration managers", "registrar")


def test_the_order_page_offers_revive_only_when_it_applies(
    client, manager, event, delegate
):
    now = timezone.now()
    expired = expired_order(event, delegate, now=now)
    pending = place(event, delegate, at=now)
    url = reverse("orders:revive", args=[expired.pk])
    client.force_login(manager)

    expired_page = client.get(reverse("orders:inspect", args=[expired.pk]))
    pending_page = client.get(reverse("orders:inspect", args=[pending.pk]))

    assert "Revive order" in [str(b.label) for b in expired_page.context["actions"]]
    assert url in expired_page.content.decode()
    assert "Revive order" not in [str(b.label) for b in pending_page.context["actions"]]


def test_revive_asks_for_confirmation_then_revives(
    client, manager, event, delegate, django_capture_on_commit_callbacks, mailoutbox
):
    now = timezone.now()
    order = expired_order(event, delegate, now=now)
    url = reverse("orders:revive", args=[order.pk])
    client.force_login(manager)

    page = client.get(url)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    assert b"the buyer gets the payment link again" in page.content
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    when = timezone.localtime(order.expires_at, event.tz).strftime("%Y-%m-%d %H:%M")
    assert [str(m) for m in response.context["messages"]] == [
        f"Order {order.code} is revived: pending payment until {when}."
    ]
    assert response.redirect_chain == [
        (reverse("orders:inspect", args=[order.pk]), 302)
    ]
    entry = ActivityLog.objects.filter(object_id=str(order.pk)).first()
    assert (entry.action, entry.actor) == ("order.pending", manager)
    assert [m.subject for m in mailoutbox] == [
        f"Your order is open again: Annual Conference ({order.code})"
    ]


def test_revive_when_the_places_are_gone_shows_why_and_changes_nothing(
    client, manager, event
):
    now = timezone.now()
    ticket = TicketTypeFactory(event=event, name="Delegate", capacity=1)
    order = expired_order(event, ticket, now=now)
    place(event, ticket, at=now, email="quicker@example.org")
    client.force_login(manager)

    response = client.post(reverse("orders:revive", args=[order.pk]))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Delegate is sold out."]
    assert b"Delegate is sold out." in response.content
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


def test_revive_of_a_paid_order_shows_the_refusal(client, manager, event, delegate):
    order = place(event, delegate, at=timezone.now())
    payments.mark_paid_by_transfer(order, reference="BANK-1", by=manager)
    url = reverse("orders:revive", args=[order.pk])
    client.force_login(manager)

    page = client.get(url)
    response = client.post(url, follow=True)

    refusal = "Only an expired order or a declined application can be revived."
    assert page.context["refusal"] == refusal
    assert [str(m) for m in response.context["messages"]] == [refusal]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


@pytest.mark.parametrize("group", ["Finance", "Youth protection", "Editors"])
def test_only_those_who_manage_orders_may_revive(
    client, event, delegate, group, manager
):
    order = expired_order(event, delegate, now=timezone.now())
    url = reverse("orders:revive", args=[order.pk])
    client.force_login(member_of(group, "someone"))

    page = client.get(url)
    action = client.post(url)

    assert [refused(page), refused(action)] == [True, True]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_revive_needs_the_csrf_token(manager, event, delegate):
    order = expired_order(event, delegate, now=timezone.now())
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("orders:revive", args=[order.pk]))

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


# --- The API -------------------------------------------------------------------------


def test_api_revives_an_expired_order(api, event, delegate):
    order = expired_order(event, delegate, now=timezone.now())

    response = api.post(f"/api/v1/orders/{order.code.lower()}/revive/")

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["status"]) == (order.code, "pending")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert ActivityLog.objects.filter(object_id=str(order.pk)).first().data == {
        "from": "expired",
        "to": "pending",
        "reason": "revived",
    }


def test_api_answers_409_naming_the_field_when_sold_out_or_refused(api, event):
    now = timezone.now()
    ticket = TicketTypeFactory(event=event, name="Delegate", capacity=1)
    expired = expired_order(event, ticket, now=now)
    paid = place(event, ticket, at=now, email="quicker@example.org")
    Order.objects.filter(pk=paid.pk).update(status=OrderStatus.PAID)

    sold_out = api.post(f"/api/v1/orders/{expired.code}/revive/")
    not_revivable = api.post(f"/api/v1/orders/{paid.code}/revive/")

    assert (sold_out.status_code, sold_out.json()) == (
        409,
        {"code": "sold_out", "detail": "Delegate is sold out.", "field": "attendees"},
    )
    assert (not_revivable.status_code, not_revivable.json()) == (
        409,
        {
            "code": "invalid_transition",
            "detail": "Only an expired order or a declined application can be revived.",
            "field": "status",
        },
    )


def test_api_revive_needs_the_change_order_permission(event, delegate):
    order = expired_order(event, delegate, now=timezone.now())
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="registration", codename="view_order"
        )
    )
    _token, raw = create_api_token(viewer, name="reader")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")

    response = client.post(f"/api/v1/orders/{order.code}/revive/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


def test_the_schema_documents_the_revive_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/orders/{code}/revive/"]["post"]
    assert sorted(operation["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "503",
    ]
