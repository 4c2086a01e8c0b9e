"""Event times in the event's own zone with its abbreviation, on the public pages."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation

from registration.models import OrderStatus, PaymentMethod
from tests.factories import EventFactory, OrderFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paris():
    event = EventFactory(
        name="Rencontre de Lyon",
        slug="lyon-2027",
        starts_at=datetime(2027, 6, 3, 7, tzinfo=UTC),  # 09:00 CEST
        ends_at=datetime(2027, 6, 5, 15, tzinfo=UTC),  # 17:00 CEST
        time_zone="Europe/Paris",
        registration_opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        registration_closes_at=datetime(2027, 6, 1, tzinfo=UTC),
    )
    TicketTypeFactory(event=event, name="Delegate")
    return event


def text_of(response, testid: str) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(soup.find(attrs={"data-testid": testid}).get_text(" ").split())


def test_order_page_shows_event_times_and_hold_in_the_events_zone(client, paris):
    order = OrderFactory(
        event=paris,
        status=OrderStatus.PENDING,
        payment_method=PaymentMethod.INVOICE,
        expires_at=datetime(2027, 5, 20, 21, 59, tzinfo=UTC),  # 23:59 CEST
    )

    with translation.override("en"):
        url = reverse("registration:order", args=[order.code, order.secret])
    response = client.get(url)

    assert text_of(response, "order-event-times") == (
        "June 3, 2027, 9 a.m. – June 5, 2027, 5 p.m. CEST"
    )
    assert "by May 20, 2027, 11:59 p.m. CEST;" in response.content.decode()


def test_spanish_order_page_formats_dates_in_spanish_with_the_zone(client, paris):
    order = OrderFactory(
        event=paris,
        status=OrderStatus.PENDING,
        payment_method=PaymentMethod.INVOICE,
        expires_at=datetime(2027, 5, 20, 21, 59, tzinfo=UTC),
    )

    with translation.override("es"):
        url = reverse("registration:order", args=[order.code, order.secret])
    response = client.get(url)

    assert url.startswith("/es/")
    assert text_of(response, "order-event-times") == (
        "3 de junio de 2027, 09:00 – 5 de junio de 2027, 17:00 CEST"
    )
    assert "20 de mayo de 2027 a las 23:59 CEST" in response.content.decode()


def test_checkout_header_shows_times_with_the_zone(client, paris):
    with translation.override("en"):
        url = reverse("registration:checkout", args=[paris.slug])
    response = client.get(url)

    soup = BeautifulSoup(response.content, "html.parser")
    meta = " ".join(soup.select_one(".page-header__meta").get_text(" ").split())
    assert meta.startswith("June 3, 2027, 9 a.m. – June 5, 2027, 5 p.m. CEST")
