"""Page bodies come from the cache until the page is published again."""

import pytest

from cms.models import EventPage
from tests.factories import EventFactory
from tests.factories.cms import build_site, event_index, event_page

pytestmark = pytest.mark.django_db


def paragraph(text):
    return [("paragraph", f"<p>{text}</p>")]


@pytest.fixture
def page():
    event = EventFactory(slug="conf")
    return event_page(
        event_index(build_site()), event, body=paragraph("First programme")
    )


def test_body_is_served_from_the_cache_until_published(client, page):
    assert "First programme" in client.get(page.url).text
    # A change written without publishing (no signal) is not seen: the
    # fragment came from the cache.
    EventPage.objects.filter(pk=page.pk).update(body=paragraph("Silent change"))
    assert "First programme" in client.get(page.url).text

    page = EventPage.objects.get(pk=page.pk)
    page.body = paragraph("Second programme")
    page.save_revision().publish()

    text = client.get(page.url).text
    assert "Second programme" in text
    assert "First programme" not in text


def test_a_speaker_change_purges_page_bodies(client, page):
    from cms.models import Speaker

    assert "First programme" in client.get(page.url).text
    EventPage.objects.filter(pk=page.pk).update(body=paragraph("Edited"))
    Speaker.objects.create(name="Ada Lovelace")
    assert "Edited" in client.get(page.url).text
