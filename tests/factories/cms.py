"""Page-tree helpers for the CMS tests: a real Wagtail tree under the root page."""

import json
from datetime import date

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
    if root is None:
        # A transactional test's flush took the tree Wagtail's migrations made,
        # and serialized_rollback did not bring it back when other test modules
        # ran first (seen with tests/registration/views before tests/browser).
        root = Page.add_root(
            instance=Page(title="Root", slug="root", locale=locale("en"))
        )
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


BLOCK_KINDS = ("heading", "paragraph", "quote", "call_to_action", "schedule")


def body_block(kind: str, n: int = 0, *, link_to: Page | None = None) -> dict:
    """One StreamField block in its stored JSON form (no images).

    A call to action links to `link_to` when given, else to an outside address.
    """
    values = {
        "heading": {"text": f"Section {n}", "level": "h2"},
        "paragraph": f"<p>Paragraph {n} about <b>citizen diplomacy</b>.</p>",
        "quote": {"text": f"Quote {n}", "attribution": "A delegate"},
        "call_to_action": {
            "title": f"Join us {n}",
            "text": "Bring your delegation.",
            "button_label": "Register",
            "page": link_to.pk if link_to else None,
            "url": "" if link_to else "https://events.example.org/register/",
        },
        "schedule": {
            "heading": "Programme",
            "days": [
                {
                    "date": "2027-07-15",
                    "title": "Opening day",
                    "items": [
                        {
                            "starts": "09:00:00",
                            "ends": "10:00:00",
                            "title": f"Opening plenary {n}",
                            "location": "Hall A",
                            "description": "",
                        },
                        {
                            "starts": "10:30:00",
                            "ends": None,
                            "title": "Workshops",
                            "location": "",
                            "description": "Choose one.",
                        },
                    ],
                }
            ],
        },
    }
    return {"type": kind, "value": values[kind]}


def body(count: int, *, kinds: tuple[str, ...] = BLOCK_KINDS, link_to=None) -> str:
    """`count` blocks cycling through `kinds`, as StreamField accepts them."""
    return json.dumps(
        [body_block(kinds[n % len(kinds)], n, link_to=link_to) for n in range(count)]
    )
