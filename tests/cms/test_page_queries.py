"""Query counts of the public pages do not grow with what the pages show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AttendeeFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    TicketTypeFactory,
)
from tests.factories.cms import (
    body,
    build_site,
    event_index,
    event_page,
    news_index,
    news_page,
    search_page,
    standard_page,
)

pytestmark = pytest.mark.django_db

# A ceiling well above today's counts, so that a new per-request query is a
# deliberate change of this number rather than a quiet drift.
MAX_QUERIES_PER_PAGE = 25


def queries_for(client, url: str) -> int:
    """Queries of one GET of `url`, after a first GET has warmed the caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def conference_page(index, *, ticket_types: int, blocks: int, **body_options):
    event = EventFactory(capacity=500)
    for n in range(ticket_types):
        ticket_type = TicketTypeFactory(event=event, capacity=100)
        extra = ExtraFactory(event=event, capacity=50)
        order = OrderFactory(event=event)
        attendee = AttendeeFactory(order=order, ticket_type=ticket_type)
        attendee.extras.add(extra)
        if n % 3 == 0:
            TicketTypeFactory(event=event, hidden_unless_voucher=True)
    return event_page(index, event, body=body(blocks, **body_options))


def test_event_page_queries_do_not_grow_with_tickets_and_blocks(client):
    index = event_index(build_site())
    small = conference_page(
        index, ticket_types=1, blocks=2, kinds=("heading", "paragraph")
    )
    large = conference_page(index, ticket_types=12, blocks=12)

    small_count = queries_for(client, small.url)
    large_count = queries_for(client, large.url)

    assert large_count == small_count
    assert small_count <= MAX_QUERIES_PER_PAGE


def test_event_page_queries_do_not_grow_with_links_to_pages(client):
    home = build_site()
    index = event_index(home)
    about = standard_page(home)
    one_link = conference_page(
        index, ticket_types=1, blocks=1, kinds=("call_to_action",), link_to=about
    )
    six_links = conference_page(
        index, ticket_types=1, blocks=6, kinds=("call_to_action",), link_to=about
    )

    assert queries_for(client, six_links.url) == queries_for(client, one_link.url)


def test_home_page_queries_do_not_grow_with_events_news_and_menu(client):
    home = build_site()
    events = event_index(home, show_in_menus=True)
    news = news_index(home, show_in_menus=True)
    conference_page(events, ticket_types=1, blocks=0)
    news_page(news, slug="news-0")
    one_each = queries_for(client, "/")

    for n in range(1, 5):
        conference_page(events, ticket_types=2, blocks=0)
        news_page(news, slug=f"news-{n}")
        standard_page(home, slug=f"page-{n}", show_in_menus=True)
    many = queries_for(client, "/")

    assert many == one_each
    assert one_each <= MAX_QUERIES_PER_PAGE


def test_event_index_queries_do_not_grow_with_event_pages(client):
    events = event_index(build_site())
    conference_page(events, ticket_types=1, blocks=0)
    one_event = queries_for(client, "/events/")

    for _ in range(7):
        conference_page(events, ticket_types=2, blocks=3)
    eight_events = queries_for(client, "/events/")

    assert eight_events == one_event
    assert one_event <= MAX_QUERIES_PER_PAGE


def test_news_index_queries_do_not_grow_with_articles(client):
    news = news_index(build_site())
    news_page(news, slug="news-0")
    one_article = queries_for(client, "/news/")

    for n in range(1, 8):
        news_page(news, slug=f"news-{n}")
    eight_articles = queries_for(client, "/news/")

    assert eight_articles == one_article
    assert one_article <= MAX_QUERIES_PER_PAGE


def test_standard_and_news_pages_stay_within_the_ceiling(client):
    home = build_site()
    about = standard_page(home, body=body(10))
    article = news_page(news_index(home), body=body(10))

    assert queries_for(client, about.url) <= MAX_QUERIES_PER_PAGE
    assert queries_for(client, article.url) <= MAX_QUERIES_PER_PAGE


def test_search_page_queries_do_not_grow_with_results(client):
    home = build_site()
    news = news_index(home)
    search_page(home)
    news_page(news, slug="news-0", intro="Delegates from Toulouse.")
    one_result = queries_for(client, "/search/?q=Toulouse")

    for n in range(1, 6):
        news_page(news, slug=f"news-{n}", intro="Toulouse again.")
    six_results = queries_for(client, "/search/?q=Toulouse")

    assert six_results == one_result
    assert one_result <= MAX_QUERIES_PER_PAGE
