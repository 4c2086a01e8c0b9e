"""Texts staff write for an event, in the reader's language with English as fallback
(catalogue/translation.py, catalogue/texts.py): checkout, e-mails, API, admin."""

from decimal import Decimal

import pytest
from django.utils import translation

from registration.catalogue.texts import MissingText, missing_translations
from registration.models import Answer, Event, PaymentMethod, QuestionKind
from registration.orders import services as orders
from tests.factories import (
    EventFactory,
    ExtraFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import ConsentTextFactory
from tests.pdf_tools import flat_text
from tests.registration.conftest import attendee, buyer

pytestmark = pytest.mark.django_db

BILLING = {"billing_name": "Ayuntamiento", "billing_address": "Plaza Mayor 1"}


@pytest.fixture
def event():
    return EventFactory(
        slug="conference",
        name="Annual Conference",
        name_es="Conferencia anual",
        summary="Citizen diplomats from every continent.",
        summary_es="Diplomáticos ciudadanos de todos los continentes.",
        terms="Refunds until 1 June.",
        terms_es="Reembolsos hasta el 1 de junio.",
    )


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(
        event=event,
        name="Delegate",
        name_es="Delegado",
        description="All sessions and the welcome reception.",
        description_es="Todas las sesiones y la recepción de bienvenida.",
        price=Decimal("450.00"),
    )


@pytest.fixture
def meal(event):
    return QuestionFactory(
        event=event,
        label="Meal preference",
        label_es="Preferencia de comida",
        help_text="For the gala dinner.",
        help_text_es="Para la cena de gala.",
        kind=QuestionKind.CHOICE,
        choices="Meat\nVegetarian",
        choices_es="Carne\nVegetariana",
    )


def test_a_spanish_buyer_sees_spanish_ticket_names_and_questions(
    client, event, delegate, meal
):
    page = client.get("/es/register/conference/").content.decode()
    assert "Conferencia anual" in page
    assert "Diplomáticos ciudadanos de todos los continentes." in page
    assert "Delegado" in page
    assert "Todas las sesiones y la recepción de bienvenida." in page
    assert "Delegate" not in page

    client.post("/es/register/conference/", {f"ticket_{delegate.pk}": "1"})
    attendees = client.get("/es/register/conference/attendees/").content.decode()
    assert "Preferencia de comida" in attendees
    assert "Para la cena de gala." in attendees
    # The option reads Spanish; the value sent stays the English one.
    assert '<option value="Vegetarian">Vegetariana</option>' in attendees
    assert "Meal preference" not in attendees


def test_an_answer_chosen_in_spanish_is_stored_as_the_english_option(
    client, event, delegate, meal
):
    client.post("/es/register/conference/", {f"ticket_{delegate.pk}": "1"})
    response = client.post(
        "/es/register/conference/attendees/",
        {
            "buyer.name": "Ana Ruiz",
            "buyer.email": "ana@example.org",
            "buyer.language": "es",
            "payment_method": "invoice",
            "attendees.0.given_name": "Ana",
            "attendees.0.family_name": "Ruiz",
            "attendees.0.email": "ana@example.org",
            "attendees.0.country": "ES",
            f"attendees.0.answers.{meal.pk}": "Vegetarian",
        },
    )

    assert response.status_code == 302
    review = client.get("/es/register/conference/review/").content.decode()
    assert "Reembolsos hasta el 1 de junio." in review
    client.post(
        "/es/register/conference/review/",
        {"expected_total": "450.00", "privacy": "yes", **BILLING},
    )
    assert Answer.objects.get().value == "Vegetarian"
    with translation.override("es"):
        assert meal.choice_label("Vegetarian") == "Vegetariana"


def test_a_missing_french_text_falls_back_to_english(client, event, delegate, meal):
    page = client.get("/fr/register/conference/").content.decode()
    assert "Annual Conference" in page
    assert "Delegate" in page
    assert "All sessions and the welcome reception." in page

    client.post("/fr/register/conference/", {f"ticket_{delegate.pk}": "1"})
    attendees = client.get("/fr/register/conference/attendees/").content.decode()
    assert "Meal preference" in attendees
    assert '<option value="Vegetarian">Vegetarian</option>' in attendees


def test_a_translation_with_another_number_of_options_is_not_used(event):
    question = QuestionFactory(
        event=event,
        kind=QuestionKind.CHOICE,
        choices="Small\nMedium\nLarge",
        choices_es="Pequeña\nGrande",
    )

    with translation.override("es"):
        assert question.choice_options == [
            ("Small", "Small"),
            ("Medium", "Medium"),
            ("Large", "Large"),
        ]


def test_existing_plain_text_reads_in_english_and_new_rows_write_english(event):
    with translation.override("fr"):
        assert Event.objects.get(pk=event.pk).name == "Annual Conference"
    assert Event.objects.get(pk=event.pk).name_en == "Annual Conference"
    assert Event.objects.get(pk=event.pk).name_fr is None


def test_the_confirmation_and_ticket_read_the_buyer_language_and_the_event_note(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    Event.objects.filter(pk=event.pk).update(
        email_note_en="Collect your badge at the desk.",
        email_note_es="Recoja su credencial en el mostrador.",
    )
    press = TicketTypeFactory(
        event=event, name="Press", name_es="Prensa", price=Decimal("0.00")
    )
    with django_capture_on_commit_callbacks(execute=True):
        orders.place_order(
            Event.objects.get(pk=event.pk),
            buyer=buyer(name="Lucía Gómez", language="es"),
            attendees=[attendee(press, email="", language="")],
            payment_method=PaymentMethod.FREE,
        )
    [message] = mailoutbox

    assert "Conferencia anual" in message.subject
    assert "Recoja su credencial en el mostrador." in message.body
    assert "Collect your badge" not in message.body
    [(_filename, pdf, _mime_type)] = message.attachments
    text = flat_text(pdf)
    assert "PRENSA" in text.upper()
    assert "Press" not in text


# --- Missing translations -------------------------------------------------------


def test_missing_translations_lists_each_text_without_spanish_or_french(
    event, delegate
):
    ExtraFactory(event=event, name="Gala dinner", name_es="Cena de gala")
    ConsentTextFactory(event=event, language="en")
    ConsentTextFactory(event=event, language="es")

    assert missing_translations(event) == [
        MissingText("Event: Annual Conference", "name", ("fr",)),
        MissingText("Event: Annual Conference", "summary", ("fr",)),
        MissingText(
            "Event: Annual Conference", "cancellation and payment terms", ("fr",)
        ),
        MissingText("Ticket type: Delegate", "name", ("fr",)),
        MissingText("Ticket type: Delegate", "description", ("fr",)),
        MissingText("Extra: Gala dinner", "name", ("fr",)),
        MissingText("Guardian consent", "consent text", ("fr",)),
    ]


def test_the_event_admin_shows_the_missing_translations_and_the_language_fields(
    client, event, delegate
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = client.get(f"/admin/events/edit/{event.pk}/").content.decode()

    assert 'name="name_en"' in html
    assert 'name="name_es"' in html
    assert 'name="name_fr"' in html
    assert 'name="ticket_types-0-name_es"' in html
    assert 'name="ticket_types-0-name"' not in html
    assert 'data-testid="missing-translations"' in html
    assert "Ticket type: Delegate" in html


# --- API ------------------------------------------------------------------------


def test_the_api_gives_every_language_and_the_asked_one_by_default(
    api, event, delegate, meal
):
    spanish = api.get("/api/v1/events/conference/?lang=es").json()
    assert spanish["name"] == "Conferencia anual"
    assert spanish["name_translations"] == {
        "en": "Annual Conference",
        "es": "Conferencia anual",
        "fr": "",
    }
    assert spanish["ticket_types"][0]["name"] == "Delegado"
    assert spanish["ticket_types"][0]["name_translations"] == {
        "en": "Delegate",
        "es": "Delegado",
        "fr": "",
    }
    assert spanish["questions"][0]["label"] == "Preferencia de comida"
    assert spanish["questions"][0]["choices"] == ["Meat", "Vegetarian"]
    assert spanish["questions"][0]["choice_labels"] == ["Carne", "Vegetariana"]

    by_header = api.get("/api/v1/events/conference/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert by_header["terms"] == "Reembolsos hasta el 1 de junio."
    french = api.get("/api/v1/events/conference/?lang=fr").json()
    assert french["ticket_types"][0]["name"] == "Delegate"
    assert api.get("/api/v1/events/").json()[0]["name"] == "Annual Conference"
