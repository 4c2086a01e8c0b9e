from datetime import timedelta

import pytest
from django.utils import timezone

from registration.errors import ProgrammeError, SoldOut
from registration.models import (
    ActivityLog,
    OrderStatus,
    OutboxMessage,
    SessionSignup,
    SessionWaitlistEntry,
)
from registration.programme import selectors, services
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory()


def attendee_of(event, **order_fields):
    return AttendeeFactory(order=OrderFactory(event=event, **order_fields))


def test_sign_up_gives_a_place_and_logs_it(event):
    session = ProgrammeSessionFactory(event=event, capacity=2)
    attendee = attendee_of(event)

    signup = services.sign_up(attendee, session)

    assert list(SessionSignup.objects.values_list("session", "attendee")) == [
        (session.pk, attendee.pk)
    ]
    assert signup.by_staff is False
    assert selectors.places_left([session], now=timezone.now()) == {session.pk: 1}
    assert list(ActivityLog.objects.values_list("action", flat=True)) == [
        "programme.signed_up"
    ]


def test_signing_up_twice_keeps_one_place(event):
    session = ProgrammeSessionFactory(event=event, capacity=1)
    attendee = attendee_of(event)

    first = services.sign_up(attendee, session)
    again = services.sign_up(attendee, session)

    assert again.pk == first.pk
    assert SessionSignup.objects.count() == 1


def test_sign_up_refuses_a_full_session_naming_the_session(event):
    session = ProgrammeSessionFactory(event=event, capacity=1, title="Youth forum")
    services.sign_up(attendee_of(event), session)

    with pytest.raises(SoldOut) as refused:
        services.sign_up(attendee_of(event), session)

    assert refused.value.code == "sold_out"
    assert refused.value.field == "session"
    assert refused.value.message == (
        "Youth forum is full; you may join its waiting list."
    )


def test_sign_up_refuses_an_overlapping_session(event):
    first = ProgrammeSessionFactory(event=event, title="Water")
    clash = ProgrammeSessionFactory(
        event=event,
        title="Trade",
        starts_at=first.starts_at + timedelta(minutes=30),
        ends_at=first.ends_at + timedelta(minutes=30),
    )
    attendee = attendee_of(event)
    services.sign_up(attendee, first)

    with pytest.raises(ProgrammeError) as refused:
        services.sign_up(attendee, clash)

    assert (refused.value.code, refused.value.field) == ("overlap", "session")
    assert refused.value.message == "Trade overlaps Water, which you are signed up for."


def test_back_to_back_sessions_do_not_overlap(event):
    first = ProgrammeSessionFactory(event=event)
    after = ProgrammeSessionFactory(
        event=event, starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=1)
    )
    attendee = attendee_of(event)

    services.sign_up(attendee, first)
    services.sign_up(attendee, after)

    assert SessionSignup.objects.filter(attendee=attendee).count() == 2


def test_sign_up_refuses_a_ticket_type_the_session_is_not_open_to(event):
    youth = TicketTypeFactory(event=event, name="Youth delegate")
    session = ProgrammeSessionFactory(event=event)
    session.ticket_types.set([youth])
    adult = attendee_of(event)

    with pytest.raises(ProgrammeError) as refused:
        services.sign_up(adult, session)

    assert refused.value.code == "ticket_type_not_allowed"
    young = AttendeeFactory(order=OrderFactory(event=event), ticket_type=youth)
    assert services.sign_up(young, session).attendee == young


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (OrderStatus.CANCELED, "order_closed"),
        (OrderStatus.EXPIRED, "order_closed"),
        (OrderStatus.AWAITING_APPROVAL, "not_confirmed"),
    ],
)
def test_sign_up_refuses_orders_that_hold_no_seat(event, status, code):
    session = ProgrammeSessionFactory(event=event)

    with pytest.raises(ProgrammeError) as refused:
        services.sign_up(attendee_of(event, status=status), session)

    assert refused.value.code == code


def test_an_overdue_pending_hold_neither_signs_up_nor_counts(event):
    now = timezone.now()
    session = ProgrammeSessionFactory(event=event, capacity=1)
    holder = attendee_of(
        event, status=OrderStatus.PENDING, expires_at=now + timedelta(minutes=5)
    )
    services.sign_up(holder, session, now=now)
    later = now + timedelta(minutes=10)

    assert selectors.places_left([session], now=later) == {session.pk: 1}
    with pytest.raises(ProgrammeError) as refused:
        services.sign_up(holder, session, now=later)
    assert refused.value.code == "not_confirmed"


def test_sign_up_waits_for_the_opening_and_closes_at_the_start(event):
    now = timezone.now()
    session = ProgrammeSessionFactory(
        event=event, signup_opens_at=now + timedelta(hours=1)
    )
    attendee = attendee_of(event)

    with pytest.raises(ProgrammeError) as early:
        services.sign_up(attendee, session, now=now)
    with pytest.raises(ProgrammeError) as late:
        services.sign_up(attendee, session, now=session.starts_at)

    assert (early.value.code, late.value.code) == ("signup_not_open", "session_started")
    staff = UserFactory(is_staff=True)
    assert services.sign_up(attendee, session, by=staff, by_staff=True, now=now)


def test_sign_up_refuses_a_session_of_another_event(event):
    elsewhere = ProgrammeSessionFactory()

    with pytest.raises(ProgrammeError) as refused:
        services.sign_up(attendee_of(event), elsewhere)

    assert refused.value.code == "wrong_event"


def test_a_full_session_takes_a_waiting_list_and_promotes_in_order(event):
    session = ProgrammeSessionFactory(event=event, capacity=1, title="Gala")
    holder, first, second = (attendee_of(event) for _ in range(3))
    services.sign_up(holder, session)
    with pytest.raises(ProgrammeError) as not_full:
        services.join_session_waitlist(holder, session)
    assert not_full.value.code == "signed_up"
    services.join_session_waitlist(first, session)
    services.join_session_waitlist(second, session)

    assert services.leave_session(holder, session) is True

    assert list(
        SessionSignup.objects.filter(session=session).values_list("attendee", flat=True)
    ) == [first.pk]
    assert list(SessionWaitlistEntry.objects.values_list("attendee", flat=True)) == [
        second.pk
    ]
    assert list(OutboxMessage.objects.values_list("kind", "payload")) == [
        ("email.programme_place", {"session": session.pk, "attendee": first.pk})
    ]


def test_joining_the_waiting_list_of_a_session_with_places_is_refused(event):
    session = ProgrammeSessionFactory(event=event, capacity=5)

    with pytest.raises(ProgrammeError) as refused:
        services.join_session_waitlist(attendee_of(event), session)

    assert refused.value.code == "not_full"


def test_promotion_skips_who_may_no_longer_sign_up(event):
    session = ProgrammeSessionFactory(event=event, capacity=1)
    holder, canceled, next_one = (attendee_of(event) for _ in range(3))
    services.sign_up(holder, session)
    services.join_session_waitlist(canceled, session)
    services.join_session_waitlist(next_one, session)
    canceled.order.status = OrderStatus.CANCELED
    canceled.order.save(update_fields=["status"])

    services.leave_session(holder, session)

    assert list(SessionSignup.objects.values_list("attendee", flat=True)) == [
        next_one.pk
    ]
    assert SessionWaitlistEntry.objects.count() == 0


def test_a_canceled_order_frees_its_place_for_the_periodic_promotion(event):
    session = ProgrammeSessionFactory(event=event, capacity=1)
    holder, waiting = attendee_of(event), attendee_of(event)
    services.sign_up(holder, session)
    services.join_session_waitlist(waiting, session)
    holder.order.status = OrderStatus.CANCELED
    holder.order.save(update_fields=["status"])

    assert services.promote_waitlists() == 1

    assert SessionSignup.objects.filter(attendee=waiting).exists()


def test_leaving_after_the_start_is_for_staff_only(event):
    session = ProgrammeSessionFactory(event=event)
    attendee = attendee_of(event)
    services.sign_up(attendee, session)

    with pytest.raises(ProgrammeError) as refused:
        services.leave_session(attendee, session, now=session.starts_at)

    assert refused.value.code == "session_started"
    staff = UserFactory(is_staff=True)
    assert services.leave_session(attendee, session, by=staff, now=session.starts_at)


def test_move_attendee_swaps_sessions_or_keeps_the_old_place(event):
    staff = UserFactory(is_staff=True)
    source = ProgrammeSessionFactory(event=event, title="A")
    same_time = ProgrammeSessionFactory(
        event=event, title="B", starts_at=source.starts_at, ends_at=source.ends_at
    )
    full = ProgrammeSessionFactory(event=event, title="C", capacity=0)
    attendee = attendee_of(event)
    services.sign_up(attendee, source)

    with pytest.raises(SoldOut):
        services.move_attendee(attendee, from_session=source, to_session=full, by=staff)
    assert list(SessionSignup.objects.values_list("session", flat=True)) == [source.pk]

    services.move_attendee(
        attendee, from_session=source, to_session=same_time, by=staff
    )

    assert list(SessionSignup.objects.values_list("session", "by_staff")) == [
        (same_time.pk, True)
    ]


def test_programme_by_day_groups_in_the_event_zone_with_places_left(event):
    morning = ProgrammeSessionFactory(event=event, capacity=3)
    next_day = ProgrammeSessionFactory(
        event=event,
        starts_at=morning.starts_at + timedelta(days=1),
        ends_at=morning.ends_at + timedelta(days=1),
    )
    services.sign_up(attendee_of(event), morning)

    days = selectors.programme_by_day(event)

    assert [[s.pk for s in day.sessions] for day in days] == [
        [morning.pk],
        [next_day.pk],
    ]
    assert [s.places_left for day in days for s in day.sessions] == [2, None]
    assert days[0].day == timezone.localtime(morning.starts_at, event.tz).date()


def test_titles_fall_back_to_english(event):
    session = ProgrammeSessionFactory(
        event=event, title="Youth forum", title_es="Foro juvenil"
    )

    assert session.title_in("es") == "Foro juvenil"
    assert session.title_in("fr") == "Youth forum"
    assert session.title_in("en") == "Youth forum"


def test_a_promotion_of_someone_already_signed_up_takes_them_out_of_the_line(event):
    session = ProgrammeSessionFactory(event=event, capacity=2)
    holder, both = attendee_of(event), attendee_of(event)
    services.sign_up(holder, session)
    services.sign_up(both, session)
    # A line entry left beside a place (written before the place, say).
    SessionWaitlistEntry.objects.create(session=session, attendee=both)

    services.leave_session(holder, session)

    assert SessionWaitlistEntry.objects.count() == 0
    assert list(SessionSignup.objects.values_list("attendee", flat=True)) == [both.pk]


def test_the_promoted_attendee_is_told_in_their_language(event, mailoutbox):
    from registration.outbox.services import deliver_message

    session = ProgrammeSessionFactory(
        event=event, capacity=1, title="Water", title_es="Agua"
    )
    holder = attendee_of(event)
    waiting = AttendeeFactory(
        order=OrderFactory(event=event), email="ana@example.org", language="es"
    )
    services.sign_up(holder, session)
    services.join_session_waitlist(waiting, session)
    services.leave_session(holder, session)

    message = OutboxMessage.objects.get(kind="email.programme_place")
    assert deliver_message(message.pk) is True

    [sent] = mailoutbox
    assert sent.to == ["ana@example.org"]
    assert sent.subject == "Tiene plaza: Agua"
    assert f"/es/attendees/{waiting.secret}/" in sent.body
