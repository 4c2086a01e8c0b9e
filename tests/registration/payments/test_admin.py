"""The "Bank refunds to send" screen: Finance lists the pending bank-transfer
refunds by event and marks each one sent, once, from the list or the order's page."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import (
    ActivityLog,
    CreditNote,
    OutboxMessage,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from registration.payments import services as payments
from tests.factories import EventFactory, UserFactory
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db

BILLING = payments.BillingData(
    name="City of Toulouse", address="1 Place du Capitole\n31000 Toulouse"
)


def member_of(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def finance(db):
    return member_of("Finance", "finance")


@pytest.fixture
def manager(db):
    return member_of("Registration managers", "manager")


def bank_refund(*, event=None, reason: str = "Visa refused") -> Refund:
    """A pending refund of an invoiced order paid by bank transfer."""
    order = make_order(payment_method="invoice", event=event)
    payments.request_invoice(order, billing=BILLING)
    payments.mark_paid_by_transfer(order, reference="IN-1", by=None)
    [refund] = payments.refund_order(
        order, amount=Decimal("100.00"), reason=reason, by=None
    )
    return refund


def card_refund(*, event) -> Refund:
    order = make_order(event=event)
    payment = Payment.objects.create(
        order=order,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.SUCCEEDED,
        amount=order.total,
        currency=order.currency,
        stripe_payment_intent_id="pi_walk",
        confirmed_at=timezone.now(),
    )
    return Refund.objects.create(
        payment=payment,
        order=order,
        amount=Decimal("50.00"),
        currency=order.currency,
        origin="staff",
        reason="Card",
    )


def listed(response) -> list[str]:
    return [refund.order.code for refund, _amount in response.context["refunds"]]


def test_the_list_shows_pending_bank_refunds_by_event(client, finance):
    conference = EventFactory(name="Annual Conference 2027", slug="ac-2027")
    summit = EventFactory(name="Youth Summit 2027", slug="ys-2027")
    first = bank_refund(event=conference)
    second = bank_refund(event=summit)
    done = bank_refund(event=conference)
    payments.mark_refund_sent(done, by=finance)
    card_refund(event=conference)
    client.force_login(finance)
    url = reverse("bank_refunds:index")

    everything = client.get(url)
    conference_only = client.get(url, {"event": conference.pk})
    unknown = client.get(url, {"event": "999999"})

    assert everything.status_code == 200
    assert listed(everything) == [first.order.code, second.order.code]
    assert listed(conference_only) == [first.order.code]
    assert unknown.status_code == 400
    assert unknown.context["filter_form"].errors == {
        "event": [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    }
    html = everything.content.decode()
    mark_sent = reverse("bank_refunds:mark_sent", args=[first.pk])
    assert f'href="{mark_sent}?from=list"' in html
    assert "USD 100.00" in html


def test_the_list_is_in_the_payments_menu_for_finance_only(client, finance, manager):
    client.force_login(finance)
    finance_home = client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(manager)
    manager_home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse("bank_refunds:index") in finance_home
    assert reverse("bank_refunds:index") not in manager_home


def test_marking_a_refund_sent_works_once_and_a_second_time_says_why(client, finance):
    refund = bank_refund()
    OutboxMessage.objects.all().delete()
    client.force_login(finance)
    url = reverse("bank_refunds:mark_sent", args=[refund.pk]) + "?from=list"

    page = client.get(url)
    first = client.post(url, {"reference": " OUT-77 "}, follow=True)
    second = client.post(url, {"reference": "OUT-78"}, follow=True)

    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["reference"]
    assert first.redirect_chain == [(reverse("bank_refunds:index"), 302)]
    assert messages_of(first) == [
        f"The refund of USD 100.00 for order {refund.order.code} is marked sent."
    ]
    assert listed(first) == []
    assert messages_of(second) == [
        "This refund is no longer pending (now: Succeeded); nothing changed."
    ]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert list(
        ActivityLog.objects.filter(action="refund.sent").values_list(
            "actor__username", "data"
        )
    ) == [("finance", {"refund": refund.pk, "reference": "OUT-77"})]
    assert list(OutboxMessage.objects.values_list("kind", "payload")) == [
        ("email.refund_issued", {"refund": refund.pk}),
        ("email.credit_note_issued", {"credit_note": CreditNote.objects.get().pk}),
    ]


def test_the_order_page_offers_mark_sent_and_leads_back_to_the_order(client, finance):
    refund = bank_refund()
    client.force_login(finance)
    inspect = reverse("orders:inspect", args=[refund.order.pk])
    url = reverse("bank_refunds:mark_sent", args=[refund.pk])

    before = client.get(inspect).content.decode()
    response = client.post(url, {"reference": ""})
    after = client.get(inspect).content.decode()

    assert f'href="{url}"' in before
    assert response.status_code == 302
    assert response.url == inspect
    assert f'href="{url}"' not in after
    assert ActivityLog.objects.get(action="refund.sent").data == {
        "refund": refund.pk,
        "reference": "",
    }


def test_a_card_refund_is_not_marked_sent_by_staff(client, finance):
    refund = card_refund(event=EventFactory())
    client.force_login(finance)
    url = reverse("bank_refunds:mark_sent", args=[refund.pk])

    page = client.get(url)
    response = client.post(url, {"reference": "OUT-1"}, follow=True)

    assert page.context["refusal"] == (
        "This refund goes back to a card: Stripe confirms it, not staff."
    )
    assert messages_of(response) == [
        "This refund goes back to a card: Stripe confirms it, not staff."
    ]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING


def test_staff_without_the_refund_permission_cannot_list_or_mark(client, manager):
    refund = bank_refund()
    client.force_login(manager)

    listing = client.get(reverse("bank_refunds:index"))
    page = client.get(reverse("bank_refunds:mark_sent", args=[refund.pk]))
    action = client.post(
        reverse("bank_refunds:mark_sent", args=[refund.pk]), {"reference": "OUT-1"}
    )
    order_page = client.get(reverse("orders:inspect", args=[refund.order.pk]))

    assert [refused(listing), refused(page), refused(action)] == [True, True, True]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING
    assert ActivityLog.objects.filter(action="refund.sent").count() == 0
    assert reverse("bank_refunds:mark_sent", args=[refund.pk]) not in (
        order_page.content.decode()
    )


def test_marking_sent_needs_the_csrf_token(finance):
    refund = bank_refund()
    client = Client(enforce_csrf_checks=True)
    client.force_login(finance)

    response = client.post(
        reverse("bank_refunds:mark_sent", args=[refund.pk]), {"reference": "OUT-1"}
    )

    assert response.status_code == 403
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING
