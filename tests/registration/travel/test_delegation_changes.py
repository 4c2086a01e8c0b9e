"""A delegation leader edits a member's details or sends someone else in their
place (travel/services/delegations.py: update_member, substitute_member), with
the orders service's rules, cut-off and e-mails."""

from datetime import timedelta

import pytest

from registration.errors import OrderError, OrderInvalid
from registration.models import ActivityLog, DelegationStatus
from registration.orders.services import TransferData
from registration.travel.services import delegations
from registration.travel.services.delegations import DelegationError
from tests.factories import AttendeeFactory
from tests.factories.travel import LedDelegationFactory
from tests.registration.travel.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def mina(delegation, delegate):
    order = delegations.add_member(
        delegation,
        member=member(
            delegate,
            given_name="Mina",
            family_name="Park",
            email="mina@example.org",
            language="fr",
        ),
    )
    return order.attendees.get()


def url(delegation, attendee, suffix):
    return f"/delegations/{delegation.secret}/members/{attendee.pk}/{suffix}/"


NEW_MEMBER = {
    "given_name": "Noor",
    "family_name": "Haddad",
    "email": "noor@example.org",
    "language": "es",
}


def test_leader_edits_a_members_details(delegation, mina):
    delegations.update_member(delegation, mina, data={"organisation": "Capitole"})

    mina.refresh_from_db()
    assert mina.organisation == "Capitole"
    assert ActivityLog.objects.filter(action="attendee.updated").count() == 1


def test_leader_substitutes_a_member_and_both_are_mailed(
    delegation, mina, django_capture_on_commit_callbacks, mailoutbox
):
    old_secret = mina.secret
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        delegations.substitute_member(delegation, mina, to=TransferData(**NEW_MEMBER))

    mina.refresh_from_db()
    assert (mina.given_name, mina.delegation_id) == ("Noor", delegation.pk)
    assert mina.secret != old_secret
    entry = ActivityLog.objects.get(action="delegation.member_substituted")
    assert entry.data == {"attendee": mina.pk, "old": "Mina Park", "new": "Noor Haddad"}
    assert sorted(message.to[0] for message in mailoutbox) == [
        "mina@example.org",
        "noor@example.org",
    ]


def test_leader_cannot_change_someone_of_another_delegation(event, delegation, mina):
    other = LedDelegationFactory(event=event, name="Kyoto delegation")

    with pytest.raises(DelegationError) as edit:
        delegations.update_member(other, mina, data={"given_name": "X"})
    with pytest.raises(DelegationError) as substitute:
        delegations.substitute_member(other, mina, to=TransferData(**NEW_MEMBER))

    assert (edit.value.code, substitute.value.code) == ("not_member", "not_member")


def test_leader_changes_close_at_the_cut_off(event, delegation, mina):
    after = event.starts_at + timedelta(minutes=1)

    with pytest.raises(OrderError) as edit:
        delegations.update_member(delegation, mina, data={"city": "Albi"}, now=after)
    with pytest.raises(OrderError) as substitute:
        delegations.substitute_member(
            delegation, mina, to=TransferData(**NEW_MEMBER), now=after
        )

    assert (edit.value.code, substitute.value.code) == ("edit_closed", "edit_closed")


def test_a_canceled_delegation_changes_nothing(delegation, mina):
    delegation.status = DelegationStatus.CANCELED
    delegation.save()

    with pytest.raises(DelegationError) as refused:
        delegations.substitute_member(delegation, mina, to=TransferData(**NEW_MEMBER))

    assert refused.value.code == "delegation_canceled"


def test_substitution_names_bad_fields(delegation, mina):
    with pytest.raises(OrderInvalid) as invalid:
        delegations.substitute_member(
            delegation, mina, to=TransferData(given_name="Noor", email="x")
        )

    assert [(e.field, e.code) for e in invalid.value.errors] == [("email", "invalid")]


# --- The delegation page ------------------------------------------------------------


def test_delegation_page_links_edit_and_substitute(client, delegation, mina):
    html = client.get(f"/delegations/{delegation.secret}/").content.decode()

    assert url(delegation, mina, "edit") in html
    assert url(delegation, mina, "substitute") in html


def test_leader_edits_a_member_on_the_page_and_bad_input_is_kept(
    client, delegation, mina
):
    bad = client.post(
        url(delegation, mina, "edit"),
        {"given_name": "Mina", "email": "mina@", "language": "fr", "city": "Albi"},
    )
    good = client.post(
        url(delegation, mina, "edit"),
        {"given_name": "Mina", "family_name": "Park", "language": "fr", "city": "Albi"},
    )

    assert bad.status_code == 400
    assert bad.context["errors"] == {"email": ["Enter a valid e-mail address."]}
    assert bad.context["values"]["city"] == "Albi"
    assert good.status_code == 302
    mina.refresh_from_db()
    assert mina.city == "Albi"


def test_leader_substitutes_a_member_on_the_page(client, delegation, mina):
    old_secret = mina.secret
    page = client.get(url(delegation, mina, "substitute"))
    bad = client.post(url(delegation, mina, "substitute"), {**NEW_MEMBER, "email": ""})
    good = client.post(url(delegation, mina, "substitute"), NEW_MEMBER, follow=True)

    assert page.status_code == 200
    assert "Send someone else in place of Mina Park" in page.content.decode()
    assert bad.status_code == 400
    assert bad.context["errors"] == {"email": ["Enter an e-mail address."]}
    assert bad.context["values"]["given_name"] == "Noor"
    assert [str(m) for m in good.context["messages"]] == [
        "Noor Haddad takes the place of Mina Park; the new ticket is on its way to "
        "them by e-mail."
    ]
    assert client.get(f"/attendees/{old_secret}/").status_code == 404


def test_member_of_another_delegation_is_a_404_on_the_page(client, event, mina):
    other = LedDelegationFactory(event=event, name="Kyoto delegation")

    assert client.get(url(other, mina, "edit")).status_code == 404
    assert client.get(url(other, mina, "substitute")).status_code == 404


def test_after_the_cut_off_the_page_offers_no_changes(client, event, delegation, mina):
    event.attendee_edit_until = event.starts_at - timedelta(days=100)
    event.save()

    html = client.get(f"/delegations/{delegation.secret}/").content.decode()
    refused = client.get(url(delegation, mina, "substitute"), follow=True)

    assert url(delegation, mina, "substitute") not in html
    assert [str(m) for m in refused.context["messages"]] == [
        "Registrations can no longer be changed online; please contact us."
    ]
    assert AttendeeFactory._meta.model.objects.get(pk=mina.pk).given_name == "Mina"
