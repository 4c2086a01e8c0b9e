"""The audience filters pick exactly the right people (mailings/selectors.py)."""

from datetime import timedelta

from django.utils import timezone

from registration.mailings.selectors import AudienceFilters, audience_recipients
from registration.models import OrderStatus
from tests.factories import ExtraFactory, OrderFactory, TicketTypeFactory
from tests.factories.registration_more import YouthDetailsFactory
from tests.factories.travel import LedDelegationFactory, TravelPlanFactory
from tests.registration.mailings.conftest import door_scan, person


def emails(event, audience="attendees", **filters) -> list[str]:
    recipients = audience_recipients(event, audience, AudienceFilters(**filters))
    return [r.email for r in recipients]


def test_everyone_of_live_orders_and_never_canceled_expired_or_overdue(event):
    person(event, "Ana")
    person(event, "Ben", order=OrderFactory(event=event, status=OrderStatus.PENDING))
    person(
        event,
        "Cid",
        order=OrderFactory(event=event, status=OrderStatus.AWAITING_APPROVAL),
    )
    person(event, "Dee", order=OrderFactory(event=event, status=OrderStatus.CANCELED))
    person(event, "Eve", order=OrderFactory(event=event, status=OrderStatus.EXPIRED))
    overdue = OrderFactory(
        event=event,
        status=OrderStatus.PENDING,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    person(event, "Fay", order=overdue)
    person(OrderFactory().event, "Gus")  # another event

    assert emails(event) == ["ana@example.org", "ben@example.org", "cid@example.org"]


def test_order_status_filter_picks_those_statuses_only(event):
    person(event, "Ana")
    person(event, "Ben", order=OrderFactory(event=event, status=OrderStatus.PENDING))
    person(event, "Eve", order=OrderFactory(event=event, status=OrderStatus.EXPIRED))

    assert emails(event, order_statuses=("paid",)) == ["ana@example.org"]
    assert emails(event, order_statuses=("expired",)) == ["eve@example.org"]


def test_ticket_type_filter(event):
    youth = TicketTypeFactory(event=event, name="Youth delegate")
    person(event, "Ana", ticket_type=youth)
    person(event, "Ben")

    assert emails(event, ticket_types=(youth.pk,)) == ["ana@example.org"]


def test_extra_filter(event):
    gala = ExtraFactory(event=event, name="Gala dinner")
    visit = ExtraFactory(event=event, name="Site visit")
    ana = person(event, "Ana")
    ana.extras.add(gala, visit)
    person(event, "Ben").extras.add(visit)
    person(event, "Cid")

    assert emails(event, extras=(gala.pk,)) == ["ana@example.org"]
    assert emails(event, extras=(gala.pk, visit.pk)) == [
        "ana@example.org",
        "ben@example.org",
    ]


def test_delegation_filter(event):
    toulouse = LedDelegationFactory(event=event, name="Toulouse")
    person(event, "Ana", delegation=toulouse)
    person(event, "Ben", delegation=LedDelegationFactory(event=event, name="Lyon"))
    person(event, "Cid")

    assert emails(event, delegations=(toulouse.pk,)) == ["ana@example.org"]


def test_country_filter(event):
    person(event, "Ana", country="MX")
    person(event, "Ben", country="FR")
    person(event, "Cid")

    assert emails(event, countries=("MX", "FR")) == [
        "ana@example.org",
        "ben@example.org",
    ]


def test_check_in_filter_both_ways(event):
    ana = person(event, "Ana")
    door_scan(ana)
    ben = person(event, "Ben")
    door_scan(ben, result="already_checked_in")  # a refused scan admits no one
    person(event, "Cid")

    assert emails(event, checked_in=True) == ["ana@example.org"]
    assert emails(event, checked_in=False) == ["ben@example.org", "cid@example.org"]


def test_consent_outstanding_filter(event):
    summit = TicketTypeFactory(event=event, requires_guardian_consent=True)
    YouthDetailsFactory(attendee=person(event, "Ana", ticket_type=summit))
    person(event, "Ben", ticket_type=summit)  # no youth details yet: outstanding
    signed = person(event, "Cid", ticket_type=summit)
    youth = YouthDetailsFactory(attendee=signed)
    youth.consent = signed.order.event.consent_texts.create(
        version=1, title="Consent", body="..."
    ).consents.create(youth=youth, signed_name="G", signed_at=timezone.now())
    person(event, "Dee")  # an adult ticket needs no consent

    assert emails(event, consent_outstanding=True) == [
        "ana@example.org",
        "ben@example.org",
    ]


def test_travel_missing_filter(event):
    person(event, "Ana")  # no travel plan
    TravelPlanFactory(attendee=person(event, "Ben"), arrival_at=timezone.now())
    TravelPlanFactory(
        attendee=person(event, "Cid"),
        arrival_at=timezone.now(),
        departure_at=timezone.now() + timedelta(days=4),
    )

    assert emails(event, travel_missing=True) == ["ana@example.org", "ben@example.org"]


def test_buyers_once_per_address_in_the_buyers_language(event):
    order = OrderFactory(
        event=event, buyer_email="Group@Example.org", buyer_name="Group", language="es"
    )
    person(event, "Ana", order=order)
    person(event, "Ben", order=order)
    person(
        event, "Cid", order=OrderFactory(event=event, buyer_email="group@example.org")
    )

    recipients = audience_recipients(event, "buyers", AudienceFilters())
    assert [(r.email, r.language, r.order) for r in recipients] == [
        ("Group@Example.org", "es", order)
    ]


def test_attendees_without_an_address_and_repeats_are_left_out(event):
    person(event, "Ana", email="")
    person(event, "Ben", email="family@example.org")
    person(event, "Cid", email="FAMILY@example.org")

    assert emails(event) == ["family@example.org"]


def test_leaders_of_the_delegations_of_matching_people(event):
    toulouse = LedDelegationFactory(
        event=event, name="Toulouse", leader_email="t@example.org", leader_language="fr"
    )
    lyon = LedDelegationFactory(event=event, name="Lyon", leader_email="l@example.org")
    LedDelegationFactory(event=event, name="Empty", leader_email="e@example.org")
    person(event, "Ana", delegation=toulouse)
    person(event, "Ben", delegation=toulouse)
    TravelPlanFactory(
        attendee=person(event, "Cid", delegation=lyon),
        arrival_at=timezone.now(),
        departure_at=timezone.now(),
    )

    assert emails(event, "leaders") == ["t@example.org", "l@example.org"]
    recipients = audience_recipients(
        event, "leaders", AudienceFilters(travel_missing=True)
    )
    assert [(r.email, r.language, r.delegation) for r in recipients] == [
        ("t@example.org", "fr", toulouse)
    ]


def test_guardians_of_youth_delegates(event):
    summit = TicketTypeFactory(event=event, requires_guardian_consent=True)
    YouthDetailsFactory(
        attendee=person(event, "Ana", ticket_type=summit),
        guardian_email="mum@example.org",
        guardian_name="Mum Park",
    )
    person(event, "Ben", ticket_type=summit)

    recipients = audience_recipients(event, "guardians", AudienceFilters())
    assert [(r.email, r.name) for r in recipients] == [("mum@example.org", "Mum Park")]
