"""Page bodies come from the cache until the page is published again."""

import pytest

from cms.models import EventPage
from tests.factories import EventFactory
from tests.factories.cms import build_site, event_index, event_page

pytestmark = pytest.mark.django_db


def paragraph(text):
    return [("paragraph", f"<p>{text}</p>")]


# Not `page`: that name is pytest-playwright's, and borrowing it made these
# tests browser tests (reordered among them, parametrised by browser).
@pytest.fixture
def conference_page(db):
    event = EventFactory(slug="conf")
    return event_page(
        event_index(build_site()), event, body=paragraph("First programme")
    )


def test_body_is_served_from_the_cache_until_published(client, conference_page):
    assert "First programme" in client.get(conference_page.url).text
    # A change written without publishing (no signal) is not seen: the
    # fragment came from the cache.
    EventPage.objects.filter(pk=conference_page.pk).update(
        body=paragraph("Silent change")
    )
    assert "First programme" in client.get(conference_page.url).text

    page = EventPage.objects.get(pk=conference_page.pk)
    page.body = paragraph("Second programme")
    page.save_revision().publish()

    text = client.get(conference_page.url).text
    assert "Second programme" in text
    assert "First programme" not in text


def test_a_speaker_change_purges_page_bodies(client, conference_page):
    from cms.models import Speaker

    assert "First programme" in client.get(conference_page.url).text
    EventPage.objects.filter(pk=conference_page.pk).update(body=paragraph("Edited"))
    Speaker.objects.create(name="Ada Lovelace")
    assert "Edited" in client.get(conference_page.url).text


def png(colour: str, name: str):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as PillowImage

    buffer = BytesIO()
    PillowImage.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# Wagtail 8's rendition writer leaves its SpooledTemporaryFile to the garbage
# collector (wagtail/images/models.py, generate_rendition_file).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_image_replaced_in_place_purges_page_bodies(
    client, conference_page, settings, tmp_path
):
    from wagtail.images import get_image_model

    settings.MEDIA_ROOT = tmp_path
    photo = get_image_model().objects.create(
        title="Delegates", file=png("red", "delegates.png")
    )
    conference_page.body = [("image", {"image": photo, "alt_text": "Delegates"})]
    conference_page.save_revision().publish()
    first = client.get(conference_page.url).text
    assert "images/delegates.width-1200" in first

    # As the admin's edit view does when an editor uploads a new file.
    photo.file = png("blue", "delegates-2027.png")
    photo.save()
    photo.renditions.all().delete()

    second = client.get(conference_page.url).text
    assert "images/delegates_2027.width-1200" in second or (
        "images/delegates-2027.width-1200" in second
    )
    assert "images/delegates.width-1200" not in second
