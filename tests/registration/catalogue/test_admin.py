"""The Events menu group of the Wagtail admin: events, vouchers, delegations."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Event, TicketType, Voucher
from tests.factories import (
    DelegationFactory,
    EventFactory,
    TicketTypeFactory,
    UserFactory,
    VoucherFactory,
)

pytestmark = pytest.mark.django_db

ADD_EVENT_URL = "/admin/events/new/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def management_form(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def ticket_type_form(index: int, **fields) -> dict[str, str]:
    """One inline ticket type as the add form posts it (unticked boxes are absent)."""
    values = {
        "id": "",
        "ORDER": str(index + 1),
        "DELETE": "",
        "name": "Delegate",
        "description": "",
        "price": "450.00",
        "member_price": "",
        "capacity": "",
        "counts_toward_event_capacity": "on",
        "min_per_order": "1",
        "max_per_order": "10",
        "available_from": "",
        "available_until": "",
        "min_age": "",
        "max_age": "",
        "badge_role": "",
        "badge_colour": "#1F6FB2",
        "badge_layout": "a6",
        **fields,
    }
    return {
        f"ticket_types-{index}-{in_english(name)}": value
        for name, value in values.items()
    }


def in_english(name: str) -> str:
    """A translated text is posted as its English field (catalogue/translation.py)."""
    return f"{name}_en" if name in {"name", "description", "badge_role"} else name


def event_post(*ticket_types: dict[str, str], **fields) -> dict[str, str]:
    data = {
        "name": "Annual Conference 2027",
        "slug": "annual-conference-2027",
        "kind": "conference",
        "starts_at": "2027-07-15 09:00",
        "ends_at": "2027-07-18 17:00",
        "time_zone": "America/New_York",
        "venue": "Convention Center",
        "address": "",
        "city": "Washington",
        "country": "US",
        "registration_opens_at": "2027-01-10 09:00",
        "registration_closes_at": "2027-07-01 23:00",
        "capacity": "500",
        "currency": "USD",
        "payment_term_days": "14",
        "waiting_list_offer_hours": "48",
        "contact_email": "events@example.org",
        **management_form("ticket_types", len(ticket_types)),
        **management_form("extras", 0),
        **management_form("questions", 0),
        **fields,
    }
    for form in ticket_types:
        data.update(form)
    return {in_english(name): value for name, value in data.items()}


# --- Access --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/admin/events/", "/admin/vouchers/", "/admin/delegations/", ADD_EVENT_URL]
)
def test_anonymous_visitor_is_sent_to_the_admin_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


def test_user_without_admin_access_is_sent_to_the_admin_login(client):
    client.force_login(UserFactory())

    response = client.get("/admin/events/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/events/"


def test_editor_without_event_permissions_is_refused(client):
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    response = client.get("/admin/events/")

    # Wagtail answers a missing model permission by sending the user to the
    # dashboard with a message rather than with a bare 403.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_urls_of_the_events_menu_group():
    assert reverse("events:index") == "/admin/events/"
    assert reverse("events:add") == ADD_EVENT_URL
    assert reverse("vouchers:index") == "/admin/vouchers/"
    assert reverse("delegations:index") == "/admin/delegations/"


def test_admin_menu_lists_events_vouchers_and_delegations(staff_client):
    response = staff_client.get("/admin/")

    html = response.content.decode()
    assert response.status_code == 200
    # Events first; vouchers moved to the Registration group and
    # delegations to the Travel group, both after it.
    positions = [
        html.find(f"/admin/{name}/") for name in ("events", "vouchers", "delegations")
    ]
    assert -1 not in positions
    assert positions == sorted(positions)


# --- Listings ------------------------------------------------------------------------


def test_event_listing_shows_each_event(staff_client):
    EventFactory(name="Annual Conference 2027")
    EventFactory(name="Youth Leadership Summit 2027")

    response = staff_client.get("/admin/events/")

    assert response.status_code == 200
    assert [event.name for event in response.context["object_list"]] == [
        "Annual Conference 2027",
        "Youth Leadership Summit 2027",
    ]


@pytest.mark.parametrize(
    ("url", "make_one"),
    [
        ("/admin/events/", EventFactory),
        ("/admin/vouchers/", VoucherFactory),
        ("/admin/delegations/", DelegationFactory),
    ],
)
def test_listing_query_count_does_not_grow_with_rows(staff_client, url, make_one):
    make_one()
    staff_client.get(url)  # warm per-process caches (content types, site)
    with CaptureQueriesContext(connection) as one_row:
        assert staff_client.get(url).status_code == 200
    for _ in range(9):
        make_one()
    with CaptureQueriesContext(connection) as ten_rows:
        assert staff_client.get(url).status_code == 200

    assert len(ten_rows) == len(one_row)


# --- Adding an event with inline ticket types -------------------------------------


def test_add_event_form_offers_inline_ticket_types_extras_and_questions(staff_client):
    response = staff_client.get(ADD_EVENT_URL)

    html = response.content.decode()
    assert response.status_code == 200
    for prefix in ("ticket_types", "extras", "questions"):
        assert f'name="{prefix}-TOTAL_FORMS"' in html
        assert f'name="{prefix}-__prefix__-ORDER"' in html


def test_add_event_ending_before_it_starts_shows_the_error_and_keeps_the_input(
    staff_client,
):
    data = event_post(
        ticket_type_form(0),
        starts_at="2027-07-18 09:00",
        ends_at="2027-07-15 17:00",
        registration_closes_at="2027-07-01 23:00",
    )

    response = staff_client.post(ADD_EVENT_URL, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"ends_at": ["The event must end after it starts."]}
    html = response.content.decode()
    assert 'value="Annual Conference 2027"' in html
    assert 'value="Delegate"' in html
    assert Event.objects.count() == 0


def test_add_event_with_an_invalid_ticket_type_names_its_field(staff_client):
    data = event_post(ticket_type_form(0, min_age="18", max_age="14"))

    response = staff_client.post(ADD_EVENT_URL, data)

    assert response.status_code == 200
    ticket_type_errors = response.context["form"].formsets["ticket_types"].errors
    assert ticket_type_errors == [
        {"max_age": ["The maximum age must not be below the minimum age."]}
    ]
    assert Event.objects.count() == 0


def test_add_event_creates_it_with_its_inline_ticket_types(staff_client):
    data = event_post(
        ticket_type_form(0, name="Delegate", price="450.00", capacity="400"),
        ticket_type_form(
            1,
            name="Staff",
            price="0.00",
            counts_toward_event_capacity="",
            badge_role="STAFF",
            badge_colour="#333333",
        ),
    )
    # An unticked checkbox is not posted at all.
    del data["ticket_types-1-counts_toward_event_capacity"]

    response = staff_client.post(ADD_EVENT_URL, data)

    assert response.status_code == 302
    assert response["Location"] == "/admin/events/"
    event = Event.objects.get()
    assert event.name == "Annual Conference 2027"
    assert event.slug == "annual-conference-2027"
    assert event.capacity == 500
    # Entered as wall-clock time in the event's zone (New York, UTC-4 in July).
    assert event.starts_at == datetime(2027, 7, 15, 13, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2027, 7, 18, 21, 0, tzinfo=UTC)
    assert list(
        event.ticket_types.order_by("sort_order").values_list(
            "name", "price", "capacity", "counts_toward_event_capacity", "badge_role"
        )
    ) == [
        ("Delegate", Decimal("450.00"), 400, True, ""),
        ("Staff", Decimal("0.00"), None, False, "STAFF"),
    ]


def test_edit_event_adds_a_ticket_type_and_keeps_the_existing_one(staff_client):
    event = EventFactory(name="Youth Leadership Summit 2027", slug="yls-2027")
    existing = TicketTypeFactory(event=event, name="Youth delegate", sort_order=0)
    edit_url = reverse("events:edit", args=[event.pk])
    data = event_post(
        name="Youth Leadership Summit 2027",
        slug="yls-2027",
        kind="youth_summit",
    )
    data.update(
        {
            "ticket_types-TOTAL_FORMS": "2",
            "ticket_types-INITIAL_FORMS": "1",
            **ticket_type_form(0, id=str(existing.pk), name="Youth delegate"),
            **ticket_type_form(1, name="Chaperone", price="300.00"),
        }
    )

    response = staff_client.post(edit_url, data)

    assert response.status_code == 302
    assert list(
        TicketType.objects.filter(event=event)
        .order_by("sort_order")
        .values_list("pk", "name")
    ) == [
        (existing.pk, "Youth delegate"),
        (TicketType.objects.get(name="Chaperone").pk, "Chaperone"),
    ]


def test_question_limited_to_another_events_ticket_type_is_refused(staff_client):
    event = EventFactory(slug="yls-2027")
    TicketTypeFactory(event=event, name="Youth delegate")
    foreign = TicketTypeFactory(name="Delegate of another event")
    data = event_post(name=event.name, slug=event.slug)
    data.update(
        {
            **management_form("questions", 1),
            "questions-0-id": "",
            "questions-0-ORDER": "1",
            "questions-0-DELETE": "",
            "questions-0-label_en": "Dietary needs",
            "questions-0-kind": "text",
            "questions-0-help_text_en": "",
            "questions-0-choices_en": "",
            "questions-0-ticket_types": str(foreign.pk),
        }
    )

    response = staff_client.post(reverse("events:edit", args=[event.pk]), data)

    assert response.status_code == 200
    question_errors = response.context["form"].formsets["questions"].errors
    assert question_errors == [
        {"ticket_types": ["Choose only ticket types of this event."]}
    ]
    assert event.questions.count() == 0


# --- Vouchers ----------------------------------------------------------------------


def voucher_post(event, **fields) -> dict[str, str]:
    return {
        "event": str(event.pk),
        "code": "EARLY-BIRD",
        "kind": "percent",
        "value": "15",
        "max_uses": "",
        "valid_from": "",
        "valid_until": "",
        "note": "",
        **fields,
    }


def test_add_voucher_for_ticket_types_of_its_event(staff_client):
    event = EventFactory()
    delegate = TicketTypeFactory(event=event)

    response = staff_client.post(
        "/admin/vouchers/new/", voucher_post(event, ticket_types=[str(delegate.pk)])
    )

    assert response.status_code == 302
    voucher = Voucher.objects.get()
    assert (voucher.event, voucher.code, voucher.value) == (event, "EARLY-BIRD", 15)
    assert list(voucher.ticket_types.all()) == [delegate]


def test_add_voucher_for_another_events_ticket_type_is_refused(staff_client):
    event = EventFactory()
    foreign = TicketTypeFactory()

    response = staff_client.post(
        "/admin/vouchers/new/", voucher_post(event, ticket_types=[str(foreign.pk)])
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "ticket_types": ["Choose only ticket types of the voucher's event."]
    }
    assert Voucher.objects.count() == 0


def test_add_voucher_over_100_percent_names_the_value_field(staff_client):
    event = EventFactory()

    response = staff_client.post(
        "/admin/vouchers/new/", voucher_post(event, value="120")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "value": ["A percentage cannot be more than 100."]
    }
    assert 'value="EARLY-BIRD"' in response.content.decode()
