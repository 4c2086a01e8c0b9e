"""Changing a registration through its faces: the buyer's order page, the
attendee's own page, the staff screens and the API. Bad input names its field
and keeps what was typed; a transfer kills the old QR and link at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.checkin.services.scans import redeem_ticket
from registration.models import (
    ActivityLog,
    Answer,
    CheckInList,
    OrderStatus,
    QuestionKind,
)
from registration.staff.services.api_tokens import create_api_token
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.registration.checkin.conftest import nonce

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event(db):
    return EventFactory(name="Annual Conference", slug="conf")


@pytest.fixture
def diet(event):
    return QuestionFactory(
        event=event,
        label="Dietary needs",
        kind=QuestionKind.CHOICE,
        choices="None\nVegetarian\nVegan",
        required=True,
    )


@pytest.fixture
def guest(event, diet):
    ticket = TicketTypeFactory(event=event, name="Delegate")
    order = OrderFactory(event=event, code="CHG001")
    attendee = AttendeeFactory(
        order=order, ticket_type=ticket, email="mina@example.org", language="fr"
    )
    Answer.objects.create(attendee=attendee, question=diet, value="None")
    return attendee


def order_url(attendee, suffix: str) -> str:
    order = attendee.order
    return f"/orders/{order.code}/{order.secret}/attendees/{attendee.pk}/{suffix}"


NEW_HOLDER = {
    "given_name": "Noor",
    "family_name": "Haddad",
    "email": "noor@example.org",
    "language": "es",
}


# --- The order page -----------------------------------------------------------------


def test_order_page_offers_answers_and_transfer_until_the_cut_off(client, guest):
    page = client.get(f"/orders/{guest.order.code}/{guest.order.secret}/")
    html = page.content.decode()
    assert order_url(guest, "answers/") in html
    assert order_url(guest, "transfer/") in html

    guest.order.event.attendee_edit_until = guest.order.event.starts_at - timedelta(
        days=70
    )
    guest.order.event.save()
    closed = client.get(f"/orders/{guest.order.code}/{guest.order.secret}/")
    assert order_url(guest, "transfer/") not in closed.content.decode()
    refused = client.get(order_url(guest, "transfer/"), follow=True)
    assert [str(m) for m in refused.context["messages"]] == [
        "Registrations can no longer be changed online; please contact us."
    ]


def test_buyer_changes_answers_on_the_order_page(client, guest, diet):
    page = client.get(order_url(guest, "answers/"))
    assert page.status_code == 200
    assert '<option value="None" selected>' in page.content.decode()

    response = client.post(
        order_url(guest, "answers/"), {f"answers.{diet.pk}": "Vegan"}
    )

    assert response.status_code == 302
    assert Answer.objects.get(attendee=guest).value == "Vegan"


def test_a_refused_answer_is_named_and_what_was_typed_is_kept(client, guest, diet):
    response = client.post(
        order_url(guest, "answers/"), {f"answers.{diet.pk}": "Raw food"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["errors"] == {
        f"answers.{diet.pk}": ["Choose one of the options offered."]
    }
    assert f'id="f-answers-{diet.pk}-error"' in html
    assert response.context["values"] == {f"answers.{diet.pk}": "Raw food"}
    assert Answer.objects.get(attendee=guest).value == "None"


def test_buyer_transfers_a_ticket_on_the_order_page(client, guest, mailoutbox):
    old_secret = guest.secret

    response = client.post(order_url(guest, "transfer/"), NEW_HOLDER)

    assert response.status_code == 302
    guest.refresh_from_db()
    assert (guest.given_name, guest.email) == ("Noor", "noor@example.org")
    assert guest.secret != old_secret
    assert client.get(f"/attendees/{old_secret}/").status_code == 404
    assert client.get(f"/attendees/{guest.secret}/").status_code == 200
    assert ActivityLog.objects.get(action="ticket.transferred").actor is None


def test_a_refused_transfer_keeps_what_was_typed(client, guest):
    old_secret = guest.secret
    typed = {**NEW_HOLDER, "email": "noor@", "city": "Amman"}

    response = client.post(order_url(guest, "transfer/"), typed)

    assert response.status_code == 400
    assert response.context["errors"] == {"email": ["Enter a valid e-mail address."]}
    assert response.context["values"]["city"] == "Amman"
    assert 'value="noor@"' in response.content.decode()
    guest.refresh_from_db()
    assert guest.secret == old_secret


def test_a_transfer_of_someone_already_admitted_is_a_409_on_the_page(client, guest):
    door = CheckInList.objects.create(event=guest.order.event, name="Main door")
    _device, token = create_device(name="Door 1", events=[guest.order.event])
    scanner = APIClient()
    scanner.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    scanned = scanner.post(
        "/api/v1/checkin/redeem/",
        {"secret": guest.secret, "list": door.pk, "nonce": nonce()},
        format="json",
    )
    assert scanned.json()["code"] == "ok"

    response = client.post(order_url(guest, "transfer/"), NEW_HOLDER)

    assert response.status_code == 409
    assert response.context["general_errors"] == [
        "Mina Park has already been admitted at the door; the ticket can no longer "
        "be transferred."
    ]


def test_old_secret_is_refused_at_the_door_and_the_new_one_admits(client, guest):
    door = CheckInList.objects.create(event=guest.order.event, name="Main door")
    _device, token = create_device(name="Door 1", events=[guest.order.event])
    scanner = APIClient()
    scanner.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    old_secret = guest.secret

    client.post(order_url(guest, "transfer/"), NEW_HOLDER)
    guest.refresh_from_db()

    def redeem(secret):
        return scanner.post(
            "/api/v1/checkin/redeem/",
            {"secret": secret, "list": door.pk, "nonce": nonce()},
            format="json",
        ).json()

    assert redeem(old_secret)["code"] == "unknown_ticket"
    admitted = redeem(guest.secret)
    assert (admitted["code"], admitted["attendee"]["name"]) == ("ok", "Noor Haddad")


# --- The attendee's own page ----------------------------------------------------------


def test_attendee_page_offers_own_answers_and_transfer(client, guest):
    html = client.get(f"/attendees/{guest.secret}/").content.decode()

    assert f"/attendees/{guest.secret}/answers/" in html
    assert f"/attendees/{guest.secret}/transfer/" in html


def test_attendee_changes_own_answers(client, guest, diet):
    response = client.post(
        f"/attendees/{guest.secret}/answers/", {f"answers.{diet.pk}": "Vegetarian"}
    )

    assert response.status_code == 302
    assert response.url == f"/attendees/{guest.secret}/"
    assert Answer.objects.get(attendee=guest).value == "Vegetarian"


def test_attendee_gives_the_ticket_away_and_their_page_stops_working(client, guest):
    old_secret = guest.secret

    response = client.post(f"/attendees/{old_secret}/transfer/", NEW_HOLDER)

    assert response.status_code == 200
    assert 'data-testid="transfer-done"' in response.content.decode()
    assert client.get(f"/attendees/{old_secret}/").status_code == 404
    assert client.get(f"/attendees/{old_secret}/transfer/").status_code == 404
    assert client.get(f"/attendees/{old_secret}/calendar.ics").status_code == 404


def test_the_buyers_ticket_link_gives_the_new_holders_ticket(client, guest):
    client.post(f"/attendees/{guest.secret}/transfer/", NEW_HOLDER)
    guest.refresh_from_db()

    response = client.get(
        f"/orders/{guest.order.code}/{guest.order.secret}/tickets/{guest.pk}/"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


# --- Staff screens ------------------------------------------------------------------


@pytest.fixture
def manager(db):
    user = UserFactory(username="manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Registration managers"))
    return user


@pytest.fixture
def viewer(db):
    user = UserFactory(username="viewer", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    return user


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.mark.parametrize("name", ["orders:edit_answers", "orders:transfer"])
def test_staff_screens_need_the_attendee_permission(client, guest, viewer, name):
    client.force_login(viewer)
    url = reverse(name, args=[guest.pk])

    assert refused(client.get(url))
    assert refused(client.post(url, NEW_HOLDER))
    guest.refresh_from_db()
    assert guest.given_name == "Mina"


def test_staff_edit_answers_after_the_cut_off(client, guest, diet, manager):
    event = guest.order.event
    event.attendee_edit_until = event.starts_at - timedelta(days=70)
    event.save()
    client.force_login(manager)
    url = reverse("orders:edit_answers", args=[guest.pk])

    page = client.get(url)
    bad = client.post(url, {f"answers.{diet.pk}": ""})
    good = client.post(url, {f"answers.{diet.pk}": "Vegan"})

    assert page.status_code == 200
    assert "Dietary needs" in page.content.decode()
    assert bad.status_code == 400
    assert bad.context["form"].errors == {
        f"answers.{diet.pk}": ["This question must be answered."]
    }
    assert good.status_code == 302
    assert Answer.objects.get(attendee=guest).value == "Vegan"
    assert ActivityLog.objects.get(action="attendee.answers_updated").actor == manager


def test_staff_transfer_screen(client, guest, manager, mailoutbox):
    client.force_login(manager)
    url = reverse("orders:transfer", args=[guest.pk])
    inspect = client.get(reverse("orders:inspect", args=[guest.order.pk]))
    assert url in inspect.content.decode()

    page = client.get(url)
    bad = client.post(url, {**NEW_HOLDER, "given_name": ""})
    good = client.post(url, NEW_HOLDER, follow=True)

    assert page.status_code == 200
    assert "The ticket gets a new QR code at once" in page.content.decode()
    assert bad.status_code == 400
    assert bad.context["form"].data["email"] == "noor@example.org"
    assert [str(m) for m in good.context["messages"]] == [
        "The ticket of Mina Park now belongs to Noor Haddad."
    ]
    entry = ActivityLog.objects.get(action="ticket.transferred")
    assert (entry.actor, entry.data["as_staff"]) == (manager, True)


def test_staff_transfer_screen_refuses_someone_admitted(client, guest, manager):
    door = CheckInList.objects.create(event=guest.order.event, name="Main door")
    device, _token = create_device(name="Door 1", events=[guest.order.event])
    redeem_ticket(door, device=device, nonce="n-1", secret=guest.secret)
    client.force_login(manager)
    url = reverse("orders:transfer", args=[guest.pk])

    page = client.get(url)
    post = client.post(url, NEW_HOLDER, follow=True)

    refusal = (
        "Mina Park has already been admitted at the door; the ticket can no longer "
        "be transferred."
    )
    assert page.context["refusal"] == refusal
    assert [str(m) for m in post.context["messages"]] == [refusal]
    assert (
        url
        not in client.get(
            reverse("orders:inspect", args=[guest.order.pk])
        ).content.decode()
    )


def test_attendee_screen_links_to_answers_and_transfer(client, guest, manager):
    client.force_login(manager)

    html = client.get(reverse("attendees:inspect", args=[guest.pk])).content.decode()

    assert reverse("orders:edit_answers", args=[guest.pk]) in html
    assert reverse("orders:transfer", args=[guest.pk]) in html


# --- API ----------------------------------------------------------------------------


@pytest.fixture
def api(manager):
    _token, raw = create_api_token(manager, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_api_changes_answers_and_names_bad_ones(api, guest, diet):
    bad = api.post(
        f"/api/v1/attendees/{guest.pk}/answers/",
        {"answers": {str(diet.pk): "Raw food", "999999": "x"}},
        format="json",
    )
    good = api.post(
        f"/api/v1/attendees/{guest.pk}/answers/",
        {"answers": {str(diet.pk): "Vegan"}},
        format="json",
    )

    assert bad.status_code == 400
    assert bad.json()["errors"] == {
        f"answers.{diet.pk}": [
            {"code": "invalid_choice", "message": "Choose one of the options offered."}
        ],
        "answers.999999": [
            {
                "code": "unknown_question",
                "message": "This question is not asked for this ticket type.",
            }
        ],
    }
    assert good.status_code == 200
    assert good.json()["answers"] == {str(diet.pk): "Vegan"}


def test_api_updates_details_as_staff(api, guest):
    response = api.patch(
        f"/api/v1/attendees/{guest.pk}/", {"organisation": "Amman"}, format="json"
    )
    bad = api.patch(f"/api/v1/attendees/{guest.pk}/", {"given_name": ""}, format="json")

    assert response.status_code == 200
    assert response.json()["organisation"] == "Amman"
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["given_name"]


def test_api_transfers_a_ticket(api, guest):
    old_secret = guest.secret

    bad = api.post(
        f"/api/v1/attendees/{guest.pk}/transfer/",
        {"given_name": "Noor"},
        format="json",
    )
    response = api.post(
        f"/api/v1/attendees/{guest.pk}/transfer/", NEW_HOLDER, format="json"
    )

    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["email"]
    assert response.status_code == 200
    assert (response.json()["given_name"], response.json()["email"]) == (
        "Noor",
        "noor@example.org",
    )
    guest.refresh_from_db()
    assert guest.secret != old_secret


def test_api_refuses_changes_of_a_canceled_order_with_409(api, guest):
    guest.order.status = OrderStatus.CANCELED
    guest.order.save()

    response = api.post(
        f"/api/v1/attendees/{guest.pk}/transfer/", NEW_HOLDER, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "order_closed"


def test_api_changes_need_the_attendee_permission(guest, viewer):
    _token, raw = create_api_token(viewer, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")

    response = client.post(
        f"/api/v1/attendees/{guest.pk}/transfer/", NEW_HOLDER, format="json"
    )

    assert response.status_code == 403
