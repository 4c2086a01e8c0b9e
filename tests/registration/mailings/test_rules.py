"""Scheduled rules: sent by the periodic loop once per person, also after a restart."""

from datetime import timedelta

from django.utils import timezone

from registration.mailings.services.compose import set_rule_active
from registration.mailings.services.rules import run_mailing_rules
from registration.models import MailingRecipient, Order
from registration.periodic import run_periodic_jobs
from tests.registration.mailings.conftest import person, write_mailing


def received(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def know_before_you_go(event, by, **fields):
    rule = write_mailing(event, by, schedule="before_start", schedule_days=7, **fields)
    return set_rule_active(rule, active=True, by=by)


def test_a_rule_before_the_start_sends_once_per_person_across_restarts(
    event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana")
    person(event, "Ben")
    know_before_you_go(event, manager)
    week_before = event.starts_at - timedelta(days=7)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_mailing_rules(now=week_before - timedelta(minutes=1)) == 0
        assert run_mailing_rules(now=week_before) == 2
        # The loop runs every minute, and is restarted: nobody gets it twice.
        assert run_mailing_rules(now=week_before + timedelta(minutes=1)) == 0
        run_periodic_jobs(now=week_before + timedelta(hours=1))
    assert received(mailoutbox) == ["ana@example.org", "ben@example.org"]

    # Someone registering later still gets it, once.
    person(event, "Cid")
    with django_capture_on_commit_callbacks(execute=True):
        assert run_mailing_rules(now=week_before + timedelta(days=1)) == 1
        assert run_mailing_rules(now=week_before + timedelta(days=2)) == 0
    assert received(mailoutbox) == [
        "ana@example.org",
        "ben@example.org",
        "cid@example.org",
    ]


def test_a_paused_rule_sends_nothing_and_a_rule_closes_after_the_event(
    event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana")
    rule = know_before_you_go(event, manager)
    set_rule_active(rule, active=False, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_mailing_rules(now=event.starts_at) == 0
    set_rule_active(rule, active=True, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_mailing_rules(now=event.ends_at + timedelta(days=2)) == 0
    assert mailoutbox == []


def test_a_rule_after_registration_reaches_each_person_in_their_own_time(
    event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    rule = write_mailing(event, manager, schedule="after_registration", schedule_days=2)
    set_rule_active(rule, active=True, by=manager)
    now = timezone.now()
    ana = person(event, "Ana")
    ben = person(event, "Ben")
    Order.objects.filter(pk=ben.order_id).update(created_at=now + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert run_mailing_rules(now=now + timedelta(days=1)) == 0
        assert run_mailing_rules(now=now + timedelta(days=2, minutes=1)) == 1
        assert run_mailing_rules(now=now + timedelta(days=3, minutes=1)) == 1
        assert run_mailing_rules(now=now + timedelta(days=4)) == 0
    assert [m.to for m in mailoutbox] == [[ana.email], [ben.email]]
    assert MailingRecipient.objects.filter(mailing=rule).count() == 2
