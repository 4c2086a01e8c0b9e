"""Wagtail page types, snippets and site settings for the public site.

Page tree: HomePage → EventIndexPage → EventPage; HomePage → NewsIndexPage →
NewsPage; StandardPage anywhere under the home page.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, TranslatableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from cms.blocks import BodyBlock
from cms.forms import DirectoryFilterForm, ImpactFilterForm
from registration.catalogue.selectors import get_event_sales
from registration.network.selectors import (
    get_directory_choices,
    get_exchange_years,
    get_network_impact,
    get_partnership_directory,
    get_programme_progress,
)


class HomePage(Page):
    intro = models.CharField(_("headline"), max_length=250, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hero image"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.EventIndexPage",
        "cms.NewsIndexPage",
        "cms.StandardPage",
        "cms.SearchPage",
        "cms.PartnershipDirectoryPage",
        "cms.ImpactPage",
    ]
    max_count_per_parent = 1
    template = "cms/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["upcoming_events"] = (
            EventPage.objects.live()
            .public()
            .filter(locale=self.locale, event__ends_at__gte=timezone.now())
            .select_related("event", "hero_image")
            .prefetch_related("hero_image__renditions")
            .order_by("event__starts_at")[:3]
        )
        context["latest_news"] = (
            NewsPage.objects.live()
            .public()
            .filter(locale=self.locale)
            .order_by("-date")[:3]
        )
        return context


class EventIndexPage(Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.EventPage"]
    template = "cms/event_index_page.html"

    class Meta:
        verbose_name = _("event index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        events = (
            EventPage.objects.child_of(self)
            .live()
            .public()
            .select_related("event", "hero_image")
            .prefetch_related("hero_image__renditions")
            .order_by("event__starts_at")
        )
        now = timezone.now()
        context["upcoming_events"] = [p for p in events if p.event.ends_at >= now]
        context["past_events"] = [p for p in events if p.event.ends_at < now][::-1]
        return context


class EventPage(Page):
    event = models.ForeignKey(
        "registration.Event",
        on_delete=models.PROTECT,
        related_name="pages",
        verbose_name=_("event"),
        help_text=_("The event whose tickets this page sells."),
    )
    intro = models.CharField(_("summary"), max_length=300, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hero image"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("event"),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.EventIndexPage"]
    subpage_types = ["cms.StandardPage"]
    template = "cms/event_page.html"

    class Meta:
        verbose_name = _("event page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Live numbers: read on every request, never cached (DESIGN "Running it").
        context["sales"] = get_event_sales(self.event)
        return context


class StandardPage(Page):
    intro = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage", "cms.EventPage"]
    subpage_types = ["cms.StandardPage"]
    template = "cms/standard_page.html"

    class Meta:
        verbose_name = _("standard page")


class NewsIndexPage(Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    template = "cms/news_index_page.html"

    class Meta:
        verbose_name = _("news index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            NewsPage.objects.child_of(self)
            .live()
            .public()
            .select_related("image")
            .prefetch_related("image__renditions")
            .order_by("-date")
        )
        return context


class NewsPage(Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.CharField(_("summary"), max_length=300, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types = []
    template = "cms/news_page.html"

    class Meta:
        verbose_name = _("news page")


class SearchPage(Page):
    """The site search, as a page so editors can place and translate it."""

    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "cms/search_page.html"

    class Meta:
        verbose_name = _("search page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:200]
        results = []
        if query:
            results = (
                Page.objects.live()
                .public()
                .filter(locale=self.locale)
                .not_type(SearchPage)
                .specific()
                .search(query)
            )[:30]
        context["query"] = query
        context["results"] = results
        return context


class PartnershipDirectoryPage(Page):
    """The public list of active partnerships, filtered by country, state and kind.

    Shows only public fields (registration.network.selectors.PUBLIC_PARTNERSHIP_FIELDS):
    never contacts, never the agreement file.
    """

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    template = "cms/partnership_directory_page.html"

    class Meta:
        verbose_name = _("partnership directory page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = DirectoryFilterForm(request.GET, choices=get_directory_choices())
        filters = form.filters()
        context["form"] = form
        context["filtered"] = any(filters.values())
        context["partnerships"] = get_partnership_directory(**filters)
        return context


class ImpactPage(Page):
    """The network's impact, summed from the exchange records, and a programme's progress."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )
    programme = models.ForeignKey(
        "registration.Programme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("programme progress"),
        help_text=_(
            "Shows this programme's progress towards its target, such as 7 for 70."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("programme"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    template = "cms/impact_page.html"

    class Meta:
        verbose_name = _("impact page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = ImpactFilterForm(request.GET, years=get_exchange_years())
        year_from, year_to = form.years()
        context["form"] = form
        context["impact"] = get_network_impact(year_from=year_from, year_to=year_to)
        programme = self.programme
        context["progress"] = get_programme_progress(programme) if programme else None
        return context


@register_snippet
class Speaker(TranslatableMixin, models.Model):
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    city = models.CharField(_("city and country"), max_length=200, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("photo"),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("organisation"),
        FieldPanel("city"),
        FieldPanel("bio"),
        FieldPanel("photo"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        return self.name


@register_snippet
class Sponsor(TranslatableMixin, models.Model):
    class Level(models.TextChoices):
        PLATINUM = "platinum", _("Platinum")
        GOLD = "gold", _("Gold")
        SILVER = "silver", _("Silver")
        PARTNER = "partner", _("Partner")

    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.PARTNER
    )
    url = models.URLField(_("website"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("level"),
        FieldPanel("url"),
        FieldPanel("logo"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["level", "name"]
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")

    def __str__(self):
        return self.name


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    organisation_name = models.CharField(
        _("organisation name"), max_length=200, default="Sister Cities International"
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    footer_text = models.TextField(_("footer text"), blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), blank=True)
    x_url = models.URLField(_("X (Twitter)"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("contact_email"),
        FieldPanel("footer_text"),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("x_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Social links"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    @property
    def social_links(self) -> list[tuple[str, str]]:
        links = [
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("LinkedIn", self.linkedin_url),
            ("X", self.x_url),
            ("YouTube", self.youtube_url),
        ]
        return [(label, url) for label, url in links if url]
