"""A "%00" in an address is a plain 404, like any wrong secret.

Before NoNulMiddleware the NUL reached the lookup of an order code, a
badge secret or a consent token, and PostgreSQL (which cannot hold NUL in text)
failed with a 500; on SQLite it was a 404 by luck.
"""

import pytest

from registration.models import Order
from tests.factories import EventFactory, TicketTypeFactory
from tests.registration.checkin.conftest import make_attendee

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "template",
    [
        "/orders/{code}/%00{secret}/",
        "/orders/{code}%00/{secret}/invoice/",
        "/attendees/{badge}%00/",
        "/attendees/%00/calendar.ics",
        "/consent/%00/",
        "/delegations/%00/",
        "/payments/{code}/{secret}%00/pay/",
        "/events/conf%00/calendar.ics",
        "/%00/",
        "/api/v1/orders/{code}%00/",
    ],
)
def test_an_address_with_a_nul_is_a_404(client, template):
    guest = make_attendee(
        TicketTypeFactory(event=EventFactory(slug="conf")), given_name="Wanjiru"
    )
    path = template.format(
        code=guest.order.code, secret=guest.order.secret, badge=guest.secret
    )
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json() == {"code": "not_found", "detail": "Not found."}
    else:
        assert guest.given_name.encode() not in response.content


def test_a_form_field_with_a_nul_is_a_400_naming_it_and_places_nothing(client):
    # The voucher code went to a database lookup as typed: a 500 on PostgreSQL.
    event = EventFactory(slug="conf")
    delegate = TicketTypeFactory(event=event)
    response = client.post(
        "/register/conf/", {f"ticket_{delegate.pk}": "1", "voucher": "SISTER\x00"}
    )
    assert response.status_code == 400
    assert "The field “voucher” holds a character that cannot be stored" in (
        response.content.decode()
    )
    assert not Order.objects.exists()
    assert not any(key.startswith("checkout:") for key, _ in client.session.items())


def test_a_query_parameter_with_a_nul_is_a_400_in_the_visitors_language(client):
    EventFactory(slug="conf")
    response = client.get("/es/register/conf/?voucher=%00", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    page = response.content.decode()
    assert "voucher" in page and 'lang="es"' in page
    assert "holds a character" not in page  # translated


def test_an_api_query_parameter_with_a_nul_gets_a_json_answer(
    client, django_user_model
):
    # Found by schemathesis: the HTML 400 page under /api/ broke the schema.
    staff = django_user_model.objects.create_user(
        "st", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    for path in ("/api/v1/delegations/?%00=1", "/api/v1/orders/?search=%00"):
        response = client.get(path)
        assert response["Content-Type"] == "application/json", path
        assert response.status_code in (200, 400), path
