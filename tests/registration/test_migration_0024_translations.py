"""registration/migrations/0024_translations.py: the texts written before become the
English ones, and each earlier signature keeps the text it signed."""

from importlib import import_module

import pytest
from django.db.migrations.loader import MigrationLoader

from registration.models import GuardianConsent, TicketType
from tests.factories import TicketTypeFactory
from tests.factories.registration_more import ConsentTextFactory, YouthDetailsFactory

pytestmark = pytest.mark.django_db

migration = import_module("registration.migrations.0024_translations")


@pytest.fixture(scope="module")
def apps():
    """The models as the migration sees them (plain managers, as in `migrate`)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader.project_state(("registration", "0024_translations")).apps


def test_existing_texts_become_the_english_ones(apps):
    ticket_type = TicketTypeFactory(name="Delegate", description="All sessions.")
    # As the rows stood before the migration: only the untranslated columns.
    TicketType.objects.filter(pk=ticket_type.pk).update(
        name_en=None, description_en=None
    )

    migration.copy_texts_to_english(apps, None)

    row = TicketType.objects.values("name_en", "description_en", "name_es").get()
    assert row == {
        "name_en": "Delegate",
        "description_en": "All sessions.",
        "name_es": None,
    }


def test_each_earlier_signature_keeps_the_text_it_signed(apps):
    text = ConsentTextFactory(version=3, title="Consent", body="I agree.")
    youth = YouthDetailsFactory(attendee__order__event=text.event)
    consent = GuardianConsent.objects.create(
        youth=youth,
        consent_text=text,
        signed_name="Marie Martin",
        signed_at=text.created_at,
    )

    migration.copy_signed_texts(apps, None)

    consent.refresh_from_db()
    assert (
        consent.signed_language,
        consent.signed_version,
        consent.signed_title,
        consent.signed_text,
    ) == ("en", 3, "Consent", "I agree.")
