"""Page-tree helpers for the CMS tests: a real Wagtail tree under the root page."""

from datetime import date

import pytest
from wagtail.models import Locale, Page, Site

from cms.models import (
    EventIndexPage,
    EventPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SearchPage,
    StandardPage,
)


@pytest.fixture
def plain_static_files(settings, tmp_path):
    """Serve static files without the production manifest, which tests do not build.

    With DEBUG off the settings pick WhiteNoise's manifest storage, whose
    `{% static %}` fails for files `collectstatic` never saw, and WhiteNoise
    warns (an error under filterwarnings) when STATIC_ROOT does not exist.
    """
    static_root = tmp_path / "static"
    static_root.mkdir()
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def add_child(parent: Page, page: Page) -> Page:
    """Publish `page` under `parent` and return it fresh from the database."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def build_site(*, hostname: str = "localhost") -> HomePage:
    """A HomePage under the tree root, made the default site's root page.

    Wagtail's migrations leave a "Welcome" page as the default site's root; the
    new home page takes its place.
    """
    root = Page.get_first_root_node()
    home = add_child(
        root, HomePage(title="Sister Cities Events", slug="sci-home", intro="Welcome")
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": hostname,
            "port": 80,
            "root_page": home,
            "site_name": "SCI Events",
        },
    )
    return home


def event_index(home: HomePage, **fields) -> EventIndexPage:
    return add_child(
        home, EventIndexPage(**{"title": "Events", "slug": "events", **fields})
    )


def event_page(index: EventIndexPage, event, **fields) -> EventPage:
    return add_child(
        index,
        EventPage(
            **{"title": event.name, "slug": event.slug, "event": event, **fields}
        ),
    )


def news_index(home: HomePage, **fields) -> NewsIndexPage:
    return add_child(home, NewsIndexPage(**{"title": "News", "slug": "news", **fields}))


def news_page(index: NewsIndexPage, **fields) -> NewsPage:
    defaults = {"title": "Youth Summit announced", "slug": "youth-summit-announced"}
    return add_child(
        index, NewsPage(**{"date": date(2026, 3, 1), **defaults, **fields})
    )


def standard_page(parent: Page, **fields) -> StandardPage:
    return add_child(
        parent, StandardPage(**{"title": "About", "slug": "about", **fields})
    )


def search_page(home: HomePage) -> SearchPage:
    return add_child(home, SearchPage(title="Search", slug="search"))


def locale(language_code: str) -> Locale:
    return Locale.objects.get_or_create(language_code=language_code)[0]
