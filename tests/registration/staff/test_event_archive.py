"""One event's archive (services/event_archive.py, export_event / import_event):
written, the database emptied, read back with every row, id and number intact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import CommandError, call_command

from registration.checkin.services.devices import create_device
from registration.checkin.services.scans import redeem_ticket
from registration.models import (
    ActivityLog,
    AttendeeExtra,
    CheckInList,
    Event,
    Invoice,
    Order,
    Payment,
)
from registration.payments import services as payments
from registration.staff.services.event_archive import event_querysets
from tests.factories import DelegationFactory, ExtraFactory, UserFactory
from tests.factories.partnerships import PartnershipFactory
from tests.factories.registration_more import ConsentTextFactory, YouthDetailsFactory
from tests.factories.travel import TravelPlanFactory, VisaDetailsFactory
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db(transaction=True)


def build_event():
    """An event with a little of everything an event holds."""
    staff = UserFactory(username="finance.lead", first_name="Fatou", last_name="Diallo")
    order = make_order(payment_method="invoice", hold=timedelta(days=14))
    event = order.event
    payments.request_invoice(
        order,
        billing=payments.BillingData(
            name="City of Toulouse", address="1 Place du Capitole"
        ),
    )
    payments.mark_paid_by_transfer(order, reference="BANK-42", by=staff)
    attendee = order.attendees.get()
    gala = ExtraFactory(event=event, name="Gala dinner")
    AttendeeExtra.objects.create(attendee=attendee, extra=gala)
    delegation = DelegationFactory(event=event, partnership=PartnershipFactory())
    attendee.delegation = delegation
    attendee.save(update_fields=["delegation"])
    TravelPlanFactory(attendee=attendee)
    VisaDetailsFactory(attendee=attendee)
    youth_order = make_order(event=event, ticket_type=attendee.ticket_type)
    ConsentTextFactory(event=event)
    YouthDetailsFactory(attendee=youth_order.attendees.get())
    door = CheckInList.objects.create(event=event, name="Main door")
    device, _token = create_device(name="Door 1", events=[event], by=staff)
    redeem_ticket(door, device=device, nonce="n" * 12, secret=attendee.secret)
    redeem_ticket(door, device=device, nonce="m" * 12, secret=attendee.secret)
    return event


def snapshot(event) -> list:
    """Every archived row of the event as plain data (order by model, then id)."""
    rows = []
    for queryset in event_querysets(event):
        rows += serializers.serialize(
            "python", queryset.order_by("pk"), use_natural_foreign_keys=True
        )
    return rows


def empty_the_database():
    call_command("flush", interactive=False, verbosity=0)


def test_an_event_comes_back_whole_into_an_empty_database(tmp_path):
    event = build_event()
    other = make_order().event  # another event's rows stay out of the archive
    before = snapshot(event)
    invoice_number = Invoice.objects.get(order__event=event).number
    archive = tmp_path / "event.zip"

    call_command("export_event", event.slug, output=archive, verbosity=0)
    empty_the_database()
    call_command("import_event", str(archive), verbosity=0)

    event = Event.objects.get()
    assert snapshot(event) == before
    assert not Event.objects.filter(slug=other.slug).exists()
    assert Invoice.objects.get().number == invoice_number
    assert Payment.objects.get(order__event=event).reference == "BANK-42"
    assert ActivityLog.objects.filter(event=event).exists()
    # The staff account that recorded the payment is back, inactive, no password.
    staff = get_user_model().objects.get(username="finance.lead")
    assert (staff.is_active, staff.has_usable_password()) == (False, False)
    # New rows do not collide with imported ids, and numbering goes on.
    fresh = make_order(event=event, payment_method="invoice", hold=timedelta(days=14))
    assert fresh.pk > max(
        Order.objects.exclude(pk=fresh.pk).values_list("pk", flat=True)
    )
    new_invoice = payments.request_invoice(
        fresh, billing=payments.BillingData(name="Ville de Lyon", address="Lyon")
    )
    assert new_invoice.number != invoice_number
    assert new_invoice.total == Decimal("450.00")


def test_import_refuses_a_database_that_has_the_event(tmp_path):
    event = build_event()
    archive = tmp_path / "event.zip"
    call_command("export_event", event.slug, output=archive, verbosity=0)
    rows = snapshot(event)

    with pytest.raises(CommandError, match="already in this database"):
        call_command("import_event", str(archive), verbosity=0)
    assert snapshot(event) == rows


def test_bad_archive_and_unknown_slug_are_clear_errors(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip")
    with pytest.raises(CommandError, match="not an event archive"):
        call_command("import_event", str(junk), verbosity=0)
    with pytest.raises(CommandError, match="No event with the slug 'nope'"):
        call_command("export_event", "nope", verbosity=0)
