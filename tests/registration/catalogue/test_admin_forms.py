"""Staff enter an event's times as wall-clock time in the event's own zone."""

from datetime import UTC, datetime

import pytest

from registration.models import Event, Voucher
from tests.factories import EventFactory, TicketTypeFactory, UserFactory, VoucherFactory
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _edit(client, url: str, **changes) -> tuple[object, dict]:
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode())
    data.update(changes)
    return client.post(url, data), data


def test_event_form_shows_and_reads_times_in_the_event_time_zone(staff_client):
    event = EventFactory(
        time_zone="Asia/Tokyo",
        starts_at=datetime(2027, 5, 10, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo
        ends_at=datetime(2027, 5, 12, 8, 0, tzinfo=UTC),
    )
    TicketTypeFactory(
        event=event, available_until=datetime(2027, 5, 1, 14, 59, tzinfo=UTC)
    )
    url = f"/admin/events/edit/{event.pk}/"
    shown = form_data(staff_client.get(url).content.decode())
    assert shown["starts_at"] == "2027-05-10 09:00"
    assert shown["ticket_types-0-available_until"] == "2027-05-01 23:59"

    response, _ = _edit(staff_client, url, starts_at="2027-05-10 10:30")

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == datetime(2027, 5, 10, 1, 30, tzinfo=UTC)
    assert event.ticket_types.get().available_until == datetime(
        2027, 5, 1, 14, 59, tzinfo=UTC
    )


def test_event_form_names_the_field_and_keeps_the_input_when_it_ends_too_early(
    staff_client,
):
    event = EventFactory(name="Sister Cities Summit")
    url = f"/admin/events/edit/{event.pk}/"

    response, _ = _edit(
        staff_client, url, name_en="Renamed summit", ends_at="2000-01-01 10:00"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "The event must end after it starts." in body
    assert 'value="Renamed summit"' in body
    assert Event.objects.get(pk=event.pk).name == "Sister Cities Summit"


def test_voucher_validity_is_read_in_its_event_time_zone(staff_client):
    voucher = VoucherFactory(event=EventFactory(time_zone="Europe/Paris"))
    url = f"/admin/vouchers/edit/{voucher.pk}/"

    response, _ = _edit(staff_client, url, valid_until="2027-03-31 23:59")

    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.valid_until == datetime(2027, 3, 31, 21, 59, tzinfo=UTC)


def test_voucher_refuses_a_ticket_type_of_another_event(staff_client):
    voucher = VoucherFactory()
    other_ticket = TicketTypeFactory()
    url = f"/admin/vouchers/edit/{voucher.pk}/"

    response, _ = _edit(staff_client, url, ticket_types=[str(other_ticket.pk)])

    assert response.status_code == 200
    assert "Choose only ticket types of the voucher" in response.content.decode()
    assert list(Voucher.objects.get(pk=voucher.pk).ticket_types.all()) == []
