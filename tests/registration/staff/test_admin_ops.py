"""Staff operations in the admin: order filters and flags, the order's
page, its actions, attendee filters, bulk vouchers, waiting-list actions, and
which staff group may do what."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registration.models import (
    ActivityLog,
    Answer,
    AttendeeExtra,
    CheckIn,
    CheckInList,
    CheckInResult,
    Device,
    GuardianConsent,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
    Voucher,
    VoucherKind,
    WaitingListStatus,
)
from registration.orders import selectors
from tests.factories import (
    AttendeeFactory,
    DelegationFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import (
    ConsentTextFactory,
    WaitingListEntryFactory,
    YouthDetailsFactory,
)

pytestmark = pytest.mark.django_db

MEDICAL = "Asthma; inhaler in the backpack"
GROUPS = {
    "manager": "Registration managers",
    "finance": "Finance",
    "youth": "Youth protection",
    "travel": "Travel desk",
    "door": "Check-in supervisors",
    "editor": "Editors",
}


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
def staff(db):
    return {key: member_of(name, key) for key, name in GROUPS.items()}


@pytest.fixture
def event(db):
    return EventFactory(name="Annual Conference 2027", slug="ac-2027")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(event=event, name="Delegate", price=Decimal("450.00"))


@pytest.fixture
def youth_ticket(event):
    return TicketTypeFactory(
        event=event, name="Youth delegate", requires_guardian_consent=True
    )


@pytest.fixture
def gala(event):
    return ExtraFactory(event=event, name="Gala dinner")


def codes(response) -> list[str]:
    return sorted(str(row) for row in response.context["object_list"])


def names(response) -> list[str]:
    return sorted(row.badge_name for row in response.context["object_list"])


def door_scan(attendee, *, result=CheckInResult.OK, forced=False, nonce="n1"):
    door, _created = CheckInList.objects.get_or_create(
        event=attendee.order.event, name="Main door"
    )
    device, _created = Device.objects.get_or_create(name="Door 1")
    return CheckIn.objects.create(
        checkin_list=door,
        attendee=attendee,
        result=result,
        device=device,
        nonce=nonce,
        scanned_at=timezone.now(),
        forced=forced,
    )


def invoice_for(order, *, due_on: date) -> Invoice:
    return Invoice.objects.create(
        order=order,
        number=f"2027-{order.pk:04d}",
        year=2027,
        sequence=order.pk,
        issued_on=due_on - timedelta(days=30),
        due_on=due_on,
        billing_name="City of Toulouse",
        billing_address="1 Place du Capitole",
        currency=order.currency,
        total=order.total,
    )


# --- Orders: date filter, flags ---------------------------------------------------------


def test_order_listing_filters_by_the_date_placed(client, staff, event):
    for code, day in (("MAR01", 1), ("MAR15", 15), ("APR01", 32)):
        order = OrderFactory(event=event, code=code)
        Order.objects.filter(pk=order.pk).update(
            created_at=datetime(2027, 3, 1, 12, tzinfo=UTC) + timedelta(days=day - 1)
        )
    client.force_login(staff["manager"])

    response = client.get(
        reverse("orders:index"),
        {"created_at_from": "2027-03-01", "created_at_to": "2027-03-15"},
    )

    assert codes(response) == ["MAR01", "MAR15"]


@pytest.fixture
def flagged_orders(event, delegate, youth_ticket):
    """One order per flag, and one with none."""
    consent = OrderFactory(event=event, code="CONSENT")
    AttendeeFactory(order=consent, ticket_type=youth_ticket)
    OrderFactory(event=event, code="APPLY", status=OrderStatus.AWAITING_APPROVAL)
    overdue = OrderFactory(
        event=event, code="OVERDUE", status=OrderStatus.PENDING, total=Decimal("450")
    )
    invoice_for(overdue, due_on=timezone.localdate() - timedelta(days=1))
    not_yet = OrderFactory(
        event=event, code="DUESOON", status=OrderStatus.PENDING, total=Decimal("450")
    )
    invoice_for(not_yet, due_on=timezone.localdate() + timedelta(days=1))
    conflict = OrderFactory(event=event, code="CONFLICT")
    door_scan(
        AttendeeFactory(order=conflict, ticket_type=delegate),
        result=CheckInResult.ALREADY_CHECKED_IN,
        forced=True,
    )
    fine = OrderFactory(event=event, code="FINE")
    door_scan(AttendeeFactory(order=fine, ticket_type=delegate), nonce="n2")
    # A canceled order's missing consent is nobody's concern any more.
    dropped = OrderFactory(event=event, code="DROPPED", status=OrderStatus.CANCELED)
    AttendeeFactory(order=dropped, ticket_type=youth_ticket)


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("any", ["APPLY", "CONFLICT", "CONSENT", "OVERDUE"]),
        ("consent_missing", ["CONSENT"]),
        ("awaiting_approval", ["APPLY"]),
        ("invoice_overdue", ["OVERDUE"]),
        ("checkin_conflict", ["CONFLICT"]),
    ],
)
def test_order_listing_filters_flagged_orders(
    client, staff, flagged_orders, flag, expected
):
    client.force_login(staff["manager"])

    response = client.get(reverse("orders:index"), {"flagged": flag})

    assert codes(response) == expected


def test_order_listing_shows_each_orders_flags(client, staff, flagged_orders):
    client.force_login(staff["manager"])

    response = client.get(reverse("orders:index"))

    html = response.content.decode()
    assert html.count('data-flag="consent_missing"') == 1
    assert html.count('data-flag="awaiting_approval"') == 1
    assert html.count('data-flag="invoice_overdue"') == 1
    assert html.count('data-flag="checkin_conflict"') == 1


def _orders_with_people(event, ticket_type, youth_ticket, gala, n, start):
    for i in range(start, start + n):
        order = OrderFactory(event=event, code=f"Q{i:04d}")
        person = AttendeeFactory(order=order, ticket_type=ticket_type)
        AttendeeExtra.objects.create(attendee=person, extra=gala)
        youth = AttendeeFactory(order=order, ticket_type=youth_ticket)
        YouthDetailsFactory(attendee=youth)
        invoice_for(order, due_on=date(2027, 1, 1))
        door_scan(person, nonce=f"scan-{i}")


@pytest.mark.parametrize("url_name", ["orders:index", "attendees:index"])
def test_order_and_attendee_lists_run_the_same_queries_for_5_and_50_orders(
    client, staff, event, delegate, youth_ticket, gala, url_name
):
    client.force_login(staff["manager"])
    url = reverse(url_name)
    _orders_with_people(event, delegate, youth_ticket, gala, 5, 0)
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as five:
        small = client.get(url)
    _orders_with_people(event, delegate, youth_ticket, gala, 45, 5)
    with CaptureQueriesContext(connection) as fifty:
        large = client.get(url)

    assert small.status_code == large.status_code == 200
    assert len(large.context["object_list"]) > len(small.context["object_list"])
    assert len(fifty) == len(five)


# --- Orders: the order's page -----------------------------------------------------------


@pytest.fixture
def full_order(event, delegate, youth_ticket, gala):
    """A paid order by bank transfer with a refund, an invoice, answers, extras,
    a youth delegate with medical notes, and an activity log."""
    order = OrderFactory(
        event=event,
        code="FULL01",
        total=Decimal("900.00"),
        buyer_name="Claire Dubois",
        payment_method=PaymentMethod.INVOICE,
    )
    adult = AttendeeFactory(
        order=order, ticket_type=delegate, given_name="Claire", family_name="Dubois"
    )
    AttendeeExtra.objects.create(attendee=adult, extra=gala)
    Answer.objects.create(
        attendee=adult,
        question=QuestionFactory(event=event, label="Dietary needs"),
        value="Vegetarian",
    )
    teen = AttendeeFactory(
        order=order, ticket_type=youth_ticket, given_name="Léo", family_name="Dubois"
    )
    YouthDetailsFactory(
        attendee=teen, date_of_birth=date(2011, 6, 2), medical_notes=MEDICAL
    )
    payment = Payment.objects.create(
        order=order,
        provider=PaymentProvider.BANK_TRANSFER,
        status=PaymentStatus.SUCCEEDED,
        amount=Decimal("900.00"),
        currency="USD",
        reference="BANK-7781",
        confirmed_at=timezone.now(),
    )
    Refund.objects.create(
        payment=payment,
        order=order,
        amount=Decimal("100.00"),
        currency="USD",
        status=RefundStatus.SUCCEEDED,
        origin="staff",
        reason="Gala dinner canceled",
    )
    invoice_for(order, due_on=date(2027, 5, 1))
    ActivityLog.objects.create(
        action="order.paid",
        content_type_id=_content_type_id(order),
        object_id=str(order.pk),
        data={"from": "pending", "to": "paid"},
    )
    return order


def _content_type_id(instance) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(instance).pk


def test_order_page_shows_attendees_answers_payments_refunds_invoice_and_log(
    client, staff, full_order
):
    client.force_login(staff["manager"])

    response = client.get(reverse("orders:inspect", args=[full_order.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert [a.badge_name for a in response.context["attendees"]] == [
        "Claire Dubois",
        "Léo Dubois",
    ]
    assert "Gala dinner" in html
    assert "Vegetarian" in html
    assert "BANK-7781" in html
    assert "Gala dinner canceled" in html
    assert "Received 900.00 USD, refunded 100.00 USD." in html
    assert f"2027-{full_order.pk:04d}" in html
    assert "<code>order.paid</code>" in html
    # Consent is flagged; medical data stays with Youth protection.
    assert response.context["flags"] == [
        (selectors.OrderFlag.CONSENT_MISSING, "Consent missing", "")
    ]
    assert MEDICAL not in html
    assert "2011-06-02" not in html


def test_order_page_runs_the_same_queries_for_more_attendees(
    client, staff, full_order, delegate, gala
):
    client.force_login(staff["manager"])
    url = reverse("orders:inspect", args=[full_order.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        person = AttendeeFactory(order=full_order, ticket_type=delegate)
        AttendeeExtra.objects.create(attendee=person, extra=gala)
    with CaptureQueriesContext(connection) as more:
        client.get(url)

    assert len(more) == len(few)


def test_youth_protection_sees_medical_data_but_no_money_or_log(
    client, staff, full_order
):
    client.force_login(staff["youth"])

    response = client.get(reverse("orders:inspect", args=[full_order.pk]))

    html = response.content.decode()
    assert MEDICAL in html
    assert "2011-06-02" in html
    assert "BANK-7781" not in html
    assert "data-activity" not in html
    assert response.context["actions"] == []


def test_a_manager_never_sees_medical_data_on_any_screen(client, staff, full_order):
    teen = full_order.attendees.get(given_name="Léo")
    client.force_login(staff["manager"])

    pages = [
        client.get(reverse("orders:index")),
        client.get(reverse("orders:inspect", args=[full_order.pk])),
        client.get(reverse("attendees:index")),
        client.get(reverse("attendees:inspect", args=[teen.pk])),
        client.get(reverse("orders:edit_attendee", args=[teen.pk])),
    ]

    assert [page.status_code for page in pages] == [200] * 5
    for page in pages:
        assert MEDICAL not in page.content.decode()
        assert "2011-06-02" not in page.content.decode()
        assert "Grace Guardian" not in page.content.decode()


def test_finance_sees_money_but_not_medical_data(client, staff, full_order):
    client.force_login(staff["finance"])

    response = client.get(reverse("orders:inspect", args=[full_order.pk]))

    html = response.content.decode()
    assert "BANK-7781" in html
    assert MEDICAL not in html
    assert [str(b.label) for b in response.context["actions"]] == []


# --- Orders: actions ----------------------------------------------------------------


def test_manager_actions_on_a_pending_order(client, staff, event):
    order = OrderFactory(event=event, status=OrderStatus.PENDING)
    client.force_login(staff["manager"])

    response = client.get(reverse("orders:inspect", args=[order.pk]))

    assert [str(b.label) for b in response.context["actions"]] == [
        "Admit before payment",
        "Extend hold",
        "Resend e-mails",
        # A pending order admitted before payment gets in, so it can be blocked.
        "Block tickets",
        "Cancel order",
        "Change order",
    ]


def test_resend_emails_sends_the_confirmation_and_notices_again(
    client, staff, event, delegate, django_capture_on_commit_callbacks
):
    order = OrderFactory(event=event, code="RESEND", buyer_email="buyer@example.org")
    AttendeeFactory(order=order, ticket_type=delegate, email="mina@example.org")
    client.force_login(staff["manager"])
    url = reverse("orders:resend", args=[order.pk])

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    assert b'name="csrfmiddlewaretoken"' in page.content
    assert messages_of(response) == ["2 e-mails for order RESEND are being sent."]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "buyer@example.org",
        "mina@example.org",
    ]
    log = ActivityLog.objects.get(action="order.emails_resent")
    assert (log.actor, log.data) == (
        staff["manager"],
        {"order_confirmed": 1, "attendee_notice": 1},
    )


def test_a_new_action_needs_the_csrf_token(staff, event):
    order = OrderFactory(event=event)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["manager"])

    response = client.post(reverse("orders:resend", args=[order.pk]))

    assert response.status_code == 403
    assert ActivityLog.objects.filter(action="order.emails_resent").count() == 0


def test_finance_marks_an_invoice_order_paid(client, staff, event, delegate):
    order = OrderFactory(
        event=event, code="INV001", status=OrderStatus.PENDING, total=Decimal("450.00")
    )
    AttendeeFactory(order=order, ticket_type=delegate)
    client.force_login(staff["finance"])
    url = reverse("orders:mark_paid", args=[order.pk])

    empty = client.post(url, {"reference": ""})
    response = client.post(url, {"reference": "BANK-42"}, follow=True)

    assert empty.status_code == 400
    assert empty.context["form"].errors == {"reference": ["This field is required."]}
    assert messages_of(response) == ["Order INV001 is paid."]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).reference == "BANK-42"
    assert list(
        ActivityLog.objects.filter(object_id=str(order.pk))
        .order_by("pk")
        .values_list("action", "actor__username")
    ) == [("payment.recorded", "finance"), ("order.paid", "finance")]


def test_only_finance_marks_paid_and_only_managers_decide(
    client, staff, event, delegate
):
    pending = OrderFactory(event=event, status=OrderStatus.PENDING)
    applying = OrderFactory(event=event, status=OrderStatus.AWAITING_APPROVAL)
    client.force_login(staff["manager"])
    manager_pays = client.post(
        reverse("orders:mark_paid", args=[pending.pk]), {"reference": "X"}
    )
    client.force_login(staff["finance"])
    finance_approves = client.post(reverse("orders:approve", args=[applying.pk]))
    finance_cancels = client.post(
        reverse("orders:cancel", args=[pending.pk]), {"reason": "x"}
    )

    assert [
        refused(manager_pays),
        refused(finance_approves),
        refused(finance_cancels),
    ] == [True] * 3
    assert list(
        Order.objects.filter(pk__in=[pending.pk, applying.pk])
        .order_by("pk")
        .values_list("status", flat=True)
    ) == [OrderStatus.PENDING, OrderStatus.AWAITING_APPROVAL]


def test_extend_hold_reads_the_event_zone_and_refuses_the_past(client, staff, event):
    order = OrderFactory(
        event=event,
        code="HOLD01",
        status=OrderStatus.PENDING,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(staff["manager"])
    url = reverse("orders:extend_hold", args=[order.pk])
    later = (timezone.now() + timedelta(days=20)).astimezone(event.tz)
    wall = later.strftime("%Y-%m-%d 18:30")

    past = client.post(url, {"until": "2020-01-01 10:00"})
    response = client.post(url, {"until": wall}, follow=True)

    assert past.status_code == 400
    assert past.context["form"].errors == {
        "until": ["Choose a moment later than the current hold and than now."]
    }
    assert 'value="2020-01-01 10:00"' in past.content.decode()
    order.refresh_from_db()
    local = timezone.localtime(order.expires_at, event.tz)
    assert local.strftime("%Y-%m-%d %H:%M") == wall
    assert messages_of(response) == [f"Order HOLD01 is held until {wall}."]
    log = ActivityLog.objects.get(action="order.hold_extended")
    assert log.actor == staff["manager"]
    assert datetime.fromisoformat(log.data["to"]) == order.expires_at


def test_cancel_a_paid_order_and_refund_it(client, event, delegate):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    order = OrderFactory(event=event, code="CANC01", total=Decimal("450.00"))
    AttendeeFactory(order=order, ticket_type=delegate)
    Payment.objects.create(
        order=order,
        provider=PaymentProvider.BANK_TRANSFER,
        status=PaymentStatus.SUCCEEDED,
        amount=Decimal("450.00"),
        currency="USD",
        reference="BANK-1",
    )
    client.force_login(root)
    url = reverse("orders:cancel", args=[order.pk])

    page = client.get(url)
    no_reason = client.post(url, {"reason": "", "refund": "on"})
    response = client.post(url, {"reason": "Visa refused", "refund": "on"}, follow=True)

    assert "refund" in page.context["form"].fields
    assert no_reason.status_code == 400
    assert messages_of(response) == [
        "Order CANC01 is canceled; USD 450.00 is being refunded."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.reason) == (Decimal("450.00"), "Visa refused")
    assert ActivityLog.objects.get(action="order.canceled").data["reason"] == (
        "Visa refused"
    )


def test_a_manager_cancels_without_refunding(client, staff, event, delegate):
    order = OrderFactory(event=event, total=Decimal("450.00"))
    Payment.objects.create(
        order=order,
        provider=PaymentProvider.BANK_TRANSFER,
        status=PaymentStatus.SUCCEEDED,
        amount=Decimal("450.00"),
        currency="USD",
    )
    client.force_login(staff["manager"])
    url = reverse("orders:cancel", args=[order.pk])

    page = client.get(url)
    client.post(url, {"reason": "Duplicate order", "refund": "on"})

    assert "refund" not in page.context["form"].fields
    assert page.context["explanation"][-1] == (
        "Refunds are made by Finance from the order's payments."
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED
    assert Refund.objects.filter(order=order).count() == 0


def test_edit_an_attendee_after_the_buyers_cut_off(client, staff, event, delegate):
    event.attendee_edit_until = timezone.now() - timedelta(days=1)
    event.save()
    attendee = AttendeeFactory(
        order=OrderFactory(event=event), ticket_type=delegate, given_name="Jon"
    )
    client.force_login(staff["manager"])
    url = reverse("orders:edit_attendee", args=[attendee.pk])
    data = {
        "badge_name": "",
        "given_name": "John",
        "family_name": "Smith",
        "email": "not-an-address",
        "language": "en",
        "organisation": "Sister City of Dayton",
        "city": "Dayton",
        "country": "US",
    }

    bad = client.post(url, data)
    response = client.post(url, {**data, "email": "john@example.org"}, follow=True)

    assert bad.status_code == 400
    assert bad.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert 'value="Sister City of Dayton"' in bad.content.decode()
    attendee.refresh_from_db()
    assert (attendee.badge_name, attendee.email) == ("John Smith", "john@example.org")
    assert messages_of(response) == ["John Smith is saved."]
    log = ActivityLog.objects.get(action="attendee.updated")
    assert (log.actor, log.data) == (
        staff["manager"],
        {
            "fields": [
                "badge_name",
                "given_name",
                "family_name",
                "email",
                "organisation",
                "city",
                "country",
            ]
        },
    )


def test_attendees_of_a_canceled_order_cannot_be_edited(client, staff, event):
    attendee = AttendeeFactory(order=OrderFactory(status=OrderStatus.CANCELED))
    client.force_login(staff["manager"])
    url = reverse("orders:edit_attendee", args=[attendee.pk])

    response = client.post(url, {"given_name": "X", "language": "en"}, follow=True)

    assert messages_of(response) == [
        "This order is canceled or expired; its attendees cannot change."
    ]


@pytest.mark.parametrize("role", ["finance", "youth", "travel", "door", "editor"])
def test_only_managers_edit_attendees_resend_extend_and_cancel(
    client, staff, event, role
):
    order = OrderFactory(event=event, status=OrderStatus.PENDING)
    attendee = AttendeeFactory(order=order)
    client.force_login(staff[role])

    responses = [
        client.post(reverse("orders:resend", args=[order.pk])),
        client.post(
            reverse("orders:extend_hold", args=[order.pk]),
            {"until": "2030-01-01 10:00"},
        ),
        client.post(reverse("orders:cancel", args=[order.pk]), {"reason": "x"}),
        client.post(
            reverse("orders:edit_attendee", args=[attendee.pk]),
            {"given_name": "X", "language": "en"},
        ),
        client.post(reverse("attendees:reissue", args=[attendee.pk])),
    ]

    assert [refused(r) for r in responses] == [True] * 5
    assert ActivityLog.objects.count() == 0


# --- Attendees -----------------------------------------------------------------------


def test_attendee_listing_filters(client, staff, event, delegate, youth_ticket, gala):
    dayton = DelegationFactory(event=event, name="Dayton")
    order = OrderFactory(event=event)
    ada = AttendeeFactory(order=order, ticket_type=delegate, badge_name="Ada")
    AttendeeExtra.objects.create(attendee=ada, extra=gala)
    door_scan(ada)
    AttendeeFactory(
        order=order, ticket_type=delegate, badge_name="Ben", delegation=dayton
    )
    signed = AttendeeFactory(order=order, ticket_type=youth_ticket, badge_name="Cy")
    GuardianConsent.objects.create(
        youth=YouthDetailsFactory(attendee=signed),
        consent_text=ConsentTextFactory(event=event),
        signed_name="Grace Guardian",
        signed_at=timezone.now(),
    )
    AttendeeFactory(order=order, ticket_type=youth_ticket, badge_name="Di")
    AttendeeFactory(badge_name="Elsewhere")
    client.force_login(staff["manager"])
    url = reverse("attendees:index")

    def filtered(**params):
        return names(client.get(url, params))

    assert filtered(event=event.pk) == ["Ada", "Ben", "Cy", "Di"]
    assert filtered(ticket_type=youth_ticket.pk) == ["Cy", "Di"]
    assert filtered(extra=gala.pk) == ["Ada"]
    assert filtered(delegation=dayton.pk) == ["Ben"]
    assert filtered(consent="missing") == ["Di"]
    assert filtered(event=event.pk, consent="complete") == ["Ada", "Ben", "Cy"]
    assert filtered(checked_in="true") == ["Ada"]
    assert filtered(event=event.pk, checked_in="false") == ["Ben", "Cy", "Di"]


def test_registration_menu_holds_orders_attendees_vouchers_and_waiting_list(
    client, staff
):
    client.force_login(staff["manager"])

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    positions = [
        html.find(f"/admin/{name}/")
        for name in ("orders", "attendees", "vouchers", "waiting_list")
    ]
    assert -1 not in positions
    assert positions == sorted(positions)


# --- Vouchers --------------------------------------------------------------------------


def test_bulk_create_vouchers_with_a_prefix_and_the_same_settings(
    client, staff, event, delegate
):
    client.force_login(staff["manager"])
    url = reverse("vouchers:bulk")

    form = client.get(url)
    response = client.post(
        url,
        {
            "event": event.pk,
            "count": "5",
            "prefix": "dayton",
            "kind": VoucherKind.PERCENT,
            "value": "50",
            "ticket_types": [delegate.pk],
            "max_uses": "1",
            "valid_until": "2027-06-30 23:59",
            "note": "Dayton delegation",
        },
    )

    assert form.status_code == 200
    assert response.status_code == 200
    vouchers = list(Voucher.objects.filter(event=event))
    assert len(vouchers) == 5
    assert sorted(response.context["codes"]) == sorted(v.code for v in vouchers)
    assert all(v.code.startswith("DAYTON-") and len(v.code) == 15 for v in vouchers)
    assert {
        (v.kind, v.value, v.max_uses, v.note, tuple(v.ticket_types.all()))
        for v in vouchers
    } == {(VoucherKind.PERCENT, Decimal("50.00"), 1, "Dayton delegation", (delegate,))}
    assert {
        timezone.localtime(v.valid_until, event.tz).strftime("%Y-%m-%d %H:%M")
        for v in vouchers
    } == {"2027-06-30 23:59"}
    log = ActivityLog.objects.get(action="voucher.bulk_created")
    assert (log.actor, log.data) == (staff["manager"], {"count": 5, "prefix": "DAYTON"})


def test_bulk_vouchers_refuse_a_bad_prefix_and_keep_the_input(client, staff, event):
    client.force_login(staff["manager"])

    response = client.post(
        reverse("vouchers:bulk"),
        {
            "event": event.pk,
            "count": "3",
            "prefix": "two words",
            "kind": VoucherKind.FIXED,
            "value": "25",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "prefix": ["Use letters, digits, hyphens and underscores only."]
    }
    assert 'value="two words"' in response.content.decode()
    assert Voucher.objects.count() == 0


def test_only_managers_create_vouchers(client, staff):
    client.force_login(staff["finance"])

    assert refused(client.get(reverse("vouchers:bulk")))


# --- Waiting list -------------------------------------------------------------------------


def test_manager_offers_places_now_to_someone_waiting(
    client, staff, event, django_capture_on_commit_callbacks
):
    ticket = TicketTypeFactory(event=event, name="Workshop pass", capacity=2)
    entry = WaitingListEntryFactory(
        event=event, ticket_type=ticket, name="Wendy", email="wendy@example.org"
    )
    client.force_login(staff["manager"])
    url = reverse("waiting_list:offer", args=[entry.pk])

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    assert b'name="csrfmiddlewaretoken"' in page.content
    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.OFFERED
    assert [m.to for m in mail.outbox] == [["wendy@example.org"]]
    log = ActivityLog.objects.get(action="waiting_list.offered")
    assert (log.actor, log.data) == (
        staff["manager"],
        {"by_staff": True, "quantity": 1},
    )


def test_offer_refused_when_the_places_are_taken(client, staff, event):
    ticket = TicketTypeFactory(event=event, name="Workshop pass", capacity=1)
    AttendeeFactory(order=OrderFactory(event=event), ticket_type=ticket)
    entry = WaitingListEntryFactory(event=event, ticket_type=ticket)
    client.force_login(staff["manager"])

    response = client.post(reverse("waiting_list:offer", args=[entry.pk]), follow=True)

    assert messages_of(response) == ["Only 0 places of Workshop pass are free now."]
    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.WAITING


def test_manager_takes_someone_off_the_waiting_list(client, staff, event):
    entry = WaitingListEntryFactory(event=event, status=WaitingListStatus.OFFERED)
    client.force_login(staff["manager"])

    client.post(
        reverse("waiting_list:cancel", args=[entry.pk]), {"reason": "Asked by phone"}
    )

    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.CANCELED
    assert ActivityLog.objects.get(action="waiting_list.canceled").data == {
        "from": "offered",
        "reason": "Asked by phone",
    }


def test_waiting_list_actions_are_for_managers_only(client, staff, event):
    entry = WaitingListEntryFactory(event=event)
    client.force_login(staff["finance"])

    offer = client.post(reverse("waiting_list:offer", args=[entry.pk]))
    cancel = client.post(reverse("waiting_list:cancel", args=[entry.pk]))

    assert [refused(offer), refused(cancel)] == [True, True]
    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.WAITING


# --- Permissions --------------------------------------------------------------------------


def test_editors_reach_none_of_the_registration_screens(client, staff, event):
    order = OrderFactory(event=event)
    attendee = AttendeeFactory(order=order)
    entry = WaitingListEntryFactory(event=event)
    client.force_login(staff["editor"])

    responses = [
        client.get(reverse("orders:index")),
        client.get(reverse("orders:inspect", args=[order.pk])),
        client.get(reverse("attendees:index")),
        client.get(reverse("attendees:inspect", args=[attendee.pk])),
        client.get(reverse("vouchers:index")),
        client.get(reverse("vouchers:bulk")),
        client.get(reverse("waiting_list:index")),
        client.get(reverse("waiting_list:offer", args=[entry.pk])),
        client.get(reverse("orders:mark_paid", args=[order.pk])),
        client.get(reverse("orders:edit_attendee", args=[attendee.pk])),
    ]

    assert [refused(r) for r in responses] == [True] * 10
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    for screen in ("orders", "attendees", "vouchers", "waiting_list"):
        assert f"/admin/{screen}/" not in home


@pytest.mark.parametrize("role", ["manager", "finance", "youth", "travel", "door"])
def test_every_staff_group_sees_orders_and_attendees(client, staff, event, role):
    order = OrderFactory(event=event)
    client.force_login(staff[role])

    responses = [
        client.get(reverse("orders:index")),
        client.get(reverse("orders:inspect", args=[order.pk])),
        client.get(reverse("attendees:index")),
    ]

    assert [r.status_code for r in responses] == [200, 200, 200]


def test_staff_group_permissions_for_the_actions(db):
    def holders(codename):
        return sorted(
            Group.objects.filter(
                permissions__content_type__app_label="registration",
                permissions__codename=codename,
            ).values_list("name", flat=True)
        )

    assert holders("change_order") == ["Registration managers"]
    assert holders("change_attendee") == ["Registration managers"]
    assert holders("add_payment") == ["Finance"]
    assert holders("add_refund") == ["Finance"]
    assert holders("change_invoice") == ["Finance"]
    assert holders("change_waitinglistentry") == ["Registration managers"]
    assert holders("add_voucher") == ["Registration managers"]
    assert holders("view_youthdetails") == ["Youth protection"]
    assert holders("change_device") == ["Check-in supervisors"]


def test_extend_hold_suggests_a_week_later_in_the_event_zone(client, staff, event):
    expires = datetime(
        2030, 1, 10, 3, 56, tzinfo=UTC
    )  # 22:56 the day before in New York
    order = OrderFactory(event=event, status=OrderStatus.PENDING, expires_at=expires)
    client.force_login(staff["manager"])

    response = client.get(reverse("orders:extend_hold", args=[order.pk]))

    assert 'value="2030-01-16 22:56"' in response.content.decode()
