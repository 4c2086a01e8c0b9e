from datetime import date

import pytest

from registration.models import GuardianConsent, PaymentMethod
from registration.orders.services import AttendeeData, BuyerData, YouthData, place_order
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.registration_more import ConsentTextFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def youth():
    summit = EventFactory(slug="summit", name="Youth Leadership Summit")
    ticket = TicketTypeFactory(
        event=summit, min_age=14, max_age=18, requires_guardian_consent=True
    )
    born = date(summit.local_start_date().year - 16, 1, 1)
    order = place_order(
        summit,
        buyer=BuyerData(name="Ada", email="ada@example.org"),
        attendees=[
            AttendeeData(
                ticket_type=ticket.pk,
                given_name="Léa",
                family_name="Martin",
                youth=YouthData(born, "Marie Martin", "marie@example.org", "1"),
            )
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    return order.attendees.get().youth


def test_consent_page_shows_the_current_text_and_records_the_signature(client, youth):
    event = youth.attendee.order.event
    ConsentTextFactory(event=event, version=1, body="Old text")
    text = ConsentTextFactory(
        event=event, version=2, body="Participation and photo release."
    )
    page = client.get(f"/consent/{youth.consent_token}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Participation and photo release." in html
    assert "Old text" not in html
    response = client.post(
        f"/consent/{youth.consent_token}/",
        {
            "consent_text": text.pk,
            "signed_name": "Marie Martin",
            "medical_notes": "None",
            "emergency_contact_name": "Paul Martin",
            "emergency_contact_phone": "+33 1",
            "photo_release": "yes",
        },
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Safari",
    )
    assert response.status_code == 200
    assert 'data-testid="consent-signed"' in response.content.decode()
    consent = GuardianConsent.objects.get()
    assert (consent.signed_name, consent.ip_address, consent.user_agent) == (
        "Marie Martin",
        "198.51.100.4",
        "Safari",
    )
    assert (consent.consent_text, consent.photo_release) == (text, True)


def test_consent_form_errors_keep_the_input(client, youth):
    text = ConsentTextFactory(event=youth.attendee.order.event)
    response = client.post(
        f"/consent/{youth.consent_token}/",
        {
            "consent_text": text.pk,
            "signed_name": "",
            "medical_notes": "Asthma",
            "emergency_contact_name": "",
            "emergency_contact_phone": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f-signed_name-error">Type your full name to sign.<' in html
    assert ">Asthma</textarea>" in html
    assert GuardianConsent.objects.count() == 0


def test_unknown_consent_token_is_404(client, db):
    assert client.get("/consent/NOT-A-TOKEN/").status_code == 404
