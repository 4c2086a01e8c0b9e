"""The Registration menu group: orders (approve, decline, youth details), consent
texts, member organisations and the waiting list."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.documents.services.tickets import ticket_issuable
from registration.models import (
    ActivityLog,
    ConsentText,
    GuardianConsent,
    MemberOrganisation,
    OrderStatus,
    PaymentMethod,
    WaitingListStatus,
)
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import (
    ConsentTextFactory,
    MemberOrganisationFactory,
    WaitingListEntryFactory,
    YouthDetailsFactory,
)

pytestmark = pytest.mark.django_db

MEDICAL = "Peanut allergy; carries an EpiPen"


def member_of(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.fixture
def manager(db):
    return member_of("Registration managers", "manager")


@pytest.fixture
def youth_officer(db):
    return member_of("Youth protection", "youth-officer")


@pytest.fixture
def summit(db):
    return EventFactory(name="Youth Leadership Summit", slug="yls-2027")


@pytest.fixture
def youth_ticket(summit):
    return TicketTypeFactory(
        event=summit,
        name="Youth delegate",
        price=Decimal("250.00"),
        capacity=1,
        requires_approval=True,
        requires_guardian_consent=True,
    )


@pytest.fixture
def application(youth_ticket):
    """An order awaiting approval with one youth attendee whose consent is missing."""
    order = OrderFactory(
        event=youth_ticket.event,
        code="YLS001",
        status=OrderStatus.AWAITING_APPROVAL,
        expires_at=None,
        total=Decimal("250.00"),
        buyer_name="Hana Sato",
        buyer_email="hana@example.org",
        buyer_organisation="Kyoto Sister City Association",
        payment_method=PaymentMethod.INVOICE,
    )
    attendee = AttendeeFactory(
        order=order, ticket_type=youth_ticket, given_name="Yui", family_name="Sato"
    )
    YouthDetailsFactory(
        attendee=attendee,
        date_of_birth=date(2011, 3, 4),
        guardian_name="Hana Sato",
        medical_notes=MEDICAL,
    )
    return order


# --- Orders: access --------------------------------------------------------------------


def test_editors_cannot_reach_orders(client, application):
    editor = UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    listing = client.get("/admin/orders/")
    page = client.get(reverse("orders:inspect", args=[application.pk]))
    approve = client.post(reverse("orders:approve", args=[application.pk]))
    home = client.get(reverse("wagtailadmin_home"))

    assert [refused(listing), refused(page), refused(approve)] == [True] * 3
    assert home.status_code == 200
    assert b"/admin/orders/" not in home.content
    application.refresh_from_db()
    assert application.status == OrderStatus.AWAITING_APPROVAL


def test_registration_managers_see_the_orders_menu(client, manager):
    client.force_login(manager)

    home = client.get(reverse("wagtailadmin_home"))

    assert home.status_code == 200
    assert b"/admin/orders/" in home.content


# --- Orders: listing -------------------------------------------------------------------


def test_order_listing_filters_by_event_status_and_payment_method(
    client, manager, application
):
    other_event = OrderFactory(code="OTHER1", payment_method=PaymentMethod.CARD)
    OrderFactory(
        event=application.event, code="YLS002", payment_method=PaymentMethod.INVOICE
    )
    client.force_login(manager)
    url = reverse("orders:index")

    by_event = client.get(url, {"event": application.event.pk})
    by_status = client.get(url, {"status": OrderStatus.AWAITING_APPROVAL})
    by_method = client.get(url, {"payment_method": PaymentMethod.CARD})
    everything = client.get(url)

    def codes(response):
        return sorted(order.code for order in response.context["object_list"])

    assert everything.status_code == 200
    assert codes(everything) == sorted(["YLS001", "YLS002", "OTHER1"])
    assert codes(by_event) == ["YLS001", "YLS002"]
    assert codes(by_status) == ["YLS001"]
    assert codes(by_method) == [other_event.code]


@pytest.mark.parametrize(
    "query", ["YLS001", "Hana Sato", "hana@example.org", "Kyoto Sister"]
)
def test_order_listing_searches_code_buyer_email_and_organisation(
    client, manager, application, query
):
    OrderFactory(code="ZZZ999", buyer_name="Nobody Else", buyer_email="n@example.org")
    client.force_login(manager)

    response = client.get(reverse("orders:index"), {"q": query})

    assert [order.code for order in response.context["object_list"]] == ["YLS001"]


def test_order_listing_runs_the_same_queries_for_more_rows(client, manager, summit):
    OrderFactory(event=summit)
    client.force_login(manager)
    url = reverse("orders:index")
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        OrderFactory(event=EventFactory())
    with CaptureQueriesContext(connection) as more:
        client.get(url)

    assert len(more) == len(few)


def test_order_listing_has_no_add_or_edit(client, manager, application):
    client.force_login(manager)

    response = client.get(reverse("orders:index"))

    assert response.status_code == 200
    assert b"/admin/orders/new/" not in response.content
    assert b"/edit/" not in response.content
    assert reverse("orders:approve", args=[application.pk]).encode() in response.content


# --- Orders: the order's page ------------------------------------------------------------


def test_order_page_flags_missing_consent(client, manager, application, summit):
    adult = TicketTypeFactory(event=summit, name="Chaperone")
    AttendeeFactory(order=application, ticket_type=adult, given_name="Ken")
    client.force_login(manager)

    response = client.get(reverse("orders:inspect", args=[application.pk]))

    assert response.status_code == 200
    assert [a.consent_missing for a in response.context["attendees"]] == [True, False]
    assert response.content.count(b'data-consent="missing"') == 1


def test_registration_manager_does_not_see_youth_details(client, manager, application):
    client.force_login(manager)

    response = client.get(reverse("orders:inspect", args=[application.pk]))

    assert response.status_code == 200
    assert response.context["show_youth"] is False
    assert MEDICAL.encode() not in response.content
    assert b"2011-03-04" not in response.content
    assert b"data-youth-details" not in response.content


def test_youth_protection_sees_youth_details(client, youth_officer, application):
    client.force_login(youth_officer)

    response = client.get(reverse("orders:inspect", args=[application.pk]))

    assert response.status_code == 200
    assert response.context["show_youth"] is True
    assert MEDICAL.encode() in response.content
    assert b"2011-03-04" in response.content
    # Deciding applications is not theirs.
    assert reverse("orders:approve", args=[application.pk]).encode() not in (
        response.content
    )


def test_youth_details_permission_belongs_to_youth_protection_only(db):
    holders = Group.objects.filter(
        permissions__content_type__app_label="registration",
        permissions__codename="view_youthdetails",
    )

    assert list(holders.values_list("name", flat=True)) == ["Youth protection"]


# --- Orders: approve and decline ------------------------------------------------------------


def test_approve_asks_for_confirmation_first(client, manager, application):
    client.force_login(manager)

    response = client.get(reverse("orders:approve", args=[application.pk]))

    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    application.refresh_from_db()
    assert application.status == OrderStatus.AWAITING_APPROVAL


def test_approve_needs_the_csrf_token(manager, application):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("orders:approve", args=[application.pk]))

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == OrderStatus.AWAITING_APPROVAL


def test_approve_moves_the_order_to_pending_and_logs_the_user(
    client, manager, application
):
    client.force_login(manager)

    response = client.post(reverse("orders:approve", args=[application.pk]))

    assert response.status_code == 302
    assert response.url == reverse("orders:inspect", args=[application.pk])
    application.refresh_from_db()
    assert application.status == OrderStatus.PENDING
    assert application.expires_at is not None
    log = ActivityLog.objects.get(action="order.pending", object_id=str(application.pk))
    assert log.actor == manager
    page = client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == [
        "Order YLS001 is approved (Pending payment)."
    ]


def test_approve_refused_when_sold_out_shows_the_reason(
    client, manager, application, youth_ticket
):
    OrderFactory(event=youth_ticket.event, code="PAID01").attendees.create(
        ticket_type=youth_ticket, badge_name="First In", given_name="First"
    )
    client.force_login(manager)

    response = client.post(
        reverse("orders:approve", args=[application.pk]), follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Order YLS001 was not approved: Youth delegate is sold out."
    ]
    application.refresh_from_db()
    assert application.status == OrderStatus.AWAITING_APPROVAL


def test_decline_cancels_with_the_reason(
    client, manager, application, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    form = client.get(reverse("orders:decline", args=[application.pk]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orders:decline", args=[application.pk]),
            {"reason": "All places are taken by earlier applicants."},
        )

    assert form.status_code == 200
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == OrderStatus.CANCELED
    log = ActivityLog.objects.get(
        action="order.canceled", object_id=str(application.pk)
    )
    assert log.actor == manager
    assert [message.to for message in mail.outbox] == [["hana@example.org"]]


def test_decline_of_an_order_no_longer_awaiting_shows_the_reason(
    client, manager, summit
):
    paid = OrderFactory(event=summit, code="PAID02")
    client.force_login(manager)

    page = client.get(reverse("orders:decline", args=[paid.pk]))
    response = client.post(reverse("orders:decline", args=[paid.pk]), follow=True)

    assert b"no longer awaiting approval" in page.content
    assert [str(m) for m in response.context["messages"]] == [
        "Order PAID02 was not declined: Only orders awaiting approval can be declined."
    ]
    paid.refresh_from_db()
    assert paid.status == OrderStatus.PAID


def test_staff_without_change_permission_cannot_decide(
    client, youth_officer, application
):
    client.force_login(youth_officer)

    approve = client.post(reverse("orders:approve", args=[application.pk]))
    decline = client.post(reverse("orders:decline", args=[application.pk]))

    assert [refused(approve), refused(decline)] == [True, True]
    application.refresh_from_db()
    assert application.status == OrderStatus.AWAITING_APPROVAL


# --- Consent texts, member organisations, waiting list ------------------------------------


def test_new_consent_text_gets_the_next_version(client, manager, summit):
    ConsentTextFactory(event=summit, version=1)
    client.force_login(manager)

    response = client.post(
        reverse("consent_texts:add"),
        {
            "event": summit.pk,
            "language": "en",
            "version": "",
            "title": "Summit consent 2027",
            "body": "Participation, medical information, photo release.",
        },
    )

    assert response.status_code == 302
    assert list(
        ConsentText.objects.filter(event=summit).values_list("version", flat=True)
    ) == [2, 1]


def test_signed_consent_text_cannot_be_edited(client, manager, application):
    text = ConsentTextFactory(event=application.event, version=1, title="Original")
    GuardianConsent.objects.create(
        youth=application.attendees.get().youth,
        consent_text=text,
        signed_name="Hana Sato",
        signed_at=datetime(2027, 1, 1, 10, 0, tzinfo=UTC),
    )
    client.force_login(manager)

    response = client.post(
        reverse("consent_texts:edit", args=[text.pk]),
        {"event": text.event_id, "version": "1", "title": "Changed", "body": "New"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Guardians have signed this version, so it cannot change; "
        "add a new version instead."
    ]
    text.refresh_from_db()
    assert text.title == "Original"


def test_member_organisations_are_listed_and_created(client, manager):
    MemberOrganisationFactory(name="Toulouse Twinning", code="TLS")
    client.force_login(manager)

    listing = client.get(reverse("member_organisations:index"))
    created = client.post(
        reverse("member_organisations:add"),
        {
            "name": "Kyoto Friends",
            "code": "KYOTO-1",
            "valid_until": "",
            "is_active": "on",
        },
    )

    assert [o.name for o in listing.context["object_list"]] == ["Toulouse Twinning"]
    assert created.status_code == 302
    assert MemberOrganisation.objects.get(code="KYOTO-1").name == "Kyoto Friends"


def test_waiting_list_is_read_only_and_hides_the_token(client, manager, youth_ticket):
    entry = WaitingListEntryFactory(
        event=youth_ticket.event, ticket_type=youth_ticket, name="Wendy Waiting"
    )
    WaitingListEntryFactory(status=WaitingListStatus.OFFERED, name="Elsewhere")
    client.force_login(manager)

    listing = client.get(
        reverse("waiting_list:index"), {"event": youth_ticket.event.pk}
    )
    page = client.get(reverse("waiting_list:inspect", args=[entry.pk]))

    assert [e.name for e in listing.context["object_list"]] == ["Wendy Waiting"]
    assert page.status_code == 200
    assert entry.token.encode() not in page.content
    assert b"/admin/waiting_list/new/" not in listing.content
    assert client.get("/admin/waiting_list/new/").status_code == 404


# --- Staff groups (migration 0006) -------------------------------------------------------


def test_staff_groups_exist_with_admin_access(db):
    names = [
        "Registration managers",
        "Finance",
        "Youth protection",
        "Travel desk",
        "Check-in supervisors",
    ]
    with_access = Group.objects.filter(
        name__in=names, permissions__codename="access_admin"
    )

    assert sorted(with_access.values_list("name", flat=True)) == sorted(names)


def test_youth_protection_holds_exactly_these_permissions(db):
    group = Group.objects.get(name="Youth protection")

    assert sorted(group.permissions.values_list("codename", flat=True)) == [
        "access_admin",
        "change_youthdetails",
        # Mailing guardians (migration 0022_mailings).
        "send_mailing",
        "view_attendee",
        "view_consenttext",
        "view_guardianconsent",
        "view_mailing",
        "view_mailingrecipient",
        "view_order",
        "view_youthdetails",
    ]


def test_editors_keep_pages_only(db):
    editors = Group.objects.get(name="Editors")

    assert (
        editors.permissions.filter(content_type__app_label="registration").count() == 0
    )


def test_staff_admit_a_pending_invoice_order_before_payment(client, manager):
    order = OrderFactory(status=OrderStatus.PENDING)
    attendee = AttendeeFactory(order=order)
    client.force_login(manager)
    url = reverse("orders:admit_before_payment", args=[order.pk])

    assert client.get(url).status_code == 200
    response = client.post(url)

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.admit_before_payment is True
    assert ticket_issuable(attendee) is True
    assert ActivityLog.objects.filter(
        action="order.admit_before_payment", object_id=str(order.pk)
    ).values_list("actor__username", "data")[0] == ("manager", {"allowed": True})


def test_a_paid_order_cannot_be_marked_admit_before_payment(client, manager):
    order = OrderFactory(status=OrderStatus.PAID)
    client.force_login(manager)

    client.post(reverse("orders:admit_before_payment", args=[order.pk]))

    order.refresh_from_db()
    assert order.admit_before_payment is False
