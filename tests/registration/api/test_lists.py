"""Staff API lists: /api/v1/orders/ and /api/v1/attendees/."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from registration.models import Order, OrderStatus
from registration.staff.services.api_tokens import create_api_token
from tests.factories import (
    AttendeeFactory,
    DelegationFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import YouthDetailsFactory

pytestmark = pytest.mark.django_db


def client_for(*groups, username):
    user = UserFactory(username=username, is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    _token, raw = create_api_token(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def data():
    conf = EventFactory(slug="conf")
    summit = EventFactory(slug="yls")
    youth_ticket = TicketTypeFactory(event=summit, requires_guardian_consent=True)
    toulouse = DelegationFactory(event=summit, name="Toulouse")
    for n in range(3):
        order = OrderFactory(event=conf, code=f"CONF{n}", buyer_name=f"Buyer {n}")
        AttendeeFactory(order=order, family_name=f"Conf{n}")
    pending = OrderFactory(
        event=summit,
        code="YLS1",
        status=OrderStatus.PENDING,
        buyer_organisation="City of Toulouse",
    )
    youth = AttendeeFactory(
        order=pending,
        ticket_type=youth_ticket,
        family_name="Martin",
        delegation=toulouse,
    )
    YouthDetailsFactory(attendee=youth, guardian_name="Paul Martin")
    Order.objects.filter(code="CONF0").update(
        created_at=timezone.now() - timedelta(days=30)
    )
    return {"toulouse": toulouse}


def test_order_list_paginates_and_filters(data):
    api = client_for("Finance", username="finance")
    page = api.get("/api/v1/orders/", {"page_size": 2}).json()
    assert page["count"] == 4
    assert [o["code"] for o in page["results"]] == ["YLS1", "CONF2"]
    assert page["next"].endswith("page=2&page_size=2")
    second = api.get("/api/v1/orders/", {"page_size": 2, "page": 2}).json()
    assert [o["code"] for o in second["results"]] == ["CONF1", "CONF0"]

    def codes(**params):
        return [o["code"] for o in api.get("/api/v1/orders/", params).json()["results"]]

    assert codes(event="yls") == ["YLS1"]
    assert codes(status="pending") == ["YLS1"]
    assert codes(status=["pending", "paid"], event="conf") == [
        "CONF2",
        "CONF1",
        "CONF0",
    ]
    assert codes(search="toulouse") == ["YLS1"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert codes(created_after=since, event="conf") == ["CONF2", "CONF1"]
    bad = api.get("/api/v1/orders/", {"status": "lost"})
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["status"]


def test_attendee_list_filters_and_hides_youth_without_permission(data):
    finance = client_for("Finance", username="finance")
    body = finance.get("/api/v1/attendees/", {"event": "yls"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["order"], row["event"], row["delegation"]) == (
        "YLS1",
        "yls",
        {"id": data["toulouse"].pk, "name": "Toulouse"},
    )
    assert row["consent_missing"] is True
    assert row["youth"] is None

    officer = client_for("Youth protection", username="officer")
    row = officer.get("/api/v1/attendees/", {"event": "yls"}).json()["results"][0]
    assert row["youth"]["guardian_name"] == "Paul Martin"

    def names(**params):
        results = finance.get("/api/v1/attendees/", params).json()["results"]
        return [a["family_name"] for a in results]

    assert names(consent_missing="true") == ["Martin"]
    assert names(consent_missing="false") == ["Conf0", "Conf1", "Conf2"]
    assert names(delegation=data["toulouse"].pk) == ["Martin"]
    assert names(order_status="paid", search="conf1") == ["Conf1"]


def test_lists_need_their_view_permission(data):
    nobody = client_for(username="nobody")
    assert nobody.get("/api/v1/orders/").status_code == 403
    assert nobody.get("/api/v1/attendees/").status_code == 403
    assert APIClient().get("/api/v1/orders/").status_code == 401
    checkin = client_for("Check-in supervisors", username="door")
    assert checkin.get("/api/v1/attendees/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/orders/", "/api/v1/attendees/"])
def test_list_queries_do_not_grow_with_rows(data, path):
    api = client_for("Registration managers", username="manager")
    with CaptureQueriesContext(connection) as few:
        assert api.get(path).status_code == 200
    for n in range(10):
        AttendeeFactory(order__event__slug=f"more-{n}")
    with CaptureQueriesContext(connection) as many:
        assert api.get(path).status_code == 200
    assert len(many) == len(few)


def test_schema_documents_the_lists():
    schema = APIClient().get("/api/schema/").content
    assert b"/api/v1/orders/:" in schema
    assert b"/api/v1/attendees/:" in schema
    assert b"consent_missing" in schema
