"""A "%00" in an address is a plain 404, like any wrong secret (issue 9).

Before NoNulInPathMiddleware the NUL reached the lookup of an order code, a
badge secret or a consent token, and PostgreSQL (which cannot hold NUL in text)
failed with a 500; on SQLite it was a 404 by luck.
"""

import pytest

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
