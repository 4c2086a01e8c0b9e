"""Cached page fragments and their purge (DESIGN "Running it": cache fragments
that do not change with sales).

A page's StreamField body (text, programme, speakers, sponsors) is rendered
once per language and kept in the cache for FRAGMENT_SECONDS under
`template.cache.page-body.<hash of page id and language>`; the seats table and
the register button around it stay live. Publishing or unpublishing a page
deletes its fragments, and saving or deleting what bodies show from outside
the page (a speaker, a sponsor, an image replaced in place or its alt text, a
document) deletes every page's: the cached HTML holds their names and file
addresses, and an image's old rendition is deleted when its file is replaced. With several web processes the cache must be
shared (REDIS_URL): a purge in the editor's process then reaches them all.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key

BODY_FRAGMENT = "page-body"
# The templates say `{% cache 3600 page-body page.pk lang %}`.
FRAGMENT_SECONDS = 3600


def body_fragment_keys(page_ids) -> list[str]:
    return [
        make_template_fragment_key(BODY_FRAGMENT, [page_id, code])
        for page_id in page_ids
        for code, _name in settings.LANGUAGES
    ]


def purge_page(sender, instance, **kwargs) -> None:
    """page_published / page_unpublished: drop that page's body in every language."""
    cache.delete_many(body_fragment_keys([instance.pk]))


def purge_all_pages(sender, **kwargs) -> None:
    """A speaker or sponsor changed: drop every page's body (a few hundred keys)."""
    from wagtail.models import Page

    cache.delete_many(
        body_fragment_keys(Page.objects.values_list("pk", flat=True).iterator())
    )


def connect() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.signals import page_published, page_unpublished

    from cms.models import Speaker, Sponsor

    page_published.connect(purge_page, dispatch_uid="cms.fragments.published")
    page_unpublished.connect(purge_page, dispatch_uid="cms.fragments.unpublished")
    for model in (Speaker, Sponsor, get_image_model(), get_document_model()):
        for signal in (post_save, post_delete):
            signal.connect(
                purge_all_pages,
                sender=model,
                dispatch_uid=f"cms.fragments.{model.__name__}.{signal is post_save}",
            )
