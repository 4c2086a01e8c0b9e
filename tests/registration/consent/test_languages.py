"""Guardian consent per language: each language versioned on its own, the page in
the guardian's language (English without one), the signature keeping exactly
what was signed (consent/models.py, consent/services.py)."""

from datetime import date

import pytest

from registration.consent.admin import ConsentTextForm
from registration.consent.services import current_consent_text, sign_guardian_consent
from registration.errors import ConsentError
from registration.models import ConsentText, GuardianConsent, PaymentMethod
from registration.orders.services import AttendeeData, BuyerData, YouthData, place_order
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.registration_more import ConsentTextFactory

pytestmark = pytest.mark.django_db

SIGNATURE = {
    "signed_name": "Marta López",
    "medical_notes": "",
    "emergency_contact_name": "Pablo López",
    "emergency_contact_phone": "+34 600 000 000",
}


@pytest.fixture
def youth():
    summit = EventFactory(slug="summit", name="Youth Leadership Summit")
    ticket = TicketTypeFactory(
        event=summit, min_age=14, max_age=18, requires_guardian_consent=True
    )
    born = date(summit.local_start_date().year - 16, 1, 1)
    order = place_order(
        summit,
        buyer=BuyerData(name="Marta López", email="marta@example.org", language="es"),
        attendees=[
            AttendeeData(
                ticket_type=ticket.pk,
                given_name="Lucía",
                family_name="López",
                youth=YouthData(born, "Marta López", "marta@example.org", "1"),
            )
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    return order.attendees.get().youth


@pytest.fixture
def texts(youth):
    event = youth.attendee.order.event
    return {
        "en": ConsentTextFactory(
            event=event, language="en", version=1, title="Consent", body="I agree."
        ),
        "es": ConsentTextFactory(
            event=event,
            language="es",
            version=1,
            title="Consentimiento",
            body="Estoy de acuerdo con la participación.",
        ),
    }


def test_a_spanish_guardian_reads_and_signs_the_spanish_text(client, youth, texts):
    page = client.get(f"/es/consent/{youth.consent_token}/").content.decode()
    assert "Estoy de acuerdo con la participación." in page
    assert "I agree." not in page

    response = client.post(
        f"/es/consent/{youth.consent_token}/",
        {"consent_text": texts["es"].pk, **SIGNATURE},
    )

    assert response.status_code == 200
    consent = GuardianConsent.objects.get()
    assert (
        consent.consent_text,
        consent.signed_language,
        consent.signed_version,
        consent.signed_title,
        consent.signed_text,
    ) == (
        texts["es"],
        "es",
        1,
        "Consentimiento",
        "Estoy de acuerdo con la participación.",
    )


def test_a_french_guardian_without_a_french_text_signs_the_english_one(
    client, youth, texts
):
    page = client.get(f"/fr/consent/{youth.consent_token}/").content.decode()
    assert "I agree." in page

    client.post(
        f"/fr/consent/{youth.consent_token}/",
        {"consent_text": texts["en"].pk, **SIGNATURE},
    )

    consent = GuardianConsent.objects.get()
    assert (consent.signed_language, consent.signed_version) == ("en", 1)
    assert consent.signed_text == "I agree."


def test_a_new_spanish_version_leaves_english_and_refuses_the_old_spanish(youth, texts):
    event = youth.attendee.order.event
    newer = ConsentTextFactory(
        event=event, language="es", version=2, title="Consentimiento", body="Nuevo."
    )

    assert current_consent_text(event, language="es") == newer
    assert current_consent_text(event, language="en") == texts["en"]
    with pytest.raises(ConsentError) as refused:
        sign_guardian_consent(youth, consent_text=texts["es"], **SIGNATURE)
    assert refused.value.code == "consent_text_changed"
    sign_guardian_consent(youth, consent_text=newer, **SIGNATURE)
    assert GuardianConsent.objects.get().signed_version == 2


def test_the_admin_numbers_versions_per_language(youth, texts):
    event = youth.attendee.order.event
    ConsentTextFactory(event=event, language="en", version=2)
    form = ConsentTextForm(
        data={
            "event": event.pk,
            "language": "es",
            "version": "",
            "title": "Consentimiento",
            "body": "Versión revisada.",
        }
    )

    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.language, saved.version) == ("es", 2)
    assert ConsentText.objects.filter(event=event, language="en").count() == 2


def test_a_signed_version_cannot_change_in_any_language(youth, texts):
    sign_guardian_consent(youth, consent_text=texts["en"], **SIGNATURE)
    form = ConsentTextForm(
        instance=texts["en"],
        data={
            "event": texts["en"].event_id,
            "language": "en",
            "version": "1",
            "title": "Consent",
            "body": "Changed.",
        },
    )

    assert not form.is_valid()
    assert ConsentText.objects.get(pk=texts["en"].pk).body == "I agree."
