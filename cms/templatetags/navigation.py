"""Main navigation: the home page's children that editors marked "show in menus"."""

from django import template
from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_navigation(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    root = site.root_page.localized
    return list(root.get_children().live().public().in_menu().specific(defer=True))


@register.simple_tag(takes_context=True)
def home_page(context) -> Page | None:
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return site.root_page.localized if site else None


@register.simple_tag(takes_context=True)
def search_page_url(context) -> str:
    """The search page of the current language's site tree, or "" when there is none."""
    from cms.models import SearchPage

    home = home_page(context)
    if home is None:
        return ""
    search = SearchPage.objects.child_of(home).live().first()
    return search.get_url(context.get("request")) if search else ""
