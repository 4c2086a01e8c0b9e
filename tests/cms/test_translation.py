"""Editors translate pages in the admin (wagtail.contrib.simple_translation); the
copy is served under its language prefix, and the demo seeds Spanish and French."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from wagtail.models import Locale

from cms.demo_data import TRANSLATED_PAGES, seed_translations
from cms.models import EventPage
from tests.factories import EventFactory, UserFactory
from tests.factories.cms import build_site, event_index, event_page

pytestmark = pytest.mark.django_db


def h1_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").h1.get_text(" ", strip=True)


def test_migration_creates_a_locale_for_each_site_language():
    assert sorted(Locale.objects.values_list("language_code", flat=True)) == [
        "en",
        "es",
        "fr",
    ]


def test_editors_and_moderators_may_translate_pages():
    for name in ("Editors", "Moderators"):
        assert (
            Group.objects.get(name=name)
            .permissions.filter(
                content_type__app_label="simple_translation",
                codename="submit_translation",
            )
            .exists()
        )


def test_an_editor_translates_an_event_page_and_it_is_served_under_es(client):
    home = build_site()
    events = event_index(home)
    page = event_page(
        events,
        EventFactory(name="Annual Conference 2027", slug="annual-conference-2027"),
        intro="Four days in Washington.",
    )
    # Wagtail's Moderators may publish; Editors translate and submit for moderation.
    editor = UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    spanish = Locale.objects.get(language_code="es")

    # "Translate" in the home page's menu, with its subtree: drafts of every page.
    response = client.post(
        f"/admin/translation/submit/page/{home.pk}/",
        {"locales": [spanish.pk], "include_subtree": "on"},
    )
    assert response.status_code == 302
    copy = EventPage.objects.get(locale=spanish)
    assert copy.translation_key == page.translation_key

    # The editor writes the Spanish text in the copy and publishes it.
    response = client.post(
        f"/admin/pages/{copy.pk}/edit/",
        {
            "title": "Conferencia Anual 2027",
            "slug": copy.slug,
            "event": page.event.pk,
            "intro": "Cuatro días en Washington.",
            "body-count": "0",
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    # Then publishes the Spanish home and events pages the translation created.
    spanish_home = home.get_translation(spanish)
    response = client.post(
        f"/admin/bulk/wagtailcore/page/publish/?id={spanish_home.pk}"
        f"&id={events.get_translation(spanish).pk}",
        {"include_descendants": ""},
    )
    assert response.status_code == 302
    client.logout()

    spanish_response = client.get("/es/events/annual-conference-2027/")
    english_response = client.get("/events/annual-conference-2027/")

    assert spanish_response.status_code == 200
    assert spanish_response.context["page"] == copy
    assert h1_of(spanish_response) == "Conferencia Anual 2027"
    assert "Cuatro días en Washington." in spanish_response.content.decode()
    assert h1_of(english_response) == "Annual Conference 2027"


def test_demo_seeds_spanish_and_french_pages_once(client):
    home = build_site()
    events = event_index(home, slug="events")
    event_page(
        events,
        EventFactory(name="SCI Annual Conference 2027", slug="annual-conference-2027"),
        slug="annual-conference-2027",
    )

    seed_translations(home)
    seed_translations(home)  # again: nothing doubles

    for language_code, texts in TRANSLATED_PAGES.items():
        assert (
            EventPage.objects.filter(locale__language_code=language_code).count() == 1
        )
        response = client.get(f"/{language_code}/events/annual-conference-2027/")
        assert h1_of(response) == texts["annual-conference-2027"]["title"]
