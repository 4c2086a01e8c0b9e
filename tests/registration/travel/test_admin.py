"""Staff screens: delegations, travel plans, manifests, rooming list, visa letters."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registration.models import (
    OrderStatus,
    OutboxMessage,
    VisaLetter,
    VisaLetterStatus,
)
from registration.travel.services import delegations
from tests.factories import AttendeeFactory, OrderFactory, UserFactory
from tests.factories.travel import TravelPlanFactory, VisaDetailsFactory
from tests.pdf_tools import layout_text, page_count
from tests.registration.travel.conftest import member

pytestmark = pytest.mark.django_db


def member_of(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def refused(response) -> bool:
    """Wagtail answers PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code in {302, 403} and (
        response.status_code == 403 or response["Location"] == "/admin/"
    )


@pytest.fixture
def travel_desk(db):
    return member_of("Travel desk", "traveldesk")


@pytest.fixture
def manager(db):
    return member_of("Registration managers", "manager")


def _traveller(event, delegation=None, *, given, at, airport, status=OrderStatus.PAID):
    attendee = AttendeeFactory(
        order=OrderFactory(event=event, status=status),
        given_name=given,
        family_name="Traveller",
        delegation=delegation,
    )
    TravelPlanFactory(
        attendee=attendee, arrival_at=at, arrival_airport=airport, pickup_needed=True
    )
    return attendee


def test_passport_data_only_for_the_travel_desk(client, event, travel_desk, manager):
    attendee = _traveller(
        event, given="Léa", at=datetime(2027, 6, 10, 13, tzinfo=UTC), airport="IAD"
    )
    VisaDetailsFactory(attendee=attendee)

    client.force_login(manager)
    listing = client.get(f"/admin/travel_plans/?event={event.pk}").content.decode()
    edit = client.get(f"/admin/travel_plans/attendee/{attendee.pk}/").content.decode()
    assert "Léa Traveller" in listing
    assert "19FV12345" not in listing and "19FV12345" not in edit
    assert 'data-testid="visa-fields"' not in edit
    assert refused(client.get("/admin/visa_letters/1/pdf/"))

    client.force_login(travel_desk)
    listing = client.get(f"/admin/travel_plans/?event={event.pk}").content.decode()
    edit = client.get(f"/admin/travel_plans/attendee/{attendee.pk}/").content.decode()
    assert "FR · 19FV12345" in listing
    assert 'value="19FV12345"' in edit


def test_travel_plan_list_queries_do_not_grow(client, event, travel_desk):
    for index in range(2):
        VisaDetailsFactory(
            attendee=_traveller(
                event,
                given=f"A{index}",
                at=datetime(2027, 6, 10, 13, tzinfo=UTC),
                airport="IAD",
            )
        )
    client.force_login(travel_desk)
    client.get(f"/admin/travel_plans/?event={event.pk}")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/admin/travel_plans/?event={event.pk}")
    for index in range(5):
        VisaDetailsFactory(
            attendee=_traveller(
                event,
                given=f"B{index}",
                at=datetime(2027, 6, 11, 13, tzinfo=UTC),
                airport="LAX",
            )
        )
    with CaptureQueriesContext(connection) as many:
        client.get(f"/admin/travel_plans/?event={event.pk}")
    assert len(many) == len(few)


def test_admin_travel_form_takes_airport_times_and_keeps_input(
    client, event, travel_desk
):
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    client.force_login(travel_desk)
    url = f"/admin/travel_plans/attendee/{attendee.pk}/"

    bad = client.post(
        url,
        {
            "arrival_airport": "ZZZ",
            "arrival_date": "2027-06-09",
            "arrival_time": "23:30",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "ZZZ is not a known airport or station code." in html
    assert 'value="23:30"' in html

    good = client.post(
        url,
        {
            "arrival_airport": "LAX",
            "arrival_date": "2027-06-09",
            "arrival_time": "23:30",
            "visa-nationality": "FR",
            "visa-passport_number": "19FV12345",
            "visa-passport_expiry": "2031-05-01",
        },
    )
    assert good.status_code == 302
    attendee.travel.refresh_from_db()
    assert attendee.travel.arrival_at == datetime(2027, 6, 10, 6, 30, tzinfo=UTC)
    assert attendee.visa.passport_number == "19FV12345"


def test_manifest_screen_and_csv_sort_by_instant_in_local_days(client, event, manager):
    _traveller(
        event, given="Ines", at=datetime(2027, 6, 10, 13, tzinfo=UTC), airport="IAD"
    )
    _traveller(
        event, given="Luis", at=datetime(2027, 6, 10, 6, 30, tzinfo=UTC), airport="LAX"
    )
    _traveller(
        event, given="Hana", at=datetime(2027, 6, 10, 9, tzinfo=UTC), airport="HNL"
    )
    client.force_login(manager)

    page = client.get(f"/admin/travel_manifest/?event={event.pk}").content.decode()
    assert page.count('data-testid="manifest-day"') == 2
    assert page.index("Luis") < page.index("Hana") < page.index("Ines")
    assert "<strong>23:30</strong> PDT" in page
    assert "Wednesday 9 June 2027" in page and "Thursday 10 June 2027" in page

    response = client.get(f"/admin/travel_manifest/?event={event.pk}&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [[*row[:4], row[6]] for row in rows[1:]] == [
        ["2027-06-09", "23:30", "PDT", "LAX", "Luis Traveller"],
        ["2027-06-09", "23:00", "HST", "HNL", "Hana Traveller"],
        ["2027-06-10", "09:00", "EDT", "IAD", "Ines Traveller"],
    ]

    pdf = client.get(f"/admin/travel_manifest/?event={event.pk}&format=pdf")
    text = layout_text(pdf.content)
    assert text.index("23:30 PDT") < text.index("23:00 HST") < text.index("09:00 EDT")
    assert "Wednesday 9 June 2027 · 2 travellers" in text


def test_manifest_queries_do_not_grow(client, event, manager):
    _traveller(
        event, given="A", at=datetime(2027, 6, 10, 13, tzinfo=UTC), airport="IAD"
    )
    client.force_login(manager)
    client.get(f"/admin/travel_manifest/?event={event.pk}")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/admin/travel_manifest/?event={event.pk}")
    for index in range(5):
        _traveller(
            event,
            given=f"B{index}",
            at=datetime(2027, 6, 11, 3, tzinfo=UTC),
            airport="HNL",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(f"/admin/travel_manifest/?event={event.pk}")
    assert len(many) == len(few)


def test_screens_refuse_staff_without_permission(client, event, delegation):
    outsider = member_of("Editors", "editor")
    client.force_login(outsider)
    for url in (
        "/admin/travel_plans/",
        "/admin/travel_manifest/",
        "/admin/rooming_list/",
        "/admin/visa_letters/",
        f"/admin/delegations/{delegation.pk}/manage/",
    ):
        assert refused(client.get(url)), url
    assert refused(client.post(f"/admin/delegations/{delegation.pk}/send-link/"))
    assert not OutboxMessage.objects.filter(kind="email.delegation_link").exists()


def test_creating_a_delegation_with_a_leader_sends_the_link(client, event, travel_desk):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/delegations/new/",
        {
            "event": event.pk,
            "name": "Osaka delegation",
            "home_city": "Osaka",
            "home_country": "JP",
            "status": "open",
            "billing": "delegation_invoice",
            "leader_name": "Aiko Tanaka",
            "leader_email": "aiko@osaka.example",
            "leader_language": "en",
        },
    )
    assert response.status_code == 302
    delegation = event.delegations.get(name="Osaka delegation")
    assert list(
        OutboxMessage.objects.filter(kind="email.delegation_link").values_list(
            "payload", flat=True
        )
    ) == [{"delegation": delegation.pk}]

    client.force_login(travel_desk)
    page = client.get(f"/admin/delegations/{delegation.pk}/manage/").content.decode()
    assert f"/delegations/{delegation.secret}/" in page


def test_delegation_page_lists_members_with_travel(
    client, delegation, delegate, manager
):
    attendee = delegations.add_member(
        delegation, member=member(delegate)
    ).attendees.get()
    TravelPlanFactory(
        attendee=attendee,
        arrival_at=datetime(2027, 6, 10, 6, 30, tzinfo=UTC),
        arrival_airport="LAX",
        visa_letter_needed=True,
        visa_letter_status=VisaLetterStatus.REQUESTED,
    )
    client.force_login(manager)
    page = client.get(f"/admin/delegations/{delegation.pk}/manage/").content.decode()
    assert page.count('data-testid="member-row"') == 1
    assert "2027-06-09 23:30 PDT" in page
    assert "Requested<br>" in page.replace("\n", "")
    assert "Staff have not approved the visa letter yet." in page


def test_letters_are_issued_only_when_paid_and_approved(
    client, event, delegation, travel_desk
):
    paid = AttendeeFactory(
        order=OrderFactory(event=event), delegation=delegation, given_name="Paid"
    )
    unpaid = AttendeeFactory(
        order=OrderFactory(event=event, status=OrderStatus.PENDING),
        delegation=delegation,
        given_name="Unpaid",
    )
    unapproved = AttendeeFactory(
        order=OrderFactory(event=event), delegation=delegation, given_name="Waiting"
    )
    for attendee, status in (
        (paid, VisaLetterStatus.APPROVED),
        (unpaid, VisaLetterStatus.APPROVED),
        (unapproved, VisaLetterStatus.REQUESTED),
    ):
        TravelPlanFactory(
            attendee=attendee, visa_letter_needed=True, visa_letter_status=status
        )
        VisaDetailsFactory(attendee=attendee)
    client.force_login(travel_desk)

    refused_one = client.post(f"/admin/travel_plans/attendee/{unpaid.pk}/issue-letter/")
    assert refused_one.status_code == 302
    assert not VisaLetter.objects.exists()

    response = client.post(f"/admin/delegations/{delegation.pk}/letters/")
    assert response["Content-Type"] == "application/pdf"
    assert page_count(response.content) == 1
    assert list(VisaLetter.objects.values_list("attendee_id", flat=True)) == [paid.pk]
    assert "Paid Park" in layout_text(response.content)

    approve = client.post(
        f"/admin/travel_plans/attendee/{unapproved.pk}/letter-status/",
        {"decision": "approved"},
    )
    assert approve.status_code == 302
    single = client.post(f"/admin/travel_plans/attendee/{unapproved.pk}/issue-letter/")
    assert single["Content-Type"] == "application/pdf"
    assert VisaLetter.objects.count() == 2


def test_manager_cannot_issue_letters(client, event, manager):
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    TravelPlanFactory(
        attendee=attendee,
        visa_letter_needed=True,
        visa_letter_status=VisaLetterStatus.APPROVED,
    )
    VisaDetailsFactory(attendee=attendee)
    client.force_login(manager)
    assert refused(
        client.post(f"/admin/travel_plans/attendee/{attendee.pk}/issue-letter/")
    )
    assert not VisaLetter.objects.exists()


def test_rooming_list_csv(client, event, manager):
    a = AttendeeFactory(order=OrderFactory(event=event), given_name="Ana")
    TravelPlanFactory(
        attendee=a,
        lodging_kind="hotel",
        lodging_name="Hotel Harrington",
        room_sharing_with="Bea",
    )
    client.force_login(manager)
    page = client.get(f"/admin/rooming_list/?event={event.pk}").content.decode()
    assert page.count('data-testid="rooming-group"') == 1
    response = client.get(f"/admin/rooming_list/?event={event.pk}&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][:5] == ["Hotel Harrington", "hotel", "Ana Park", "", "Bea"]


def test_combined_invoice_is_marked_paid_from_the_delegation_page(
    client, delegation, delegate
):
    delegations.add_member(delegation, member=member(delegate))
    invoice = delegations.close_delegation(delegation)
    finance = member_of("Finance", "finance")
    client.force_login(finance)

    response = client.post(
        f"/admin/delegations/{delegation.pk}/invoice/mark-paid/",
        {"reference": "BNP 7781"},
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    pdf = client.get(f"/admin/delegations/{delegation.pk}/invoice/")
    assert pdf["Content-Type"] == "application/pdf"
