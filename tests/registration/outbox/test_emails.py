"""Every e-mail: who receives it and what it says (each package's emails.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from registration.consent import services as consent
from registration.models import (
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
)
from registration.money import format_money
from registration.orders import services as orders
from registration.orders.services import YouthData
from registration.outbox import mail
from registration.payments import emails as emails_payments
from registration.waiting_list import services as waiting_list
from tests.factories import EventFactory, ExtraFactory, TicketTypeFactory, UserFactory
from tests.registration.conftest import (
    attendee,
    buyer,
    make_delegate,
    make_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return make_event()


@pytest.fixture
def delegate(event):
    return make_delegate(event)


@pytest.fixture
def send(django_capture_on_commit_callbacks, mailoutbox):
    """Run a service and return the e-mails it sent after commit."""

    def run(func, *args, **kwargs):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = func(*args, **kwargs)
        return result, list(mailoutbox)

    return run


def html(message) -> str:
    [(body, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return body


def test_order_received_goes_to_the_buyer_with_total_and_link(event, delegate, send):
    gala = ExtraFactory(event=event, name="Gala dinner", price=Decimal("85.00"))
    order, sent = send(
        orders.place_order,
        event,
        buyer=buyer(language="es"),
        attendees=[attendee(delegate, extras=[gala.pk])],
        payment_method=PaymentMethod.INVOICE,
    )
    # An invoice order is invoiced as it is placed: its invoice follows.
    message, invoice_message = sent
    with translation.override("es"):
        assert invoice_message.subject == gettext(
            "Invoice %(number)s for %(event)s"
        ) % {"number": order.invoices.get().number, "event": "Annual Conference"}
    assert message.to == ["buyer@example.org"]
    assert message.reply_to == ["events@sister-cities.example"]
    # The buyer chose Spanish: texts, money and dates follow (whatever the catalogue says).
    with translation.override("es"):
        assert message.subject == gettext("Order received: %(event)s (%(code)s)") % {
            "event": "Annual Conference",
            "code": order.code,
        }
        total = "535,00\u00a0USD"
        assert format_money(order.total, "USD") == total
        due = date_format(timezone.localtime(order.expires_at, event.tz), "DATE_FORMAT")
        invoice_sentence = gettext(
            "We will send an invoice for %(total)s. Please pay it by %(date)s; "
            "unpaid places are released after that date."
        ) % {"total": total, "date": due}
        total_line = f"{gettext('Total')}: {total}"
    link = f"http://localhost:8000/es/orders/{order.code}/{order.secret}/"
    assert link in message.body
    assert (
        "- Mina Park: Delegate (450,00\u00a0USD)\n  + Gala dinner (85,00\u00a0USD)"
        in message.body
    )
    assert total_line in message.body
    assert invoice_sentence in message.body
    assert " de " in due  # "14 de junio de 2027": the Spanish date format
    assert f'href="{link}"' in html(message)
    assert '<html lang="es">' in html(message)


def test_order_received_for_card_asks_for_payment_by_the_hold_time(
    event, delegate, send
):
    _order, [message] = send(
        orders.place_order,
        event,
        buyer=buyer(),
        attendees=[attendee(delegate)],
        payment_method=PaymentMethod.CARD,
    )
    assert "Please complete the card payment on your order page by" in message.body


def test_free_order_confirms_to_buyer_and_notices_each_attendee(event, send):
    free = TicketTypeFactory(event=event, name="Press", price=Decimal("0.00"))
    with translation.override("fr"):  # Mina's own language
        mina_subject = gettext("You are registered for %(event)s") % {
            "event": "Annual Conference"
        }
    order, sent = send(
        orders.place_order,
        event,
        buyer=buyer(),
        attendees=[
            attendee(free, email="mina@example.org", language="fr"),
            attendee(free, given_name="Jo", email=""),
        ],
        payment_method=PaymentMethod.FREE,
    )
    assert [(m.to, m.subject) for m in sent] == [
        (
            ["buyer@example.org"],
            f"Registration confirmed: Annual Conference ({order.code})",
        ),
        (["mina@example.org"], mina_subject),
    ]
    notice = sent[1]
    mina = order.attendees.get(email="mina@example.org")
    assert f"http://localhost:8000/fr/attendees/{mina.secret}/" in notice.body
    with translation.override("fr"):
        registered = gettext(
            "%(buyer)s has registered you for %(event)s as %(ticket)s."
        )
        badge = gettext("Your badge will read: %(badge)s.")
    assert (
        registered
        % {"buyer": "Ada Buyer", "event": "Annual Conference", "ticket": "Press"}
        in notice.body
    )
    assert badge % {"badge": "Mina Park"} in notice.body


def test_paying_a_pending_order_sends_the_confirmation(event, delegate, send):
    order = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(delegate)],
        payment_method=PaymentMethod.INVOICE,
    )
    _, sent = send(orders.mark_order_paid, order, by=UserFactory(is_staff=True))
    assert [m.subject for m in sent] == [
        f"Registration confirmed: Annual Conference ({order.code})",
        "You are registered for Annual Conference",
    ]


def test_application_received_approved_and_declined(event, send):
    selective = TicketTypeFactory(
        event=event, requires_approval=True, price=Decimal("300.00")
    )
    staff = UserFactory(is_staff=True)
    order, [received] = send(
        orders.place_order,
        event,
        buyer=buyer(),
        attendees=[attendee(selective)],
        payment_method=PaymentMethod.CARD,
    )
    assert received.subject == f"Application received: Annual Conference ({order.code})"
    assert "our team reviews each application" in received.body
    _, [approved] = send(orders.approve_order, order, by=staff)
    assert approved.to == ["buyer@example.org"]
    assert approved.subject == "Your application for Annual Conference is approved"
    assert "Please pay USD 300.00 by" in approved.body
    assert f"/orders/{order.code}/{order.secret}/" in approved.body

    other = orders.place_order(
        event,
        buyer=buyer(email="other@example.org"),
        attendees=[attendee(selective)],
        payment_method=PaymentMethod.CARD,
    )
    _, [declined] = send(
        orders.decline_order, other, by=staff, reason="All places are taken."
    )
    assert declined.to == ["other@example.org"]
    assert declined.subject == "Your application for Annual Conference"
    assert "we cannot offer a place this time" in declined.body
    assert "All places are taken." in declined.body


def test_consent_request_and_reminder_go_to_the_guardian(send):
    now = timezone.now()
    summit = EventFactory(
        name="Youth Leadership Summit", starts_at=now + timedelta(days=90)
    )
    ticket = TicketTypeFactory(
        event=summit, min_age=14, max_age=18, requires_guardian_consent=True
    )
    youth = YouthData(
        date_of_birth=date.today().replace(year=date.today().year - 16),
        guardian_name="Grace Guardian",
        guardian_email="grace@example.org",
        guardian_phone="+1 202 555 0100",
    )
    order, sent = send(
        orders.place_order,
        summit,
        buyer=buyer(),
        attendees=[attendee(ticket, youth=youth)],
        payment_method=PaymentMethod.INVOICE,
    )
    token = order.attendees.get().youth.consent_token
    [request] = [m for m in sent if m.to == ["grace@example.org"]]
    assert (
        request.subject
        == "Your consent is needed: Mina Park at Youth Leadership Summit"
    )
    assert "Dear Grace Guardian," in request.body
    assert f"http://localhost:8000/consent/{token}/" in request.body
    _, [reminder] = send(
        consent.send_consent_reminders, now=now + timedelta(days=3, hours=1)
    )
    assert reminder.to == ["grace@example.org"]
    assert "This is a reminder: we have not yet received your consent." in reminder.body


def test_expiry_warning_names_the_amount_and_the_deadline(event, delegate, send):
    now = timezone.now()
    event.registration_opens_at = now - timedelta(days=30)
    event.save()
    order = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(delegate)],
        payment_method=PaymentMethod.INVOICE,
        now=now - timedelta(days=12),
    )
    order.__class__.objects.filter(pk=order.pk).update(
        created_at=now - timedelta(days=12)
    )
    _, [warning] = send(orders.send_expiry_warnings, now=now)
    assert warning.to == ["buyer@example.org"]
    assert "We have not yet received USD 450.00 for this order." in warning.body
    assert order.status == OrderStatus.PENDING


def test_expired_then_revived_tells_the_buyer_each_time(event, delegate, send):
    now = timezone.now()
    order = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(delegate)],
        payment_method=PaymentMethod.CARD,
        now=now - timedelta(hours=1),
    )
    _, [expired] = send(orders.expire_orders, now=now)
    order.refresh_from_db()
    _, [revived] = send(
        orders.revive_order, order, by=UserFactory(is_staff=True), now=now
    )

    assert (expired.to, revived.to) == (["buyer@example.org"], ["buyer@example.org"])
    assert expired.subject == f"Order expired: Annual Conference ({order.code})"
    assert (
        f"The hold on your order {order.code} for Annual Conference ran out before "
        "the payment arrived, so its places have been released." in expired.body
    )
    assert (
        f"Register again: {settings.SITE_URL}/register/annual-conference/\n"
        in expired.body
    )
    assert revived.subject == (
        f"Your order is open again: Annual Conference ({order.code})"
    )
    order.refresh_from_db()
    assert f"Pay now: {mail.order_url(order)}\n" in revived.body
    assert "Please pay USD 450.00 by " in revived.body


def test_waiting_list_offer_goes_to_the_person_in_line(event, send):
    ticket = TicketTypeFactory(event=event, name="Delegate", capacity=1)
    held = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(ticket)],
        payment_method=PaymentMethod.CARD,
    )
    entry = waiting_list.join_waiting_list(
        event,
        ticket_type=ticket,
        name="Wendy",
        email="wendy@example.org",
        language="es",
    )
    orders.cancel_order(held, by=None)
    _, [offer] = send(waiting_list.offer_waiting_list_places)
    assert offer.to == ["wendy@example.org"]
    with translation.override("es"):  # Wendy's language
        free = ngettext(
            "A place for %(ticket)s at %(event)s has become free and is reserved for you.",
            "%(n)s places for %(ticket)s at %(event)s have become free and are reserved for you.",
            1,
        )
    assert (
        free % {"n": 1, "ticket": "Delegate", "event": "Annual Conference"}
        in offer.body
    )
    assert f"http://localhost:8000/es/waiting-list/offer/{entry.token}/" in offer.body


def test_confirmation_attaches_every_ticket_and_each_notice_its_own(event, send):
    free = TicketTypeFactory(event=event, name="Press", price=Decimal("0.00"))
    order, [confirmation, notice] = send(
        orders.place_order,
        event,
        buyer=buyer(),
        attendees=[
            attendee(free, email="mina@example.org"),
            attendee(free, given_name="Jo", email=""),
        ],
        payment_method=PaymentMethod.FREE,
    )
    mina, jo = order.attendees.order_by("pk")
    assert [(name, mime) for name, _pdf, mime in confirmation.attachments] == [
        (f"ticket-{order.code}-{mina.pk}.pdf", "application/pdf"),
        (f"ticket-{order.code}-{jo.pk}.pdf", "application/pdf"),
    ]
    assert [pdf[:5] for _name, pdf, _mime in confirmation.attachments] == [
        b"%PDF-",
        b"%PDF-",
    ]
    assert "The tickets that can already be issued are attached" in confirmation.body
    assert [name for name, _pdf, _mime in notice.attachments] == [
        f"ticket-{order.code}-{mina.pk}.pdf"
    ]
    assert "Your ticket is attached to this e-mail as a PDF file." in notice.body


def test_confirmation_leaves_out_the_ticket_still_waiting_for_consent(event, send):
    press = TicketTypeFactory(event=event, name="Press", price=Decimal("0.00"))
    youth_ticket = TicketTypeFactory(
        event=event,
        name="Youth",
        price=Decimal("0.00"),
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    youth = YouthData(
        date_of_birth=date.today().replace(year=date.today().year - 16),
        guardian_name="Grace Guardian",
        guardian_email="grace@example.org",
        guardian_phone="+1 202 555 0100",
    )
    order, sent = send(
        orders.place_order,
        event,
        buyer=buyer(),
        attendees=[
            attendee(press, email=""),
            attendee(youth_ticket, given_name="Kim", email="", youth=youth),
        ],
        payment_method=PaymentMethod.FREE,
    )
    [confirmation] = [m for m in sent if m.to == ["buyer@example.org"]]
    adult = order.attendees.get(given_name="Mina")
    assert [name for name, _pdf, _mime in confirmation.attachments] == [
        f"ticket-{order.code}-{adult.pk}.pdf"
    ]


def test_confirmation_links_the_receipt_of_each_card_payment(event, delegate, send):
    order = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(delegate, email="")],
        payment_method=PaymentMethod.CARD,
    )
    payment = Payment.objects.create(
        order=order,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.SUCCEEDED,
        amount=Decimal("450.00"),
        currency="USD",
    )
    _, [confirmation] = send(
        orders.mark_order_paid, order, by=UserFactory(is_staff=True)
    )
    link = (
        f"http://localhost:8000/orders/{order.code}/{order.secret}"
        f"/receipts/{payment.pk}/"
    )
    assert f"Receipt (PDF): {link}\n" in confirmation.body
    assert f'<a href="{link}">Receipt (PDF)</a>' in html(confirmation)


def test_every_builder_is_registered_under_its_outbox_name():
    assert sorted(mail.BUILDERS) == [
        "attendee_changed",
        "attendee_notice",
        "consent_reminder",
        "consent_request",
        "credit_note_issued",
        "delegation_invoice_issued",
        "delegation_link",
        "expiry_warning",
        "invoice_issued",
        "invoice_reminder",
        "late_payment_refunded",
        "mailing",
        "order_approved",
        "order_changed",
        "order_confirmed",
        "order_declined",
        "order_expired",
        "order_received",
        "order_revived",
        "payment_receipt",
        "programme_place",
        "refund_issued",
        "ticket_reissued",
        "ticket_transfer_notice",
        "ticket_transferred",
        "waiting_list_offer",
    ]
    assert mail.BUILDERS["refund_issued"] is emails_payments.refund_issued
