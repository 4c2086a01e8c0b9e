import pytest
from rest_framework.test import APIClient

from registration.services.api_tokens import create_api_token
from tests.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="integrator", is_staff=True, is_superuser=True)


@pytest.fixture
def api(staff):
    _token, raw = create_api_token(staff, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client
