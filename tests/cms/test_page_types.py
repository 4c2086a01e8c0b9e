"""Which page type may live under which (cms/models.py parent and subpage types)."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from cms.models import (
    EventIndexPage,
    EventPage,
    HomePage,
    ImpactPage,
    NewsIndexPage,
    NewsPage,
    PartnershipDirectoryPage,
    SearchPage,
    StandardPage,
)
from tests.factories import EventFactory
from tests.factories.cms import build_site, event_index, search_page

ALL_TYPES = {
    HomePage,
    EventIndexPage,
    EventPage,
    NewsIndexPage,
    NewsPage,
    StandardPage,
    SearchPage,
    PartnershipDirectoryPage,
    ImpactPage,
}


class PageTypeRulesTest(WagtailPageTestCase):
    def test_home_page_sits_only_at_the_tree_root(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanCreateAt(Page, HomePage)
        for page_type in ALL_TYPES:
            self.assertCanNotCreateAt(page_type, HomePage)

    def test_home_page_holds_the_sections(self):
        self.assertAllowedSubpageTypes(
            HomePage,
            {
                EventIndexPage,
                NewsIndexPage,
                StandardPage,
                SearchPage,
                PartnershipDirectoryPage,
                ImpactPage,
            },
        )

    def test_network_pages_live_under_home_and_have_no_children(self):
        for page_type in (PartnershipDirectoryPage, ImpactPage):
            self.assertAllowedParentPageTypes(page_type, {HomePage})
            self.assertAllowedSubpageTypes(page_type, set())

    def test_event_index_lives_under_home_and_holds_only_event_pages(self):
        self.assertAllowedParentPageTypes(EventIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(EventIndexPage, {EventPage})

    def test_event_page_lives_only_under_an_event_index(self):
        self.assertAllowedParentPageTypes(EventPage, {EventIndexPage})
        self.assertCanNotCreateAt(HomePage, EventPage)
        self.assertCanNotCreateAt(StandardPage, EventPage)
        self.assertCanNotCreateAt(Page, EventPage)

    def test_event_page_may_hold_standard_pages(self):
        self.assertAllowedSubpageTypes(EventPage, {StandardPage})

    def test_news_index_lives_under_home_and_holds_only_news(self):
        self.assertAllowedParentPageTypes(NewsIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})

    def test_news_page_lives_only_under_a_news_index_and_has_no_children(self):
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertAllowedSubpageTypes(NewsPage, set())
        self.assertCanNotCreateAt(EventIndexPage, NewsPage)

    def test_standard_page_lives_under_home_event_or_another_standard_page(self):
        self.assertAllowedParentPageTypes(
            StandardPage, {HomePage, EventPage, StandardPage}
        )
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})
        self.assertCanNotCreateAt(NewsIndexPage, StandardPage)
        self.assertCanNotCreateAt(EventIndexPage, StandardPage)

    def test_search_page_lives_under_home_and_has_no_children(self):
        self.assertAllowedParentPageTypes(SearchPage, {HomePage})
        self.assertAllowedSubpageTypes(SearchPage, set())


class PageCountRulesTest(WagtailPageTestCase):
    """Limits that depend on the tree as built, not only on the types."""

    def test_a_home_page_allows_one_search_page(self):
        home = build_site()
        self.assertTrue(SearchPage.can_create_at(home))

        search_page(home)

        self.assertFalse(SearchPage.can_create_at(home))

    def test_a_second_home_page_cannot_go_under_the_same_root(self):
        build_site()

        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))

    def test_event_index_accepts_many_event_pages(self):
        index = event_index(build_site())
        self.assertTrue(EventPage.can_create_at(index))

        index.add_child(
            instance=EventPage(title="First", slug="first", event=EventFactory())
        )

        self.assertTrue(EventPage.can_create_at(index))
