"""The language switcher in templates/base.html keeps the visitor on the same page."""

import pytest
from bs4 import BeautifulSoup

from tests.factories import EventFactory, OrderFactory
from tests.factories.cms import build_site, event_index, event_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def conference():
    event = EventFactory(name="Annual Conference", slug="annual-conference-2027")
    event_page(event_index(build_site()), event)
    return event


def switch(client, path: str, language: str):
    page = client.get(path)
    assert page.status_code == 200
    form = BeautifulSoup(page.content, "html.parser").find(class_="lang-form")
    data = {
        field["name"]: field.get("value", "")
        for field in form.find_all("input")
        if field.get("name")
    }
    data["language"] = language
    return client.post(form["action"], data)


@pytest.mark.parametrize(
    ("path", "language", "target"),
    [
        ("/events/annual-conference-2027/", "es", "/es/events/annual-conference-2027/"),
        (
            "/es/events/annual-conference-2027/",
            "fr",
            "/fr/events/annual-conference-2027/",
        ),
        ("/fr/events/annual-conference-2027/", "en", "/events/annual-conference-2027/"),
        ("/es/", "en", "/"),
        ("/", "fr", "/fr/"),
        (
            "/register/annual-conference-2027/",
            "es",
            "/es/register/annual-conference-2027/",
        ),
    ],
)
def test_switching_language_stays_on_the_same_page(
    client, conference, path, language, target
):
    response = switch(client, path, language)

    assert response.status_code == 302
    assert response["Location"] == target
    followed = client.get(target)
    assert followed.status_code == 200
    assert followed["Content-Language"] == language


def test_switching_on_an_order_page_keeps_its_secret_link(client, conference):
    order = OrderFactory(event=conference)

    response = switch(client, f"/es/orders/{order.code}/{order.secret}/", "fr")

    assert response["Location"] == f"/fr/orders/{order.code}/{order.secret}/"
