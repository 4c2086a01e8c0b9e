"""Two-factor sign-in: required for Finance and Youth protection, optional otherwise."""

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required_as_in_production(settings):
    settings.TWO_FACTOR_REQUIRED_GROUPS = ["Finance", "Youth protection"]


PASSWORD = "a long enough password 42"


def staff(username: str, *groups: str):
    user = UserFactory(username=username, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def sign_in(client, user):
    response = client.post(
        "/admin/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return response


def code_for(device: TOTPDevice, *, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def test_finance_staff_must_set_up_an_app_before_any_admin_page(client):
    user = staff("treasurer", "Finance")
    sign_in(client, user)
    response = client.get("/admin/orders/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-factor/setup/?next=%2Fadmin%2Forders%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Set up two-factor sign-in" in page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False

    wrong = client.post(
        "/admin/two-factor/setup/", {"code": "000000", "next": "/admin/orders/"}
    )
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    malformed = client.post("/admin/two-factor/setup/", {"code": "12ab"})
    assert "Enter the 6-digit code" in malformed.content.decode()

    # After a wrong code django-otp makes the next try wait; let it pass.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    done = client.post(
        "/admin/two-factor/setup/", {"code": code_for(device), "next": "/admin/orders/"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/admin/orders/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/admin/orders/").status_code == 200


def test_a_user_with_an_app_enters_a_code_after_the_password(client):
    user = staff("guardian.officer", "Youth protection")
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    sign_in(client, user)
    response = client.get("/admin/")
    assert response["Location"] == "/admin/two-factor/verify/?next=%2Fadmin%2F"
    wrong = client.post("/admin/two-factor/verify/", {"code": "123456"})
    assert wrong.status_code == 400
    assert client.get("/admin/")["Location"].startswith("/admin/two-factor/verify/")
    # After a wrong code django-otp makes the next try wait; let it pass.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    ok = client.post(
        "/admin/two-factor/verify/", {"code": code_for(device), "next": "/admin/"}
    )
    assert ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_wrong_codes_in_a_row_are_throttled(client):
    user = staff("finance.two", "Finance")
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    sign_in(client, user)
    client.post("/admin/two-factor/verify/", {"code": "111111"})
    # Even the right code waits until the throttle delay has passed.
    throttled = client.post("/admin/two-factor/verify/", {"code": code_for(device)})
    assert throttled.status_code == 400
    assert "Too many wrong codes" in throttled.content.decode()


def test_other_staff_may_work_without_a_second_factor(client):
    user = staff("manager", "Registration managers")
    sign_in(client, user)
    assert client.get("/admin/").status_code == 200
    # ... and can add one from the account page.
    account = client.get("/admin/account/")
    assert "/admin/two-factor/setup/" in account.content.decode()


def test_the_verify_page_does_not_redirect_outside_the_site(client):
    user = staff("finance.three", "Finance")
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    sign_in(client, user)
    ok = client.post(
        "/admin/two-factor/verify/",
        {"code": code_for(device), "next": "https://evil.example/"},
    )
    assert ok["Location"] == "/admin/"


def test_two_factor_pages_need_a_signed_in_user(client):
    response = client.get("/admin/two-factor/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_sign_in_layouts_own_assets_load_before_the_second_factor(client):
    """The icon sprite is fetched by the setup page itself; redirecting it would
    paste a second copy of the page into the first."""
    sign_in(client, staff("finance.four", "Finance"))
    sprite = client.get("/admin/sprite/")
    assert sprite.status_code == 200
    assert "<svg" in sprite.content.decode()
