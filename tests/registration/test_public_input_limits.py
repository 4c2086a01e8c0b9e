"""Every text sent from outside is checked against its column before the
database, and no name can hold a bidirectional control.

Very long names through the web forms, or two long but valid names through
the API (their composed badge name longer than its column), were a 500 on
PostgreSQL, which enforces varchar lengths where SQLite stores anything: run
this module on PostgreSQL too (DATABASE_URL=postgres://…).

The walk: each public entry point (the checkout, the order page, the consent
page, the waiting list, the delegation leader's pages, the API's bodies) lists
its inputs from the code's own field lists and input serializers; each input
maps to a model column. For every input, a value one character over the
column's limit is sent, and for every name column a value holding U+202E. The
answer must be a 400 naming the field (HTML: the error beside the field, and
the typed value still in it; API: the dotted path), and nothing may be written.
Another test walks the models' text columns and fails on one that no entry
point reaches and that is not known to be out of public reach.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst
from rest_framework import serializers
from rest_framework.test import APIClient

from registration.columns import FREE_TEXT_LIMIT, column_limit, is_name_field
from registration.consent import views as consent
from registration.models import (
    ActivityLog,
    Answer,
    Attendee,
    BillingDetails,
    Delegation,
    Exchange,
    GuardianConsent,
    Invoice,
    Order,
    OutboxMessage,
    Partnership,
    PaymentMethod,
    QuestionKind,
    TravelPlan,
    VisaDetails,
    WaitingListEntry,
    YouthDetails,
)
from registration.network.api import ExchangeSerializer, PartnershipSerializer
from registration.network.services import import_network_file
from registration.orders import services as orders
from registration.orders.api.serializers import OrderInSerializer
from registration.orders.services import AttendeeData, BuyerData, YouthData
from registration.orders.views import checkout
from registration.staff.services.api_tokens import create_api_token
from registration.travel import views as delegation_page
from registration.travel.api import TravelPlanInSerializer
from registration.travel.services import delegations as delegation_service
from registration.travel.services import travel
from registration.waiting_list import views as waiting_list
from tests.factories import (
    EventFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.partnerships import PartnershipFactory
from tests.factories.registration_more import ConsentTextFactory
from tests.factories.travel import LedDelegationFactory

pytestmark = pytest.mark.django_db

BIDI_NAME = "Ana \u202eAlice"
# A private-use character: no installed font draws it, a badge would print a box.
UNPRINTABLE_NAME = "Ana \ue000 Pérez"
# Inputs that are parsed into another type, never stored as the text sent.
PARSED = {"date_of_birth", "passport_expiry", "arrival_date", "arrival_time"}
PARSED |= {"departure_date", "departure_time"}
# Codes checked against a list of their own (airports, passports): any error
# naming the field will do, their own words are not the column's.
CODED = {"arrival_airport", "departure_airport", "passport_number", "nationality"}
# API inputs that look a row up and are never stored.
LOOKUPS = {"voucher_code", "member_code", "waiting_list_token"}
# Rows an entry point might write.
WRITTEN = (
    Order,
    Attendee,
    Answer,
    YouthDetails,
    GuardianConsent,
    WaitingListEntry,
    TravelPlan,
    VisaDetails,
    BillingDetails,
    Invoice,
    Delegation,
    Partnership,
    Exchange,
    ActivityLog,
    OutboxMessage,
)


def text_column(model, name: str) -> models.Field | None:
    try:
        column = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return column if isinstance(column, models.CharField | models.TextField) else None


def too_long(column: models.Field) -> str:
    """A value of exactly one character more than the column takes; an
    e-mail column gets a well-formed address of that length."""
    length = column_limit(column) + 1
    if isinstance(column, models.EmailField):
        domain = "@" + ".".join(["b" * 50] * 4) + ".org"
        local = length - len(domain)
        assert 1 <= local <= 64
        return "a" * local + domain
    return "x" * length


def snapshot() -> dict:
    return {
        model.__name__: list(model.objects.order_by("pk").values()) for model in WRITTEN
    }


@dataclass
class Entry:
    """One public entry point: its inputs (name → column) and how to send them."""

    name: str
    inputs: dict[str, models.Field]
    send: Callable[[dict], object]
    api: bool
    success: tuple[int, ...]
    unmapped: set[str] = field(default_factory=set)


# --- The world the entry points act on ------------------------------------------


@pytest.fixture
def world(client, settings):
    settings.RATE_LIMITS_ENABLED = False
    cache.clear()
    event = EventFactory(slug="summit", name="Youth Leadership Summit")
    youth = TicketTypeFactory(
        event=event,
        name="Youth delegate",
        price=Decimal("100.00"),
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    adult = TicketTypeFactory(event=event, name="Chaperone", price=Decimal("200.00"))
    gala = TicketTypeFactory(event=event, name="Gala", capacity=1)
    question = QuestionFactory(event=event, label="Diet", kind=QuestionKind.TEXT)
    born = date(event.local_start_date().year - 16, 1, 1)
    orders.place_order(
        event,
        buyer=BuyerData(name="Early", email="early@example.org"),
        attendees=[AttendeeData(ticket_type=gala.pk, given_name="Early")],
        payment_method=PaymentMethod.INVOICE,
    )
    placed = orders.place_order(
        event,
        buyer=BuyerData(name="Ada Lovelace", email="ada@example.org"),
        attendees=[
            AttendeeData(ticket_type=adult.pk, given_name="Ada", family_name="King"),
            AttendeeData(
                ticket_type=youth.pk,
                given_name="Léa",
                family_name="Martin",
                answers={question.pk: "None"},
                youth=YouthData(born, "Marie Martin", "marie@example.org", "+33 1"),
            ),
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    chaperone, delegate = placed.attendees.order_by("pk")
    text = ConsentTextFactory(event=event)
    delegation = LedDelegationFactory(
        event=event, name="Toulouse", home_city="Toulouse", home_country="FR"
    )
    member = delegation_service.add_member(
        delegation,
        member=AttendeeData(ticket_type=adult.pk, given_name="Paul", family_name="Roy"),
    ).attendees.get()
    staff = UserFactory(username="integrator", is_staff=True, is_superuser=True)
    _token, raw = create_api_token(staff, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return {
        "client": client,
        "api": api,
        "event": event,
        "youth": youth,
        "gala": gala,
        "question": question,
        "born": born,
        "chaperone": chaperone,
        "delegate": delegate,
        "consent_text": text,
        "delegation": delegation,
        "member": member,
        "partnership": PartnershipFactory(),
    }


def _mapped(names, model, *, prefix="", columns=None) -> tuple[dict, set]:
    """Each input name → its text column in `model`; the names that map to none."""
    inputs, unmapped = {}, set()
    for name in names:
        column = text_column(model, (columns or {}).get(name, name))
        if column is None:
            unmapped.add(name)
        else:
            inputs[f"{prefix}{name}"] = column
    return inputs, unmapped


def _checkout_base(w) -> dict:
    q = w["question"].pk
    return {
        "buyer.name": "City of Toulouse",
        "buyer.email": "protocol@toulouse.example",
        "buyer.language": "en",
        "payment_method": "invoice",
        "attendees.0.given_name": "Léa",
        "attendees.0.family_name": "Martin",
        "attendees.0.country": "FR",
        "attendees.0.youth.date_of_birth": w["born"].isoformat(),
        "attendees.0.youth.guardian_name": "Marie Martin",
        "attendees.0.youth.guardian_email": "marie@example.org",
        "attendees.0.youth.guardian_phone": "+33 1 23",
        f"attendees.0.answers.{q}": "Vegetarian",
    }


def checkout_attendees(w) -> Entry:
    client, slug = w["client"], w["event"].slug
    inputs, unmapped = _mapped(
        checkout.BUYER_FIELDS, Order, prefix="buyer.", columns=orders.BUYER_COLUMNS
    )
    more, skipped = _mapped(checkout.ATTENDEE_FIELDS, Attendee, prefix="attendees.0.")
    inputs |= more
    unmapped |= skipped
    more, skipped = _mapped(
        checkout.YOUTH_FIELDS, YouthDetails, prefix="attendees.0.youth."
    )
    inputs |= more
    unmapped |= skipped
    inputs[f"attendees.0.answers.{w['question'].pk}"] = Answer._meta.get_field("value")

    def send(values):
        client.post(f"/register/{slug}/", {f"ticket_{w['youth'].pk}": "1"})
        return client.post(
            f"/register/{slug}/attendees/", {**_checkout_base(w), **values}
        )

    return Entry("checkout", inputs, send, False, (302,), unmapped)


def checkout_billing(w) -> Entry:
    client, slug = w["client"], w["event"].slug
    inputs, unmapped = _mapped(
        checkout.BILLING_FIELDS,
        BillingDetails,
        columns={
            name: name.removeprefix("billing_") for name in checkout.BILLING_FIELDS
        },
    )

    def send(values):
        client.post(f"/register/{slug}/", {f"ticket_{w['youth'].pk}": "1"})
        assert (
            client.post(f"/register/{slug}/attendees/", _checkout_base(w)).status_code
            == 302
        )
        return client.post(
            f"/register/{slug}/review/",
            {
                "expected_total": "100.00",
                "privacy": "yes",
                "billing_name": "City of Toulouse",
                "billing_address": "1 Place du Capitole\n31000 Toulouse",
                **values,
            },
        )

    return Entry("checkout billing", inputs, send, False, (302,), unmapped)


def order_page(w) -> Entry:
    client, person = w["client"], w["chaperone"]
    order = person.order
    inputs, unmapped = _mapped(orders.EDITABLE_ATTENDEE_FIELDS, Attendee)

    def send(values):
        base = {
            name: str(getattr(person, name) or "")
            for name in orders.EDITABLE_ATTENDEE_FIELDS
        }
        return client.post(
            f"/orders/{order.code}/{order.secret}/attendees/{person.pk}/",
            {**base, **values},
        )

    return Entry("order page", inputs, send, False, (302,), unmapped)


def consent_page(w) -> Entry:
    client, youth = w["client"], w["delegate"].youth
    inputs, unmapped = {}, set()
    for name in consent.FIELDS:
        column = text_column(GuardianConsent, name) or text_column(YouthDetails, name)
        if column is None:
            unmapped.add(name)
        else:
            inputs[name] = column

    def send(values):
        return client.post(
            f"/consent/{youth.consent_token}/",
            {
                "consent_text": w["consent_text"].pk,
                "signed_name": "Marie Martin",
                "medical_notes": "None",
                "emergency_contact_name": "Paul Martin",
                "emergency_contact_phone": "+33 1",
                **values,
            },
        )

    return Entry("consent page", inputs, send, False, (200,), unmapped)


def waiting_list_page(w) -> Entry:
    client, slug = w["client"], w["event"].slug
    inputs, unmapped = _mapped(waiting_list.TEXT_FIELDS, WaitingListEntry)

    def send(values):
        return client.post(
            f"/waiting-list/{slug}/",
            {
                "ticket_type": w["gala"].pk,
                "name": "Wendy",
                "email": "wendy@example.org",
                "quantity": "1",
                **values,
            },
        )

    return Entry("waiting list", inputs, send, False, (200,), unmapped)


def delegation_member(w) -> Entry:
    client, secret = w["client"], w["delegation"].secret
    names = [name for name in delegation_page.MEMBER_FIELDS if name != "ticket_type"]
    inputs, unmapped = _mapped(names, Attendee)
    more, skipped = _mapped(delegation_page.YOUTH_FIELDS, YouthDetails, prefix="youth.")
    inputs |= more
    unmapped |= skipped
    inputs[f"answers.{w['question'].pk}"] = Answer._meta.get_field("value")

    def send(values):
        return client.post(
            f"/delegations/{secret}/members/new/",
            {
                "ticket_type": w["youth"].pk,
                "given_name": "Jules",
                "family_name": "Roy",
                "country": "FR",
                "youth.date_of_birth": w["born"].isoformat(),
                "youth.guardian_name": "Anne Roy",
                "youth.guardian_email": "anne@example.org",
                "youth.guardian_phone": "+33 2",
                f"answers.{w['question'].pk}": "Vegan",
                **values,
            },
        )

    return Entry("delegation member", inputs, send, False, (302,), unmapped)


def delegation_travel(w) -> Entry:
    client, secret = w["client"], w["delegation"].secret
    inputs, unmapped = _mapped(delegation_page.TRAVEL_TEXT_FIELDS, TravelPlan)
    more, skipped = _mapped(travel.VISA_FIELDS, VisaDetails)
    inputs |= more
    unmapped |= skipped

    def send(values):
        return client.post(
            f"/delegations/{secret}/members/{w['member'].pk}/travel/",
            {"lodging_name": "Hotel Capitole", **values},
        )

    return Entry("delegation travel", inputs, send, False, (302,), unmapped)


def delegation_close(w) -> Entry:
    client, secret = w["client"], w["delegation"].secret
    # Checked as the invoice's billing details
    # (registration/payments/services/invoices.py), whose columns match the
    # delegation's billing_* ones (a test below).
    inputs, unmapped = _mapped(
        delegation_page.BILLING_FIELDS, BillingDetails, prefix="billing."
    )

    def send(values):
        return client.post(
            f"/delegations/{secret}/close/",
            {
                "billing.name": "Mairie de Toulouse",
                "billing.address": "Place du Capitole",
                **values,
            },
        )

    return Entry("delegation close", inputs, send, False, (302,), unmapped)


# --- API bodies ---------------------------------------------------------------------


def leaves(serializer, prefix=""):
    """(dotted path, field) of every field of an input serializer, nested ones opened."""
    for name, item in serializer.fields.items():
        if item.read_only:
            continue
        if isinstance(item, serializers.ListSerializer):
            yield from leaves(item.child, f"{prefix}{name}.0.")
        elif isinstance(item, serializers.Serializer):
            yield from leaves(item, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", item


def put_at(body: dict, path: str, value) -> dict:
    body = json.loads(json.dumps(body))
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[last] = value
    return body


def api_entry(name, w, serializer, base, url, *, method="post", column_of, extra=()):
    inputs, unmapped = {}, set()
    for path, item in leaves(serializer):
        if not isinstance(item, serializers.CharField | serializers.ChoiceField):
            continue
        column = column_of(path)
        if column is None:
            unmapped.add(path.rsplit(".", 1)[-1])
        else:
            inputs[path] = column
    inputs |= dict(extra)

    def send(values):
        body = base
        for path, value in values.items():
            body = put_at(body, path, value)
        cache.clear()
        return getattr(w["api"], method)(url, body, format="json")

    return Entry(name, inputs, send, True, (200, 201), unmapped)


def api_order(w) -> Entry:
    def column_of(path):
        parts = path.split(".")
        if parts[0] == "buyer":
            return text_column(Order, orders.BUYER_COLUMNS.get(parts[1], parts[1]))
        if parts[:3] == ["attendees", "0", "youth"]:
            return text_column(YouthDetails, parts[3])
        if parts[0] == "attendees":
            return text_column(Attendee, parts[2])
        return text_column(Order, path)

    base = {
        "buyer": {"name": "City of Toulouse", "email": "protocol@toulouse.example"},
        "attendees": [
            {
                "ticket_type": w["youth"].pk,
                "given_name": "Léa",
                "youth": {
                    "date_of_birth": w["born"].isoformat(),
                    "guardian_name": "Marie Martin",
                    "guardian_email": "marie@example.org",
                    "guardian_phone": "+33 1",
                },
                "answers": {str(w["question"].pk): "Vegetarian"},
            }
        ],
        "payment_method": "invoice",
    }
    return api_entry(
        "API order",
        w,
        OrderInSerializer(),
        base,
        f"/api/v1/events/{w['event'].slug}/orders/",
        column_of=column_of,
        extra={
            f"attendees.0.answers.{w['question'].pk}": Answer._meta.get_field("value")
        },
    )


def api_travel(w) -> Entry:
    def column_of(path):
        return text_column(TravelPlan, path)

    return api_entry(
        "API travel",
        w,
        TravelPlanInSerializer(),
        {"lodging_name": "Hotel Capitole"},
        f"/api/v1/attendees/{w['member'].pk}/travel/",
        method="put",
        column_of=column_of,
        extra={
            f"visa.{name}": column
            for name in travel.VISA_FIELDS
            if (column := text_column(VisaDetails, name))
        },
    )


def api_model(name, w, serializer, base, url) -> Entry:
    model = serializer.Meta.model
    return api_entry(
        name,
        w,
        serializer,
        base,
        url,
        column_of=lambda path: text_column(model, serializer.fields[path].source),
    )


def api_partnership(w) -> Entry:
    base = {
        "kind": "city",
        "status": "active",
        "local_name": "Eugene",
        "local_country": "US",
        "partner_name": "Koror",
        "partner_country": "PW",
    }
    return api_model(
        "API partnership", w, PartnershipSerializer(), base, "/api/v1/partnerships/"
    )


def api_exchange(w) -> Entry:
    base = {
        "partnership": w["partnership"].pk,
        "kind": "education",
        "title": "Teachers' visit",
        "starts_on": "2026-10-01",
        "direction": "sent",
    }
    return api_model(
        "API exchange", w, ExchangeSerializer(), base, "/api/v1/exchanges/"
    )


ENTRIES = {
    "checkout": checkout_attendees,
    "checkout billing": checkout_billing,
    "order page": order_page,
    "consent page": consent_page,
    "waiting list": waiting_list_page,
    "delegation member": delegation_member,
    "delegation travel": delegation_travel,
    "delegation close": delegation_close,
    "API order": api_order,
    "API travel": api_travel,
    "API partnership": api_partnership,
    "API exchange": api_exchange,
}


# --- What is asserted of each refusal -------------------------------------------


def errors_at(response, entry: Entry, name: str) -> list[str]:
    if entry.api:
        return [e["message"] for e in response.json()["errors"].get(name, [])]
    soup = BeautifulSoup(response.content, "html.parser")
    element = soup.find(id=f"f-{name.replace('.', '-')}-error")
    return [element.get_text(" ", strip=True)] if element else []


def kept_value(response, name: str) -> str | None:
    soup = BeautifulSoup(response.content, "html.parser")
    element = soup.find(id=f"f-{name.replace('.', '-')}")
    if element is None or element.name == "select":
        return None
    if element.name == "textarea":
        return element.get_text()
    return element.get("value", "")


def is_coded(name: str, column: models.Field) -> bool:
    return bool(column.choices) or name.rsplit(".", 1)[-1] in CODED


def assert_refused(entry: Entry, name: str, value: str, expected: str | None):
    before = snapshot()
    response = entry.send({name: value})
    where = f"{entry.name}: {name}"
    assert response.status_code == 400, (where, response.status_code)
    messages = errors_at(response, entry, name)
    assert messages, (where, "no error at the field")
    if expected is not None:
        assert expected in messages or any(expected in m for m in messages), (
            where,
            messages,
        )
    if not entry.api and (kept := kept_value(response, name)) is not None:
        assert kept.strip() == value.strip(), (where, "value not kept")
    assert snapshot() == before, (where, "something was written")


@pytest.mark.parametrize("entry_name", list(ENTRIES))
def test_a_value_one_over_its_column_is_refused_and_nothing_is_written(
    world, entry_name
):
    entry = ENTRIES[entry_name](world)
    assert entry.inputs, entry.name
    assert entry.unmapped <= PARSED | LOOKUPS, (entry.name, entry.unmapped)
    for name, column in entry.inputs.items():
        value = too_long(column)
        limit = column_limit(column)
        expected = (
            None
            if is_coded(name, column)
            else f"{capfirst(column.verbose_name)} can have at most {limit} "
            f"characters (this has {limit + 1})."
        )
        assert_refused(entry, name, value, expected)
    # The same body without the bad value goes through: the refusals were the
    # values', and the entry point writes when it should.
    response = entry.send({})
    assert response.status_code in entry.success, (entry.name, response.status_code)


@pytest.mark.parametrize("entry_name", list(ENTRIES))
def test_a_name_with_a_bidirectional_control_is_refused(world, entry_name):
    entry = ENTRIES[entry_name](world)
    names = {n: c for n, c in entry.inputs.items() if is_name_field(c)}
    for name, column in names.items():
        expected = (
            f"{capfirst(column.verbose_name)} contains invisible characters that "
            "change the direction of text (such as U+202E); type it without them."
        )
        assert_refused(entry, name, BIDI_NAME, expected)


@pytest.mark.parametrize("entry_name", list(ENTRIES))
def test_a_name_no_font_can_print_is_refused(world, entry_name):
    entry = ENTRIES[entry_name](world)
    names = {n: c for n, c in entry.inputs.items() if is_name_field(c)}
    for name, column in names.items():
        expected = (
            f"{capfirst(column.verbose_name)} holds characters that cannot be "
            "printed on a badge or ticket: \ue000 (U+E000). Please leave them out."
        )
        assert_refused(entry, name, UNPRINTABLE_NAME, expected)
        # Said once: the model's own validator does not repeat it.
        response = entry.send({name: UNPRINTABLE_NAME})
        assert errors_at(response, entry, name) == [expected], (entry.name, name)


# --- Every text column is reached, or known to be out of public reach -----------------

# Models whose rows public input writes, and the text columns no public input
# reaches, each with the reason.
NOT_FROM_OUTSIDE = {
    Order: {"code", "secret", "status", "payment_method", "privacy_notice_version"}
    | {"currency"},  # all set by registration/orders/services/placement.py
    Attendee: {"secret"},
    YouthDetails: {"consent_token"},
    # The browser's User-Agent header, cut to its 300 characters (fitted); the
    # copy of the consent text signed, from the ConsentText row staff wrote.
    GuardianConsent: {"user_agent", "signed_language", "signed_title", "signed_text"},
    # The page's language, the service's status and token.
    WaitingListEntry: {"language", "status", "token"},
    TravelPlan: {"visa_letter_status"},
    VisaDetails: set(),
    BillingDetails: set(),
    Answer: set(),
    Partnership: set(),
    Exchange: set(),
}


def test_every_text_column_of_public_input_is_walked(world):
    reached = {
        (column.model, column.name)
        for make in ENTRIES.values()
        for column in make(world).inputs.values()
    }
    missing = []
    for model, known in NOT_FROM_OUTSIDE.items():
        for column in model._meta.concrete_fields:
            if not isinstance(column, models.CharField | models.TextField):
                continue
            if (model, column.name) not in reached and column.name not in known:
                missing.append(f"{model.__name__}.{column.name}")
    assert missing == []


def test_a_delegations_billing_columns_take_what_the_invoice_check_allows():
    for name in ("name", "address", "tax_id", "po_number"):
        mine = Delegation._meta.get_field(f"billing_{name}")
        checked = BillingDetails._meta.get_field(name)
        assert (column_limit(mine), is_name_field(mine)) == (
            column_limit(checked),
            is_name_field(checked),
        ), name


def test_free_text_has_a_limit():
    assert column_limit(Answer._meta.get_field("value")) == FREE_TEXT_LIMIT == 5000


# --- Derived values and the cases of the report -----------------------------------------


def test_two_long_names_through_the_api_ask_for_the_badge_name(world):
    api, event = world["api"], world["event"]
    adult = event.ticket_types.get(name="Chaperone")
    body = {
        "buyer": {"name": "City of Toulouse", "email": "protocol@toulouse.example"},
        "attendees": [
            {"ticket_type": adult.pk, "given_name": "G" * 100, "family_name": "F" * 100}
        ],
        "payment_method": "invoice",
    }
    before = snapshot()

    refused = api.post(f"/api/v1/events/{event.slug}/orders/", body, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "attendees.0.badge_name": [
            {
                "code": "max_length",
                "message": "Name on badge: the given and family names together "
                "have 201 characters, and a badge takes at most 120; enter the "
                "name as it should be printed.",
            }
        ]
    }
    assert snapshot() == before

    body["attendees"][0]["badge_name"] = "B" * 120
    placed = api.post(f"/api/v1/events/{event.slug}/orders/", body, format="json")

    assert placed.status_code == 201
    person = Attendee.objects.get(order__code=placed.json()["code"])
    assert (len(person.given_name), len(person.family_name), person.badge_name) == (
        100,
        100,
        "B" * 120,
    )


def test_very_long_names_through_the_web_checkout_come_back_with_the_error(world):
    client, event = world["client"], world["event"]
    adult = event.ticket_types.get(name="Chaperone")
    client.post(f"/register/{event.slug}/", {f"ticket_{adult.pk}": "1"})
    long_name = "Maximiliana " * 25
    data = {
        "buyer.name": "City of Toulouse",
        "buyer.email": "protocol@toulouse.example",
        "buyer.language": "en",
        "payment_method": "invoice",
        "attendees.0.given_name": long_name,
        "attendees.0.family_name": "Martin",
    }
    before = snapshot()

    response = client.post(f"/register/{event.slug}/attendees/", data)

    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find(id="f-attendees-0-given_name-error").get_text(strip=True) == (
        "Given name can have at most 100 characters (this has 299)."
    )
    assert soup.find(id="f-attendees-0-given_name")["value"] == long_name.strip()
    assert snapshot() == before

    # At the limits, the order goes all the way through (PostgreSQL stores it).
    data |= {
        "attendees.0.given_name": "G" * 100,
        "attendees.0.family_name": "F" * 19,
        "buyer.name": "N" * 200,
        "buyer.organisation": "O" * 200,
    }
    assert client.post(f"/register/{event.slug}/attendees/", data).status_code == 302
    placed = client.post(
        f"/register/{event.slug}/review/",
        {
            "expected_total": "200.00",
            "privacy": "yes",
            "billing_name": "B" * 200,
            "billing_address": "Place du Capitole",
            "billing_po_number": "P" * 60,
        },
    )
    assert placed.status_code == 302
    order = Order.objects.get(buyer_name="N" * 200)
    assert order.attendees.get().badge_name == "G" * 100 + " " + "F" * 19
    assert order.billing.name == "B" * 200


def test_a_member_who_pays_has_a_buyer_name_fitted_to_its_column(world):
    delegation = world["delegation"]
    delegation.billing = "each_pays"
    delegation.save()
    adult = world["event"].ticket_types.get(name="Chaperone")

    order = delegation_service.add_member(
        delegation,
        member=AttendeeData(
            ticket_type=adult.pk,
            given_name="G" * 100,
            family_name="F" * 100,
            badge_name="Gabriel F.",
            email="gabriel@example.org",
        ),
    )

    assert order.buyer_name == "G" * 100 + " " + "F" * 99


# --- Names in the admin, the network API's model rules and imports --------------------


def name_columns():
    return sorted(
        f"{field.model.__name__}.{field.name}"
        for model in apps.get_app_config("registration").get_models()
        for field in model._meta.concrete_fields
        if is_name_field(field)
    )


def test_the_name_columns_refuse_bidi_controls_in_every_model_form():
    assert name_columns() == [
        "Attendee.badge_name",
        "Attendee.badge_name_latin",
        "Attendee.city",
        "Attendee.family_name",
        "Attendee.given_name",
        "Attendee.organisation",
        "BillingDetails.name",
        "Delegation.billing_name",
        "Delegation.home_city",
        "Delegation.leader_name",
        "Delegation.name",
        "GuardianConsent.signed_name",
        "MemberOrganisation.name",
        "Order.buyer_name",
        "Order.buyer_organisation",
        "Partnership.local_name",
        "Partnership.local_region",
        "Partnership.partner_name",
        "Partnership.partner_region",
        "Partnership.signed_by",
        "PartnershipContact.name",
        "TravelPlan.lodging_name",
        "TravelPlan.room_sharing_with",
        "WaitingListEntry.name",
        "YouthDetails.emergency_contact_name",
        "YouthDetails.guardian_name",
    ]
    for label in name_columns():
        model_name, name = label.split(".")
        column = apps.get_model("registration", model_name)._meta.get_field(name)
        with pytest.raises(ValidationError) as caught:
            column.clean(BIDI_NAME, None)
        assert caught.value.error_list[0].code == "bidi_control", label
        with pytest.raises(ValidationError) as caught:
            column.clean(UNPRINTABLE_NAME, None)
        assert caught.value.error_list[0].code == "unprintable_characters", label
        # Right-to-left names and the marks their keyboards type are fine.
        column.clean("\u200fשרה כהן", None)
        column.clean("محمد\u061c", None)


def test_a_delegation_edited_in_the_admin_refuses_a_bidi_name(world, client):
    delegation = world["delegation"]
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/delegations/edit/{delegation.pk}/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    form = soup.find("form", id="w-editor-form")
    data = {}
    for element in form.find_all(["input", "textarea", "select"]):
        if not element.get("name") or element.get("type") in {"checkbox", "submit"}:
            continue
        if element.name == "select":
            chosen = element.find("option", selected=True)
            data[element["name"]] = chosen["value"] if chosen else ""
        elif element.name == "textarea":
            data[element["name"]] = element.get_text()
        else:
            data[element["name"]] = element.get("value", "")
    data["name"] = BIDI_NAME

    response = client.post(f"/admin/delegations/edit/{delegation.pk}/", data)

    assert response.status_code == 200
    assert "Contains invisible characters that change the direction of text" in (
        response.content.decode()
    )
    delegation.refresh_from_db()
    assert delegation.name == "Toulouse"


def test_an_imported_partnership_with_a_bidi_name_is_a_row_error(world):
    content = (
        "local_name,local_country,partner_name,partner_country,kind,status,programmes\n"
        f"Eugene,US,{BIDI_NAME},PW,city,active,\n"
    ).encode()

    report = import_network_file(
        "partnerships", content=content, filename="p.csv", confirm=True
    )

    assert not report.written
    (row,) = report.rows
    assert [message for _column, message in row.errors] == [
        "Contains invisible characters that change the direction of text "
        "(such as U+202E); type it without them."
    ]
    assert not Partnership.objects.filter(local_name="Eugene").exists()
