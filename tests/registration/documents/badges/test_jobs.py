"""Batch printing: the job freezes its attendees, renders them in parts, and logs every badge."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registration.documents.services import badges
from registration.models import (
    ActivityLog,
    BadgePrint,
    BadgePrintJob,
    BadgePrintJobStatus,
    CheckIn,
    CheckInList,
    CheckInResult,
    Device,
)
from tests.factories import (
    AttendeeFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.pdf_tools import flat_text, page_count, page_texts

pytestmark = pytest.mark.django_db

ALL = badges.BadgeFilters()


def start(event, *, filters=ALL, layout="a6", back_side=None, by=None):
    return badges.start_badge_print_job(
        event, filters=filters, layout=layout, back_side=back_side, by=by
    )


def job_pdf(job: BadgePrintJob) -> bytes:
    with job.pdf.open("rb") as stored:
        return stored.read()


def printed_names(pdf: bytes, people: dict) -> list[str]:
    """Whose badge each A6 page is, by the names printed on it."""
    return [
        next(str(a) for a in people.values() if str(a) in " ".join(text.split()))
        for text in page_texts(pdf)
    ]


def test_job_freezes_the_admissible_attendees_in_family_name_order(event, people):
    job = start(event)

    assert job.status == BadgePrintJobStatus.QUEUED
    assert job.total == 5
    assert job.attendee_ids == [
        people[name].pk for name in ("Abara", "Moreau", "Okubo", "Petrova", "Zhou")
    ]


def test_late_registrations_do_not_change_a_queued_job(event, people, delegate):
    job = start(event)
    AttendeeFactory(
        order=people["Zhou"].order, ticket_type=delegate, family_name="Late"
    )

    done = badges.run_badge_print_job(job.pk)

    assert done.total == 5
    assert page_count(job_pdf(done)) == 5


def test_job_renders_the_filtered_attendees_by_delegation(
    event, people, delegate, kyoto, toulouse
):
    filters = badges.BadgeFilters(
        ticket_types=(delegate.pk,),
        delegations=(kyoto.pk, toulouse.pk),
        order_by="delegation",
    )
    job = start(event, filters=filters)

    done = badges.run_badge_print_job(job.pk)

    pdf = job_pdf(done)
    assert done.status == BadgePrintJobStatus.DONE
    assert (done.done, done.total) == (2, 2)
    assert page_count(pdf) == 2
    assert printed_names(pdf, people) == ["Shōta Okubo", "Chloé Moreau"]


def test_delegation_order_puts_people_without_a_delegation_last(event, people):
    job = start(event, filters=badges.BadgeFilters(order_by="delegation"))

    assert job.attendee_ids == [
        people[name].pk for name in ("Okubo", "Petrova", "Abara", "Moreau", "Zhou")
    ]


def test_progress_moves_part_by_part_while_rendering(event, people, monkeypatch):
    monkeypatch.setattr(badges, "PROGRESS_PART", 2)
    job = start(event)

    with CaptureQueriesContext(connection) as queries:
        badges.run_badge_print_job(job.pk)

    progress_updates = [
        query["sql"]
        for query in queries
        if query["sql"].startswith('UPDATE "registration_badgeprintjob" SET "done"')
    ]
    assert len(progress_updates) == 3  # after badges 2, 4 and 5


def test_render_badges_reports_progress_in_whole_sheets(monkeypatch):
    monkeypatch.setattr(badges, "PROGRESS_PART", 5)
    order = OrderFactory.build()
    ticket_type = TicketTypeFactory.build(event=order.event)
    attendees = [
        AttendeeFactory.build(order=order, ticket_type=ticket_type, badge_name=f"P {n}")
        for n in range(13)
    ]
    seen = []

    pdf = badges.render_badges(
        attendees, layout="letter-6up", workers=1, progress=seen.append
    )

    assert seen == [6, 12, 13]
    assert page_count(pdf) == 3


def test_finished_job_records_one_print_per_badge_and_one_log_entry(event, people):
    staff = UserFactory(username="printer")
    job = start(event, by=staff, layout="a4-4up")

    badges.run_badge_print_job(job.pk)

    prints = BadgePrint.objects.filter(job=job)
    assert prints.count() == 5
    assert set(prints.values_list("layout", "printed_by")) == {("a4-4up", staff.pk)}
    logs = list(
        ActivityLog.objects.filter(object_id=str(job.pk)).values_list(
            "action", "actor", "data"
        )
    )
    assert logs == [
        ("badges.printed", staff.pk, {"layout": "a4-4up", "count": 5}),
        (
            "badges.print_requested",
            staff.pk,
            {
                "layout": "a4-4up",
                "count": 5,
                "ticket_types": [],
                "delegations": [],
                "checked_in": None,
                "not_printed_since": None,
                "order_by": "family_name",
            },
        ),
    ]


def test_not_printed_since_leaves_out_badges_printed_after_it(event, people):
    badges.run_badge_print_job(start(event).pk)
    since = timezone.now() - timedelta(minutes=1)
    BadgePrint.objects.filter(attendee=people["Zhou"]).update(
        printed_at=since - timedelta(hours=2)
    )

    job = start(event, filters=badges.BadgeFilters(not_printed_since=since))

    assert job.attendee_ids == [people["Zhou"].pk]


def test_nothing_to_print_is_refused_before_a_job_is_written(event, people):
    badges.run_badge_print_job(start(event).pk)
    yesterday = timezone.now() - timedelta(days=1)

    with pytest.raises(badges.BadgeError) as error:
        start(event, filters=badges.BadgeFilters(not_printed_since=yesterday))

    assert error.value.code == "no_badges"
    assert BadgePrintJob.objects.count() == 1


def test_checked_in_filter_reads_the_door_scans(event, people):
    door = CheckInList.objects.create(event=event, name="Main door")
    device = Device.objects.create(name="Phone 1")
    for family, result in (
        ("Moreau", CheckInResult.OK),
        ("Zhou", CheckInResult.UNPAID),
    ):
        CheckIn.objects.create(
            checkin_list=door,
            attendee=people[family],
            result=result,
            device=device,
            nonce=family,
            scanned_at=timezone.now(),
        )

    inside = start(event, filters=badges.BadgeFilters(checked_in=True))
    outside = start(event, filters=badges.BadgeFilters(checked_in=False))

    assert inside.attendee_ids == [people["Moreau"].pk]
    assert outside.attendee_ids == [
        people[name].pk for name in ("Abara", "Okubo", "Petrova", "Zhou")
    ]


def test_a_job_runs_once(event, people):
    job = start(event)
    badges.run_badge_print_job(job.pk)

    again = badges.run_badge_print_job(job.pk)

    assert again.status == BadgePrintJobStatus.DONE
    assert BadgePrint.objects.filter(job=job).count() == 5


def test_a_failed_render_marks_the_job_failed_and_logs_it(event, people):
    job = start(event)
    BadgePrintJob.objects.filter(pk=job.pk).update(layout="a5")

    failed = badges.run_badge_print_job(job.pk)

    assert failed.status == BadgePrintJobStatus.FAILED
    assert failed.error == "BadgeError: Unknown badge layout a5."
    assert BadgePrint.objects.count() == 0
    assert ActivityLog.objects.filter(action="badges.print_failed").count() == 1


def test_back_side_options_are_printed(event, people, kyoto):
    back = badges.BadgeBack(
        programme=("Thu 09:00 Opening plenary",),
        wifi_network="SCI-2027",
        wifi_password="twinning",
        emergency_contact="Event desk +1 202 555 0142",
    )
    job = start(
        event, filters=badges.BadgeFilters(delegations=(kyoto.pk,)), back_side=back
    )

    pdf = job_pdf(badges.run_badge_print_job(job.pk))

    assert page_count(pdf) == 4
    assert "SCI-2027" in flat_text(pdf)
    assert "Event desk +1 202 555 0142" in flat_text(pdf)
