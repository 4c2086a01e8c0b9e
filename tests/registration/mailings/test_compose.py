"""Writing a mailing: field errors by name, languages, who may write what."""

import pytest

from registration.errors import MailingError, MailingInvalid
from registration.mailings.selectors import AudienceFilters, audience_recipients
from registration.mailings.services.compose import save_mailing, set_rule_active
from registration.mailings.services.rendering import render_for
from registration.models import MailingStatus
from tests.factories import ExtraFactory, OrderFactory
from tests.registration.mailings.conftest import (
    draft,
    member_of,
    person,
    texts,
    write_mailing,
)


def field_errors(error: MailingInvalid) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in error.by_field().items()}


def test_an_unknown_placeholder_is_an_error_naming_its_field(event, manager):
    with pytest.raises(MailingInvalid) as error:
        write_mailing(
            event,
            manager,
            texts=texts(subject_es="Hola {nombre}", body_es="Hola {name}"),
        )
    assert field_errors(error.value) == {"subject_es": ["placeholder"]}
    assert error.value.errors[0].message == (
        "Unknown placeholder {nombre}; this audience has {name}, {event}, "
        "{ticket_link}."
    )


def test_a_link_is_offered_only_to_its_own_audience(event, manager):
    with pytest.raises(MailingInvalid) as error:
        write_mailing(
            event, manager, texts=texts(body_en="Your delegation: {delegation_link}")
        )
    assert field_errors(error.value) == {"body_en": ["placeholder"]}
    leaders = write_mailing(
        event, manager, "leaders", texts=texts(body_en="Yours: {delegation_link}")
    )
    assert leaders.audience == "leaders"


def test_english_is_required_and_a_language_is_both_or_nothing(event, manager):
    with pytest.raises(MailingInvalid) as error:
        write_mailing(
            event,
            manager,
            texts={"subject_en": "", "body_en": "x", "body_fr": "Bonjour"},
        )
    assert field_errors(error.value) == {
        "subject_en": ["required"],
        "subject_fr": ["required"],
    }


def test_filters_must_be_the_events_own(event, manager):
    other = ExtraFactory()
    with pytest.raises(MailingInvalid) as error:
        write_mailing(event, manager, filters=AudienceFilters(extras=(other.pk,)))
    assert field_errors(error.value) == {"filters.extras": ["invalid"]}


def test_each_reader_gets_their_language_falling_back_to_english(event, manager):
    mailing = write_mailing(
        event,
        manager,
        texts=texts(subject_es="Antes de ir", body_es="Hola {name}, nos vemos."),
    )
    person(event, "Ana", language="es")
    person(event, "Ben", language="fr")
    rendered = [
        (m.language, m.subject, m.text)
        for m in (
            render_for(mailing, r)
            for r in audience_recipients(event, "attendees", AudienceFilters())
        )
    ]
    assert rendered == [
        ("es", "Antes de ir", "Hola Ana Park, nos vemos."),
        ("en", "Know before you go", "Dear Ben Park, see you at Annual Conference."),
    ]


def test_only_staff_who_may_mail_write_mailings(event):
    finance = member_of("Finance", username="finance")
    with pytest.raises(MailingError) as error:
        write_mailing(event, finance)
    assert error.value.code == "permission_denied"


def test_guardians_and_consent_need_the_youth_permission(event, manager, youth_officer):
    for audience, filters in (
        ("guardians", AudienceFilters()),
        ("attendees", AudienceFilters(consent_outstanding=True)),
    ):
        with pytest.raises(MailingError) as error:
            write_mailing(event, manager, audience, filters=filters)
        assert error.value.code == "permission_denied"
        mailing = write_mailing(event, youth_officer, audience, filters=filters)
        assert mailing.touches_youth_data is True


def test_a_sent_mailing_cannot_be_changed(event, manager):
    mailing = write_mailing(event, manager)
    mailing.status = MailingStatus.SENT
    mailing.save()
    with pytest.raises(MailingError) as error:
        save_mailing(event, draft=draft(), by=manager, mailing=mailing)
    assert error.value.code == "already_sent"


def test_a_rule_is_saved_paused_and_started_by_staff(event, manager):
    rule = write_mailing(event, manager, schedule="before_start", schedule_days=7)
    assert (rule.status, rule.schedule_days) == (MailingStatus.PAUSED, 7)
    assert set_rule_active(rule, active=True, by=manager).status == "active"
    with pytest.raises(MailingError) as error:
        set_rule_active(write_mailing(event, manager), active=True, by=manager)
    assert error.value.code == "not_a_rule"


def test_the_buyers_order_link_is_their_order_page(event, manager):
    order = OrderFactory(event=event, buyer_name="Ada")
    person(event, "Ana", order=order)
    mailing = write_mailing(
        event, manager, "buyers", texts=texts(body_en="{name}: {order_link}")
    )
    (reader,) = audience_recipients(event, "buyers", AudienceFilters())
    assert render_for(mailing, reader).text == (
        f"Ada: http://localhost:8000/orders/{order.code}/{order.secret}/"
    )
