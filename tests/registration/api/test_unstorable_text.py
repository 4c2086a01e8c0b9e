"""A NUL character or half a surrogate pair anywhere in a body is a 400 naming
the field, on every endpoint, and nothing is written (schemathesis found a 500:
a programme slug with "\\u0000" reached PostgreSQL, which refuses NUL bytes)."""

import json
import secrets
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.models import CheckIn, CheckInList, Order, Partnership
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.partnerships import PartnershipFactory, ProgrammeFactory
from tests.registration.checkin.conftest import make_attendee

pytestmark = pytest.mark.django_db

# Written as JSON escapes, as a client would send them: json.dumps of a Python
# string holding a lone surrogate gives the same bytes.
NUL, LONE_SURROGATE = "\\u0000", "\\udaea"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def send(client, method, path, body: str, content_type="application/json"):
    return getattr(client, method)(path, data=body, content_type=content_type)


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {
        field: [
            {
                "code": "invalid_character",
                "message": "Contains a character that cannot be stored "
                "(a NUL character or half of a surrogate pair).",
            }
        ]
    }


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_a_programme_slug_with_a_bad_character_is_refused(api, bad):
    ProgrammeFactory(slug="7-for-70")
    nadi = PartnershipFactory(partner_name="Nadi")
    body = (
        '{"kind": "city", "status": "active", "local_name": "Tulsa",'
        ' "local_country": "US", "partner_name": "Nadi", "partner_country": "FJ",'
        f' "programmes": ["7-for-70", "p{bad}x"]}}'
    )
    response = send(api, "put", f"/api/v1/partnerships/{nadi.pk}/", body)
    assert_refused(response, "programmes.1")
    nadi.refresh_from_db()
    assert (nadi.local_name, nadi.programmes.count()) != ("Tulsa", 2)


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_an_order_with_a_bad_character_in_a_name_writes_nothing(api, bad):
    event = EventFactory(slug="conference")
    delegate = TicketTypeFactory(event=event, price=Decimal("450"))
    body = json.dumps(
        {
            "buyer": {"name": "City of Toulouse", "email": "p@toulouse.example"},
            "attendees": [
                {"ticket_type": delegate.pk, "given_name": "Claire"},
                {"ticket_type": delegate.pk, "given_name": "PLACEHOLDER"},
            ],
            "payment_method": "invoice",
        }
    ).replace("PLACEHOLDER", f"Jean{bad}")
    response = send(api, "post", "/api/v1/events/conference/orders/", body)
    assert_refused(response, "attendees.1.given_name")
    assert Order.objects.count() == 0


def test_a_bad_character_in_a_key_is_refused_too(api):
    nadi = PartnershipFactory(partner_name="Nadi")
    response = send(
        api, "patch", f"/api/v1/partnerships/{nadi.pk}/", f'{{"x{NUL}": 1}}'
    )
    assert_refused(response, "non_field_errors")


def test_a_form_encoded_nul_is_refused(api):
    nadi = PartnershipFactory(partner_name="Nadi")
    response = send(
        api,
        "patch",
        f"/api/v1/partnerships/{nadi.pk}/",
        "partner_name=Na%00di",
        content_type="application/x-www-form-urlencoded",
    )
    assert_refused(response, "partner_name")
    assert Partnership.objects.get(pk=nadi.pk).partner_name == "Nadi"


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_a_badge_secret_with_a_bad_character_is_refused_and_logs_nothing(bad):
    event = EventFactory(slug="conf")
    door = CheckInList.objects.create(event=event, name="Main door")
    guest = make_attendee(TicketTypeFactory(event=event))
    _device, token = create_device(name="Door 1", events=[event])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    body = json.dumps(
        {"secret": "SECRET", "list": door.pk, "nonce": secrets.token_hex(8)}
    ).replace("SECRET", guest.secret[:10] + bad)
    response = send(client, "post", "/api/v1/checkin/redeem/", body)
    assert_refused(response, "secret")
    assert CheckIn.objects.count() == 0
