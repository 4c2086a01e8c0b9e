"""Single reprints at the desk, ticket reissue, and entry before payment."""

import pytest
from django.core import mail
from django.urls import reverse

from registration.documents.services import badges, tickets
from registration.models import ActivityLog, Attendee, BadgePrint, OrderStatus
from registration.outbox import mail as outbox_mail
from tests.factories import AttendeeFactory, UserFactory
from tests.pdf_tools import flat_text, page_count, page_images, qr_codes

pytestmark = pytest.mark.django_db

# The reissue e-mail registers with the outbox (mail.BUILDERS, Email.attachments),
# which the lead wires in; until then the end-to-end e-mail tests wait.
EMAILS_WIRED = "ticket_reissued" in outbox_mail.BUILDERS and "attachments" in getattr(
    outbox_mail.Email, "__dataclass_fields__", {}
)
needs_email_wiring = pytest.mark.skipif(
    not EMAILS_WIRED,
    reason="emails.py does not register ticket_reissued / Email.attachments yet",
)


# --- Reprint ---------------------------------------------------------------------


def test_reprint_renders_the_ticket_types_layout_and_logs_the_print(people, speaker):
    attendee = people["Abara"]  # a speaker: letter 6-up
    staff = UserFactory(username="desk")

    pdf = badges.reprint_badge(attendee, by=staff)

    assert page_count(pdf) == 1
    assert "Ada Abara" in flat_text(pdf)
    assert list(
        BadgePrint.objects.values_list("attendee", "job", "printed_by", "layout")
    ) == [(attendee.pk, None, staff.pk, "letter-6up")]
    assert list(
        ActivityLog.objects.filter(action="badge.reprinted").values_list(
            "object_id", "actor", "data"
        )
    ) == [(str(attendee.pk), staff.pk, {"layout": "letter-6up"})]


def test_reprint_takes_another_layout_when_asked(people):
    badges.reprint_badge(people["Zhou"], by=None, layout="a4-4up")

    assert list(BadgePrint.objects.values_list("layout", flat=True)) == ["a4-4up"]


def test_reprint_refuses_an_attendee_who_is_not_admitted(event, delegate):
    unpaid = AttendeeFactory(
        order__event=event, order__status=OrderStatus.PENDING, ticket_type=delegate
    )

    with pytest.raises(badges.BadgeError) as error:
        badges.reprint_badge(unpaid, by=None)

    assert error.value.code == "not_admitted"
    assert BadgePrint.objects.count() == 0


# --- Reissue ---------------------------------------------------------------------


def test_reissue_gives_a_new_secret_and_the_old_one_finds_nobody(people, client):
    attendee = people["Moreau"]
    old = attendee.secret
    staff = UserFactory(username="desk")

    tickets.reissue_ticket(attendee, by=staff)

    attendee.refresh_from_db()
    assert attendee.secret != old
    assert len(attendee.secret) == len(old)
    assert Attendee.objects.filter(secret=old).exists() is False
    assert client.get(reverse("registration:attendee", args=[old])).status_code == 404
    assert (
        client.get(reverse("registration:attendee", args=[attendee.secret])).status_code
        == 200
    )


def test_reissue_is_logged_without_either_secret(people):
    attendee = people["Moreau"]
    old = attendee.secret
    staff = UserFactory(username="desk")

    tickets.reissue_ticket(attendee, by=staff)

    entry = ActivityLog.objects.get(action="ticket.reissued")
    assert (entry.object_id, entry.actor, entry.data) == (
        str(attendee.pk),
        staff,
        {"refusal": ""},
    )
    assert old not in str(entry.data) and attendee.secret not in str(entry.data)


def test_reissue_queues_the_ticket_email_after_the_commit(
    people, django_capture_on_commit_callbacks
):
    from registration.models import OutboxMessage

    attendee = people["Moreau"]

    with django_capture_on_commit_callbacks() as callbacks:
        tickets.reissue_ticket(attendee, by=None)

    message = OutboxMessage.objects.get()
    assert (message.kind, message.payload) == (
        "email.ticket_reissued",
        {"attendee": attendee.pk},
    )
    assert len(callbacks) == 1


def test_reissue_email_carries_the_new_ticket_as_pdf(people):
    from registration.documents.emails import ticket_reissued

    if not EMAILS_WIRED:
        pytest.skip("Email.attachments is not in emails.py yet")
    attendee = people["Moreau"]
    tickets.reissue_ticket(attendee, by=None)
    attendee.refresh_from_db()

    email = ticket_reissued({"attendee": attendee.pk})

    assert email.to == [attendee.email]
    [(_filename, pdf, mime_type)] = email.attachments
    assert mime_type == "application/pdf"
    assert qr_codes(page_images(pdf, dpi=200)[0]) == [attendee.secret]


@needs_email_wiring
def test_reissued_ticket_is_emailed_to_the_attendee(
    people, django_capture_on_commit_callbacks
):
    attendee = people["Moreau"]

    with django_capture_on_commit_callbacks(execute=True):
        tickets.reissue_ticket(attendee, by=None)

    attendee.refresh_from_db()
    [message] = mail.outbox
    assert message.to == [attendee.email]
    assert message.subject == "Your new ticket for Annual Conference 2027"
    assert "The QR code of the earlier ticket no longer works" in message.body
    [(_filename, pdf, mime_type)] = message.attachments
    assert mime_type == "application/pdf"
    assert qr_codes(page_images(pdf, dpi=200)[0]) == [attendee.secret]


@needs_email_wiring
def test_reissue_email_goes_to_the_buyer_without_a_ticket_while_unpaid(
    event, delegate, django_capture_on_commit_callbacks
):
    attendee = AttendeeFactory(
        order__event=event,
        order__status=OrderStatus.PENDING,
        ticket_type=delegate,
        email="",
    )

    with django_capture_on_commit_callbacks(execute=True):
        tickets.reissue_ticket(attendee, by=None)

    [message] = mail.outbox
    assert message.to == ["buyer@example.org"]
    assert message.attachments == []


# --- Entry before payment --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "admit", "refusal"),
    [
        (OrderStatus.PENDING, False, "unpaid"),
        (OrderStatus.PENDING, True, None),
        (OrderStatus.AWAITING_APPROVAL, True, None),
        (OrderStatus.CANCELED, True, "canceled"),
        (OrderStatus.EXPIRED, True, "canceled"),
        (OrderStatus.PAID, False, None),
    ],
)
def test_ticket_gating_honours_admit_before_payment(status, admit, refusal):
    attendee = AttendeeFactory(order__status=status, order__admit_before_payment=admit)

    assert tickets.ticket_refusal(attendee) == refusal


def test_orders_admitted_before_payment_get_tickets_and_badges(event, delegate):
    attendee = AttendeeFactory(
        order__event=event,
        order__status=OrderStatus.PENDING,
        order__admit_before_payment=True,
        ticket_type=delegate,
    )

    pdf = tickets.render_ticket(attendee)

    assert page_count(pdf) == 1
    assert list(badges.admissible_attendees(event)) == [attendee]
