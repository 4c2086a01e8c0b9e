"""Every page type renders under a real page tree, in each language prefix."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from cms.models import HomePage
from tests.factories import EventFactory
from tests.factories.cms import (
    body,
    build_site,
    event_index,
    event_page,
    locale,
    news_index,
    news_page,
    search_page,
    standard_page,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """root → home (site root) → events → conference; news → article; about; search."""
    home = build_site()
    events = event_index(home, intro="<p>Where sister cities meet.</p>")
    conference = event_page(
        events,
        EventFactory(name="Annual Conference 2027", slug="annual-conference-2027"),
        intro="Four days in Washington.",
        body=body(5),
    )
    news = news_index(home)
    article = news_page(
        news, intro="Delegates from Toulouse and Atlanta meet again.", body=body(2)
    )
    about = standard_page(home, intro="Who we are.", body=body(3))
    search = search_page(home)
    return {
        "home": home,
        "events": events,
        "conference": conference,
        "news": news,
        "article": article,
        "about": about,
        "search": search,
    }


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def h1_of(response) -> str:
    return soup_of(response).h1.get_text(" ", strip=True)


def test_page_urls_follow_the_tree(tree):
    assert [tree[name].url for name in tree] == [
        "/",
        "/events/",
        "/events/annual-conference-2027/",
        "/news/",
        "/news/youth-summit-announced/",
        "/about/",
        "/search/",
    ]


@pytest.mark.parametrize(
    ("name", "template", "heading"),
    [
        ("events", "cms/event_index_page.html", "Events"),
        ("conference", "cms/event_page.html", "Annual Conference 2027"),
        ("news", "cms/news_index_page.html", "News"),
        ("article", "cms/news_page.html", "Youth Summit announced"),
        ("about", "cms/standard_page.html", "About"),
        ("search", "cms/search_page.html", "Search"),
    ],
)
def test_each_page_type_renders(client, tree, name, template, heading):
    response = client.get(tree[name].url)

    assert response.status_code == 200
    assert response.templates[0].name == template
    assert h1_of(response) == heading


def test_home_page_renders_with_upcoming_events_and_latest_news(client, tree):
    response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == "cms/home_page.html"
    assert h1_of(response) == "Welcome"
    assert [p.title for p in response.context["upcoming_events"]] == [
        "Annual Conference 2027"
    ]
    assert [p.title for p in response.context["latest_news"]] == [
        "Youth Summit announced"
    ]


def test_home_page_lists_only_the_next_three_upcoming_events(client, tree):
    now = timezone.now()
    for days, name in [(300, "Later"), (10, "Soonest"), (90, "Third"), (-30, "Past")]:
        starts = now + timedelta(days=days)
        event_page(
            tree["events"],
            EventFactory(
                name=name,
                starts_at=starts,
                ends_at=starts + timedelta(days=1),
                registration_opens_at=starts - timedelta(days=60),
                registration_closes_at=starts,
            ),
        )

    response = client.get("/")

    # The fixture's conference starts in 60 days.
    assert [p.title for p in response.context["upcoming_events"]] == [
        "Soonest",
        "Annual Conference 2027",
        "Third",
    ]


def test_event_index_splits_upcoming_and_past_events(client, tree):
    now = timezone.now()
    for days, name in [(-400, "Conference 2025"), (-40, "Conference 2026")]:
        starts = now + timedelta(days=days)
        event_page(
            tree["events"],
            EventFactory(
                name=name,
                starts_at=starts,
                ends_at=starts + timedelta(days=3),
                registration_opens_at=starts - timedelta(days=90),
                registration_closes_at=starts,
            ),
        )

    response = client.get("/events/")

    assert [p.title for p in response.context["upcoming_events"]] == [
        "Annual Conference 2027"
    ]
    assert [p.title for p in response.context["past_events"]] == [
        "Conference 2026",
        "Conference 2025",
    ]


def test_news_index_lists_articles_newest_first(client, tree):
    news_page(tree["news"], title="Older", slug="older", date=date(2025, 1, 1))
    news_page(tree["news"], title="Newer", slug="newer", date=date(2026, 6, 1))

    response = client.get("/news/")

    assert [a.title for a in response.context["articles"]] == [
        "Newer",
        "Youth Summit announced",
        "Older",
    ]


def test_unpublished_event_page_is_not_listed_or_served(client, tree):
    draft = event_page(tree["events"], EventFactory(name="Secret retreat"))
    draft.unpublish()

    assert client.get(draft.url).status_code == 404
    listed = [p.title for p in client.get("/events/").context["upcoming_events"]]
    assert listed == ["Annual Conference 2027"]


def test_standard_page_under_an_event_page_renders(client, tree):
    travel = standard_page(tree["conference"], title="Travel", slug="travel")

    response = client.get("/events/annual-conference-2027/travel/")

    assert travel.url == "/events/annual-conference-2027/travel/"
    assert response.status_code == 200
    assert h1_of(response) == "Travel"


def test_body_blocks_render_on_a_standard_page(client, tree):
    response = client.get("/about/")

    text = soup_of(response).get_text(" ", strip=True)
    assert "Section 0" in text
    assert "Paragraph 1 about citizen diplomacy ." in text
    assert "Quote 2" in text


def test_search_page_finds_pages_by_word(client, tree):
    response = client.get("/search/", {"q": "Toulouse"})

    assert response.status_code == 200
    assert response.context["query"] == "Toulouse"
    assert [p.title for p in response.context["results"]] == ["Youth Summit announced"]


def test_search_page_without_query_shows_no_results(client, tree):
    response = client.get("/search/")

    assert response.status_code == 200
    assert response.context["query"] == ""
    assert response.context["results"] == []


def test_search_page_with_no_match_says_so(client, tree):
    response = client.get("/search/", {"q": "zeppelin"})

    assert response.status_code == 200
    assert list(response.context["results"]) == []
    assert "Nothing matched." in response.content.decode()


@pytest.mark.parametrize("prefix", ["/es/", "/fr/"])
def test_language_prefix_serves_the_home_page_without_a_translation(
    client, tree, prefix
):
    response = client.get(prefix)

    assert response.status_code == 200
    assert response.context["page"] == tree["home"]
    assert soup_of(response).html["lang"] == prefix.strip("/")


def test_language_prefix_serves_the_translated_home_page(client, tree):
    spanish = tree["home"].copy_for_translation(locale("es"))
    spanish.title = "Eventos de Ciudades Hermanas"
    spanish.intro = "Bienvenidos"
    spanish.save_revision().publish()

    spanish_response = client.get("/es/")
    english_response = client.get("/")

    assert spanish_response.status_code == 200
    assert spanish_response.context["page"] == HomePage.objects.get(
        locale__language_code="es"
    )
    assert h1_of(spanish_response) == "Bienvenidos"
    assert h1_of(english_response) == "Welcome"


@pytest.mark.parametrize("prefix", ["", "/es", "/fr"])
def test_event_page_is_served_under_each_language_prefix(client, tree, prefix):
    response = client.get(f"{prefix}/events/annual-conference-2027/")

    assert response.status_code == 200
    assert response.context["page"] == tree["conference"]


def test_unknown_path_is_a_404(client, tree):
    assert client.get("/events/no-such-event/").status_code == 404
