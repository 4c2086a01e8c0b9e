"""Partnerships and exchanges API: permissions, filters, pagination, validation."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from registration.models import Exchange, Partnership
from registration.staff.services.api_tokens import create_api_token
from tests.factories import UserFactory
from tests.factories.partnerships import (
    ExchangeFactory,
    PartnershipContactFactory,
    PartnershipFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db


def client_for(group_name: str | None, username: str) -> APIClient:
    user = UserFactory(username=username, is_staff=True)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    _token, raw = create_api_token(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def manager():
    return client_for("Registration managers", "manager")


@pytest.fixture
def travel_desk():
    return client_for("Travel desk", "travel")


@pytest.fixture
def network(db):
    seven = ProgrammeFactory(name="7 for 70", slug="7-for-70")
    nadi = PartnershipFactory(
        local_name="Tulsa",
        local_region="Oklahoma",
        partner_name="Nadi",
        partner_country="FJ",
    )
    nadi.programmes.add(seven)
    apia = PartnershipFactory(
        local_name="Honolulu",
        local_region="Hawaii",
        partner_name="Apia",
        partner_country="WS",
        kind="state",
    )
    apia.programmes.add(seven)
    kyoto = PartnershipFactory(
        local_name="Boston",
        local_region="Massachusetts",
        partner_name="Kyoto",
        partner_country="JP",
        status="inactive",
    )
    PartnershipContactFactory(partnership=nadi, email="secret@example.org")
    ExchangeFactory(partnership=nadi, title="Reef camp", kind="youth")
    ExchangeFactory(partnership=apia, title="Canoe festival", kind="arts_culture")
    ExchangeFactory(partnership=kyoto, title="Tea ceremony", kind="arts_culture")
    return {"nadi": nadi, "apia": apia, "kyoto": kyoto, "seven": seven}


def names(response) -> list[str]:
    return [
        item.get("partner_name") or item.get("title")
        for item in response.json()["results"]
    ]


def test_read_needs_the_view_permission(network):
    editor = client_for("Editors", "editor")
    anonymous = APIClient()

    assert editor.get("/api/v1/partnerships/").status_code == 403
    assert editor.get("/api/v1/exchanges/").status_code == 403
    assert editor.head("/api/v1/exchanges/").status_code == 403
    assert anonymous.get("/api/v1/partnerships/").status_code == 401


def test_travel_desk_reads_but_cannot_write(travel_desk, network):
    listing = travel_desk.get("/api/v1/partnerships/")
    created = travel_desk.post(
        "/api/v1/partnerships/",
        {"local_name": "Reno", "partner_name": "Suva", "partner_country": "FJ"},
        format="json",
    )
    changed = travel_desk.patch(
        f"/api/v1/exchanges/{network['nadi'].exchanges.get().pk}/",
        {"title": "Changed"},
        format="json",
    )

    assert listing.status_code == 200
    assert (created.status_code, changed.status_code) == (403, 403)
    assert Partnership.objects.count() == 3
    assert Exchange.objects.filter(title="Changed").count() == 0


def test_partnership_list_is_paginated_and_carries_no_contacts(
    manager, network, django_assert_num_queries
):
    # Token with user, the user's and group permissions, count, rows, programmes;
    # the same with more rows.
    with django_assert_num_queries(6):
        manager.get("/api/v1/partnerships/")
    PartnershipFactory.create_batch(5)
    with django_assert_num_queries(6):
        manager.get("/api/v1/partnerships/")
    Partnership.objects.filter(partner_name__startswith="Partner town").delete()

    response = manager.get("/api/v1/partnerships/?page_size=2")

    body = response.json()
    assert body["count"] == 3
    assert names(response) == ["Kyoto", "Apia"]
    assert body["next"].endswith("/api/v1/partnerships/?page=2&page_size=2")
    assert body["results"][1]["programmes"] == ["7-for-70"]
    assert body["results"][1]["partner_country"] == "WS"
    assert "secret@example.org" not in response.content.decode()
    assert "contacts" not in body["results"][0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=fj", ["Nadi"]),
        ("country=US", ["Kyoto", "Apia", "Nadi"]),
        ("kind=state", ["Apia"]),
        ("status=inactive", ["Kyoto"]),
        ("programme=7-for-70", ["Apia", "Nadi"]),
        ("programme=7-for-70&country=WS", ["Apia"]),
        ("state=hawaii", ["Apia"]),
    ],
)
def test_partnership_filters(manager, network, query, expected):
    assert names(manager.get(f"/api/v1/partnerships/?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=arts_culture", ["Canoe festival", "Tea ceremony"]),
        ("country=JP", ["Tea ceremony"]),
        ("status=active", ["Canoe festival", "Reef camp"]),
        ("programme=7-for-70&kind=youth", ["Reef camp"]),
    ],
)
def test_exchange_filters(manager, network, query, expected):
    assert names(manager.get(f"/api/v1/exchanges/?{query}")) == expected


def test_exchange_list_query_count_does_not_grow(
    manager, network, django_assert_num_queries
):
    with django_assert_num_queries(5):  # token, permissions (2), count, rows
        manager.get("/api/v1/exchanges/")
    ExchangeFactory.create_batch(6)
    with django_assert_num_queries(5):
        manager.get("/api/v1/exchanges/")


def test_an_unknown_filter_value_is_a_400_naming_the_parameter(manager, network):
    response = manager.get("/api/v1/exchanges/?kind=picnic")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["kind"]


def test_manager_creates_a_partnership_and_an_exchange(manager, network):
    created = manager.post(
        "/api/v1/partnerships/",
        {
            "kind": "city",
            "status": "active",
            "local_name": "Eugene",
            "local_region": "Oregon",
            "local_country": "US",
            "partner_name": "Koror",
            "partner_country": "PW",
            "signed_on": "2025-09-01",
            "programmes": ["7-for-70"],
        },
        format="json",
    )
    assert created.status_code == 201
    koror = Partnership.objects.get(partner_name="Koror")
    assert list(koror.programmes.all()) == [network["seven"]]

    exchange = manager.post(
        "/api/v1/exchanges/",
        {
            "partnership": koror.pk,
            "kind": "humanitarian",
            "title": "Solar lamps",
            "starts_on": "2025-10-01",
            "direction": "sent",
            "volunteers": 9,
            "aid_value": "12000.00",
            "aid_currency": "usd",
        },
        format="json",
    )
    assert exchange.status_code == 201
    assert exchange.json()["partnership_name"] == "Eugene – Koror"
    saved = Exchange.objects.get(title="Solar lamps")
    assert (saved.aid_value, saved.aid_currency, saved.volunteers) == (
        Decimal("12000.00"),
        "USD",
        9,
    )


def test_invalid_writes_name_the_field(manager, network):
    same_country = manager.post(
        "/api/v1/partnerships/",
        {"local_name": "Reno", "partner_name": "Carson", "partner_country": "US"},
        format="json",
    )
    backwards = manager.patch(
        f"/api/v1/exchanges/{network['nadi'].exchanges.get().pk}/",
        {"ends_on": "2020-01-01"},
        format="json",
    )

    assert same_country.status_code == 400
    assert list(same_country.json()["errors"]) == ["partner_country"]
    assert backwards.status_code == 400
    assert list(backwards.json()["errors"]) == ["ends_on"]
    assert network["nadi"].exchanges.get().ends_on is None


def test_patch_moves_an_exchange_to_another_partnership(manager, network):
    exchange = network["nadi"].exchanges.get()

    response = manager.patch(
        f"/api/v1/exchanges/{exchange.pk}/",
        {"partnership": network["apia"].pk, "starts_on": "2026-01-10"},
        format="json",
    )

    assert response.status_code == 200
    exchange.refresh_from_db()
    assert (exchange.partnership, exchange.starts_on) == (
        network["apia"],
        date(2026, 1, 10),
    )


def test_schema_documents_the_network_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()

    assert {
        "/api/v1/partnerships/",
        "/api/v1/partnerships/{id}/",
        "/api/v1/exchanges/",
        "/api/v1/exchanges/{id}/",
    } <= set(schema["paths"])
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/partnerships/"]["get"]["parameters"]
    }
    assert {"country", "kind", "status", "programme", "page", "page_size"} <= parameters
