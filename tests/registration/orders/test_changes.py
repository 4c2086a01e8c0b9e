"""Changing a registration after placement (orders/services/edits.py and
transfers.py): the one self-service cut-off, answers, and transfers of a ticket
to another person with their e-mails."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from registration.checkin.services.devices import create_device
from registration.checkin.services.scans import redeem_ticket
from registration.errors import OrderError, OrderInvalid
from registration.models import (
    ActivityLog,
    Answer,
    CheckInList,
    GuardianConsent,
    OrderStatus,
    OutboxMessage,
    QuestionKind,
    QuestionReport,
    YouthDetails,
)
from registration.orders import emails
from registration.orders import services as orders
from registration.orders.services import TransferData, YouthData
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import ConsentTextFactory, YouthDetailsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return EventFactory(name="Annual Conference", contact_email="events@example.org")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(event=event, name="Delegate")


@pytest.fixture
def guest(delegate):
    order = OrderFactory(event=delegate.event, buyer_name="Ada Buyer", language="en")
    return AttendeeFactory(
        order=order,
        ticket_type=delegate,
        given_name="Mina",
        family_name="Park",
        email="mina@example.org",
        language="fr",
        organisation="Toulouse City Hall",
    )


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def send(django_capture_on_commit_callbacks, mailoutbox):
    """Run a service and return the e-mails it sent after commit."""

    def run(func, *args, **kwargs):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = func(*args, **kwargs)
        return result, list(mailoutbox)

    return run


def noor(**overrides) -> TransferData:
    data = {
        "given_name": "Noor",
        "family_name": "Haddad",
        "email": "noor@example.org",
        "language": "es",
    }
    data.update(overrides)
    return TransferData(**data)


def field_codes(error: OrderInvalid) -> dict[str, str]:
    return {item.field: item.code for item in error.errors}


# --- The cut-off --------------------------------------------------------------------


def test_the_cut_off_is_the_events_edit_until_or_else_its_start(event, guest):
    assert orders.attendee_edit_deadline(event) == event.starts_at
    event.attendee_edit_until = event.starts_at - timedelta(days=10)

    assert orders.attendee_edit_deadline(event) == event.attendee_edit_until
    assert orders.self_service_refusal(guest.order, now=event.attendee_edit_until) == (
        orders.ActionRefusal(
            "Registrations can no longer be changed online; please contact us.",
            code="edit_closed",
        )
    )
    assert (
        orders.self_service_refusal(
            guest.order, now=event.attendee_edit_until - timedelta(seconds=1)
        )
        is None
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (OrderStatus.PENDING, None),
        (OrderStatus.AWAITING_APPROVAL, None),
        (OrderStatus.PAID, None),
        (OrderStatus.EXPIRED, "order_closed"),
        (OrderStatus.CANCELED, "order_closed"),
    ],
)
def test_self_service_changes_apply_to_live_orders_only(guest, status, code):
    guest.order.status = status

    refusal = orders.self_service_refusal(guest.order)

    assert (refusal.code if refusal else None) == code


def test_every_self_service_change_is_refused_after_the_cut_off(event, guest):
    after = event.starts_at + timedelta(minutes=1)
    calls = [
        lambda: orders.update_attendee(guest, data={"given_name": "X"}, now=after),
        lambda: orders.update_answers(guest, answers={}, now=after),
        lambda: orders.transfer_ticket(guest, to=noor(), now=after),
    ]
    codes = []
    for call in calls:
        with pytest.raises(OrderError) as refused:
            call()
        codes.append(refused.value.code)

    assert codes == ["edit_closed", "edit_closed", "edit_closed"]
    assert OutboxMessage.objects.count() == 0


# --- Answers ------------------------------------------------------------------------


@pytest.fixture
def questions(event, delegate):
    diet = QuestionFactory(
        event=event,
        label="Dietary needs",
        kind=QuestionKind.CHOICE,
        choices="None\nVegetarian\nVegan",
        required=True,
        report_as=QuestionReport.DIETARY,
    )
    access = QuestionFactory(
        event=event,
        label="Accessibility needs",
        report_as=QuestionReport.ACCESSIBILITY,
    )
    sessions = QuestionFactory(
        event=event,
        label="Sessions",
        kind=QuestionKind.MULTIPLE_CHOICE,
        choices="Youth\nTrade\nCulture",
    )
    other = TicketTypeFactory(event=event, name="Speaker")
    talk = QuestionFactory(event=event, label="Talk title")
    talk.ticket_types.set([other])
    talk.ticket_types.commit()  # a ParentalManyToManyField writes on commit
    return diet, access, sessions, talk


def test_update_answers_saves_changed_answers_and_logs_old_and_new(
    guest, questions, staff
):
    diet, access, sessions, _talk = questions
    Answer.objects.create(attendee=guest, question=diet, value="None")
    Answer.objects.create(attendee=guest, question=sessions, value="Youth\nTrade")

    orders.update_answers(
        guest,
        answers={diet.pk: "Vegan", access.pk: "Step-free room", sessions.pk: ["Youth"]},
        by=staff,
    )

    assert dict(
        Answer.objects.filter(attendee=guest).values_list("question__label", "value")
    ) == {
        "Dietary needs": "Vegan",
        "Accessibility needs": "Step-free room",
        "Sessions": "Youth",
    }
    entry = ActivityLog.objects.get(action="attendee.answers_updated")
    assert entry.actor == staff
    assert entry.data == {
        "answers": {
            str(diet.pk): {"question": "Dietary needs", "old": "None", "new": "Vegan"},
            str(access.pk): {
                "question": "Accessibility needs",
                "values": "not logged (health data)",
            },
            str(sessions.pk): {
                "question": "Sessions",
                "old": "Youth\nTrade",
                "new": "Youth",
            },
        }
    }


def test_update_answers_keeps_questions_left_out_and_clears_empty_ones(
    guest, questions
):
    diet, access, _sessions, _talk = questions
    Answer.objects.create(attendee=guest, question=diet, value="None")
    Answer.objects.create(attendee=guest, question=access, value="Ramp")

    orders.update_answers(guest, answers={access.pk: ""})

    assert dict(
        Answer.objects.filter(attendee=guest).values_list("question__label", "value")
    ) == {"Dietary needs": "None"}


def test_update_answers_without_a_change_writes_nothing(guest, questions):
    diet = questions[0]
    Answer.objects.create(attendee=guest, question=diet, value="Vegan")

    orders.update_answers(guest, answers={diet.pk: "Vegan"})

    assert ActivityLog.objects.count() == 0


def test_update_answers_names_each_bad_answer_as_placement_checks_it(guest, questions):
    diet, _access, sessions, talk = questions
    Answer.objects.create(attendee=guest, question=diet, value="None")

    with pytest.raises(OrderInvalid) as invalid:
        orders.update_answers(
            guest,
            answers={
                diet.pk: "",
                sessions.pk: ["Dancing"],
                talk.pk: "Not asked of delegates",
                "999999": "x",
            },
        )

    assert field_codes(invalid.value) == {
        f"answers.{diet.pk}": "required",
        f"answers.{sessions.pk}": "invalid_choice",
        f"answers.{talk.pk}": "unknown_question",
        "answers.999999": "unknown_question",
    }
    assert Answer.objects.get(attendee=guest).value == "None"


def test_update_answers_refuses_text_longer_than_its_column(guest, questions):
    diet, access = questions[:2]
    Answer.objects.create(attendee=guest, question=diet, value="None")

    with pytest.raises(OrderInvalid) as invalid:
        orders.update_answers(guest, answers={access.pk: "x" * 20000})

    assert list(field_codes(invalid.value)) == [f"answers.{access.pk}"]


def test_staff_change_answers_after_the_cut_off_but_not_of_canceled_orders(
    event, guest, questions, staff
):
    diet = questions[0]
    after = event.starts_at + timedelta(days=1)

    orders.update_answers(
        guest, answers={diet.pk: "Vegan"}, by=staff, as_staff=True, now=after
    )
    guest.order.status = OrderStatus.CANCELED
    guest.order.save()
    with pytest.raises(OrderError) as canceled:
        orders.update_answers(
            guest, answers={diet.pk: "None"}, by=staff, as_staff=True, now=after
        )

    assert Answer.objects.get(attendee=guest, question=diet).value == "Vegan"
    assert canceled.value.code == "edit_closed"


# --- Transfers ----------------------------------------------------------------------


def test_transfer_replaces_the_holder_and_the_secret_and_logs_both_holders(
    guest, staff
):
    old_secret = guest.secret

    orders.transfer_ticket(
        guest, to=noor(badge_name="Noor H.", country="jo"), by=staff, as_staff=True
    )

    guest.refresh_from_db()
    assert (
        guest.given_name,
        guest.family_name,
        guest.badge_name,
        guest.email,
        guest.language,
        guest.organisation,
        guest.country.code,
    ) == ("Noor", "Haddad", "Noor H.", "noor@example.org", "es", "", "JO")
    assert guest.secret != old_secret
    entry = ActivityLog.objects.get(action="ticket.transferred")
    assert (entry.actor, entry.object_id) == (staff, str(guest.pk))
    assert entry.data == {
        "old": {
            "given_name": "Mina",
            "family_name": "Park",
            "badge_name": "Mina Park",
            "email": "mina@example.org",
            "language": "fr",
        },
        "new": {
            "given_name": "Noor",
            "family_name": "Haddad",
            "badge_name": "Noor H.",
            "email": "noor@example.org",
            "language": "es",
        },
        "as_staff": True,
        "consent_superseded": False,
    }


def test_transfer_keeps_the_answers_for_the_new_holder_to_change(guest, questions):
    diet = questions[0]
    Answer.objects.create(attendee=guest, question=diet, value="Vegan")

    orders.transfer_ticket(guest, to=noor())

    assert Answer.objects.get(attendee=guest).value == "Vegan"


def test_transfer_composes_the_badge_name_and_takes_the_orders_language(guest):
    orders.transfer_ticket(guest, to=noor(language=""))

    guest.refresh_from_db()
    assert (guest.badge_name, guest.language) == ("Noor Haddad", "en")


def test_transfer_names_each_bad_field(guest):
    old_secret = guest.secret

    with pytest.raises(OrderInvalid) as invalid:
        orders.transfer_ticket(
            guest,
            to=TransferData(
                given_name=" ", email="not-an-address", language="xx", country="ZZ"
            ),
        )
    with pytest.raises(OrderInvalid) as no_email:
        orders.transfer_ticket(guest, to=noor(email=""))

    assert field_codes(invalid.value) == {
        "given_name": "required",
        "email": "invalid",
        "language": "invalid_choice",
        "country": "invalid_choice",
    }
    assert field_codes(no_email.value) == {"email": "required"}
    guest.refresh_from_db()
    assert (guest.given_name, guest.secret) == ("Mina", old_secret)
    assert ActivityLog.objects.count() == 0


@pytest.mark.parametrize("status", [OrderStatus.CANCELED, OrderStatus.EXPIRED])
def test_transfer_of_a_closed_order_is_refused_to_everyone(guest, staff, status):
    guest.order.status = status
    guest.order.save()

    with pytest.raises(OrderError) as buyer:
        orders.transfer_ticket(guest, to=noor())
    with pytest.raises(OrderError) as by_staff:
        orders.transfer_ticket(guest, to=noor(), by=staff, as_staff=True)

    assert (buyer.value.code, by_staff.value.code) == ("order_closed", "order_closed")


def test_staff_transfer_after_the_cut_off(event, guest, staff):
    after = event.starts_at + timedelta(hours=2)

    orders.transfer_ticket(guest, to=noor(), by=staff, as_staff=True, now=after)

    guest.refresh_from_db()
    assert guest.given_name == "Noor"


def scan(event, secret: str, nonce: str):
    door = CheckInList.objects.get_or_create(event=event, name="Main door")[0]
    device = create_device(name=f"Door {nonce}", events=[event])[0]
    return redeem_ticket(door, device=device, nonce=nonce, secret=secret)


def test_transfer_is_refused_once_the_holder_was_admitted(event, guest, staff):
    assert scan(event, guest.secret, "n-1").check_in.result == "ok"

    with pytest.raises(OrderError) as refused:
        orders.transfer_ticket(guest, to=noor(), by=staff, as_staff=True)

    assert refused.value.code == "checked_in"
    assert refused.value.message == (
        "Mina Park has already been admitted at the door; the ticket can no longer "
        "be transferred."
    )


def test_a_refused_scan_does_not_stop_a_transfer(event, guest):
    guest.order.status = OrderStatus.PENDING
    guest.order.save()
    assert scan(event, guest.secret, "n-1").check_in.result == "unpaid"

    orders.transfer_ticket(guest, to=noor())

    guest.refresh_from_db()
    assert guest.given_name == "Noor"


def test_after_a_transfer_the_old_secret_is_unknown_at_the_door(event, guest):
    old_secret = guest.secret

    orders.transfer_ticket(guest, to=noor())

    assert scan(event, old_secret, "n-1").check_in.result == "unknown_ticket"
    admitted = scan(event, guest.secret, "n-2")
    assert (admitted.check_in.result, admitted.attendee.given_name) == ("ok", "Noor")


def test_transfer_mails_the_new_holder_the_ticket_and_the_old_one_a_notice(guest, send):
    _attendee, sent = send(orders.transfer_ticket, guest, to=noor())

    new_mail, notice = sent
    assert new_mail.to == ["noor@example.org"]
    assert [name for name, _content, _type in new_mail.attachments] == [
        f"ticket-{guest.order.code}-{guest.pk}.pdf"
    ]
    # Each in its reader's language: the new holder's Spanish, the old one's French.
    assert new_mail.subject == "Su entrada para Annual Conference"
    assert new_mail.body.startswith("Estimado/a Noor:")
    assert (
        "Se le ha transferido una entrada para Annual Conference (Delegate) del "
        "pedido de Ada Buyer." in new_mail.body
    )
    assert f"/es/attendees/{guest.secret}/" in new_mail.body
    assert notice.to == ["mina@example.org"]
    assert notice.attachments == []
    assert notice.subject == "Votre billet pour Annual Conference a été transféré"
    assert (
        f"Votre billet pour Annual Conference (commande {guest.order.code}) a été "
        "transféré à une autre personne." in notice.body
    )
    assert "Le changement a été fait en ligne" in notice.body
    assert guest.secret not in notice.body
    assert notice.reply_to == ["events@example.org"]


def test_an_old_holder_without_an_address_gets_no_notice(guest, send):
    guest.email = ""
    guest.save()

    _attendee, sent = send(orders.transfer_ticket, guest, to=noor())

    assert [message.to for message in sent] == [["noor@example.org"]]


def test_a_ticket_transferred_twice_is_mailed_to_its_last_holder_only(guest):
    orders.transfer_ticket(guest, to=noor())
    first = ActivityLog.objects.get(action="ticket.transferred")
    orders.transfer_ticket(guest, to=noor(given_name="Omar", email="omar@example.org"))

    assert emails.ticket_transferred({"attendee": guest.pk, "entry": first.pk}) is None
    # The first holder's notice still goes out: they did lose the ticket.
    assert emails.ticket_transfer_notice(
        {"attendee": guest.pk, "entry": first.pk}
    ).to == ["mina@example.org"]


# --- Youth tickets ------------------------------------------------------------------


@pytest.fixture
def summit_youth(event):
    ConsentTextFactory(event=event)
    return TicketTypeFactory(
        event=event,
        name="Youth delegate",
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )


@pytest.fixture
def youth_guest(summit_youth):
    order = OrderFactory(event=summit_youth.event)
    attendee = AttendeeFactory(order=order, ticket_type=summit_youth, given_name="Yui")
    youth = YouthDetailsFactory(attendee=attendee, medical_notes="Asthma")
    GuardianConsent.objects.create(
        youth=youth,
        consent_text=summit_youth.event.consent_texts.get(),
        signed_name="Grace Guardian",
        signed_at=timezone.now(),
    )
    return attendee


def young(event, years: int) -> date:
    start = event.local_start_date()
    return start.replace(year=start.year - years) - timedelta(days=1)


def test_youth_transfer_needs_date_of_birth_and_guardian_checked_as_at_placement(
    event, youth_guest
):
    with pytest.raises(OrderInvalid) as missing:
        orders.transfer_ticket(youth_guest, to=noor())
    with pytest.raises(OrderInvalid) as too_old:
        orders.transfer_ticket(
            youth_guest,
            to=noor(
                youth=YouthData(
                    date_of_birth=young(event, 25).isoformat(),
                    guardian_name="Sam",
                    guardian_email="nope",
                    guardian_phone="+1 202 555 0199",
                )
            ),
        )

    assert field_codes(missing.value) == {
        "youth.date_of_birth": "required",
        "youth.guardian_name": "required",
        "youth.guardian_email": "required",
        "youth.guardian_phone": "required",
    }
    assert field_codes(too_old.value) == {
        "youth.date_of_birth": "too_old",
        "youth.guardian_email": "invalid",
    }
    assert youth_guest.youth.is_consent_signed


def test_youth_transfer_drops_the_old_consent_and_asks_the_new_guardian(
    event, youth_guest, send
):
    old_youth = youth_guest.youth
    born = young(event, 15)

    _attendee, sent = send(
        orders.transfer_ticket,
        youth_guest,
        to=noor(
            youth=YouthData(
                date_of_birth=born.isoformat(),
                guardian_name="Lina Haddad",
                guardian_email="lina@example.org",
                guardian_phone="+962 6 555 0100",
            )
        ),
    )

    youth = YouthDetails.objects.get(attendee=youth_guest)
    assert youth.pk != old_youth.pk
    assert youth.consent_token != old_youth.consent_token
    assert (
        youth.date_of_birth,
        youth.guardian_name,
        youth.guardian_email,
        youth.medical_notes,
        youth.is_consent_signed,
    ) == (born, "Lina Haddad", "lina@example.org", "", False)
    assert GuardianConsent.objects.count() == 0
    assert youth.consent_requested_at is not None
    youth_guest.refresh_from_db()
    assert youth_guest.consent_missing
    entry = ActivityLog.objects.get(action="ticket.transferred")
    assert entry.data["consent_superseded"] is True
    assert "Lina" not in str(entry.data) and "Asthma" not in str(entry.data)
    # The new holder hears that the ticket follows the signature; the new
    # guardian gets the consent form; the old holder the notice.
    assert sorted(message.to[0] for message in sent) == [
        "attendee@example.org",
        "lina@example.org",
        "noor@example.org",
    ]
    new_mail = next(m for m in sent if m.to == ["noor@example.org"])
    assert new_mail.attachments == []
    assert OutboxMessage.objects.filter(
        kind="email.consent_request", payload={"youth": youth.pk}
    ).exists()


def test_youth_transfer_makes_the_door_wait_for_the_new_consent(event, youth_guest):
    orders.transfer_ticket(
        youth_guest,
        to=noor(
            youth=YouthData(
                date_of_birth=young(event, 15).isoformat(),
                guardian_name="Lina Haddad",
                guardian_email="lina@example.org",
                guardian_phone="+962 6 555 0100",
            )
        ),
    )

    assert scan(event, youth_guest.secret, "n-1").check_in.result == "consent_missing"
