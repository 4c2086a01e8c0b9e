"""Privacy actions in the admin: data download and erasure
(registration/privacy/admin.py)."""

import json
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from registration.models import ActivityLog, OrderStatus, VisaDetails
from tests.factories import AttendeeFactory, EventFactory, OrderFactory, UserFactory
from tests.factories.registration_more import YouthDetailsFactory

pytestmark = pytest.mark.django_db

MEDICAL = "Asthma; inhaler in the backpack"


def member_of(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.fixture
def attendee():
    order = OrderFactory(event=EventFactory(), status=OrderStatus.PAID)
    person = AttendeeFactory(order=order, given_name="Tane", family_name="Mahuta")
    YouthDetailsFactory(attendee=person, medical_notes=MEDICAL)
    VisaDetails.objects.create(
        attendee=person,
        nationality="NZ",
        passport_number="LA123456",
        passport_expiry=date(2030, 6, 1),
    )
    return person


def download(client, user, attendee):
    client.force_login(user)
    return client.get(reverse("privacy_export_attendee", args=[attendee.pk]))


def test_a_manager_downloads_the_data_without_medical_or_passport_values(
    client, attendee
):
    response = download(client, member_of("Registration managers", "manager"), attendee)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="attendee-')
    data = json.loads(response.content)
    assert data["attendee"]["family_name"] == "Mahuta"
    assert data["withheld"] == ["youth", "visa"]
    assert MEDICAL not in response.content.decode()
    assert "LA123456" not in response.content.decode()


def test_youth_protection_gets_the_youth_part_and_travel_desk_the_passport(
    client, attendee
):
    youth = json.loads(
        download(client, member_of("Youth protection", "youth"), attendee).content
    )
    assert youth["youth"]["medical_notes"] == MEDICAL
    assert "visa" not in youth
    travel = json.loads(
        download(client, member_of("Travel desk", "travel"), attendee).content
    )
    assert travel["visa"]["passport_number"] == "LA123456"
    assert "youth" not in travel


def test_editors_cannot_download_or_erase(client, attendee):
    editor = member_of("Editors", "editor")
    assert refused(download(client, editor, attendee))
    erase_url = reverse("privacy_erase_attendee", args=[attendee.pk])
    assert refused(client.get(erase_url))
    assert refused(client.post(erase_url))


def test_only_holders_of_delete_attendee_erase(client, attendee):
    manager = member_of("Registration managers", "manager")
    client.force_login(manager)
    erase_url = reverse("privacy_erase_attendee", args=[attendee.pk])
    assert refused(client.post(erase_url))
    attendee.refresh_from_db()
    assert attendee.family_name == "Mahuta"

    officer = UserFactory(username="dpo", is_superuser=True, is_staff=True)
    client.force_login(officer)
    confirm = client.get(erase_url)
    assert confirm.status_code == 200
    assert "This cannot be undone." in confirm.content.decode()
    done = client.post(erase_url)
    assert done.status_code == 302
    attendee.refresh_from_db()
    assert (attendee.badge_name, attendee.family_name) == ("Erased attendee", "")
    assert not VisaDetails.objects.filter(attendee=attendee).exists()
    assert (
        ActivityLog.objects.filter(
            action="attendee.erased", actor=officer, object_id=str(attendee.pk)
        ).count()
        == 1
    )
    again = client.post(erase_url)
    assert again.status_code == 302
    assert ActivityLog.objects.filter(action="attendee.erased").count() == 1
