"""Where the admin links an object to: its edit page, or else its inspect page.

Wagtail links every object it shows outside its own screens (the usage page
of what it refers to, choosers, the dashboard) through the admin URL finder
its viewset registers, and that finder always names the viewset's `edit`
page. Read-only screens (orders, attendees, the waiting list, money records)
have no edit page or refuse it to everyone, so a usage page listing one of
their objects crashed on the missing address. `EditOrInspectLinks` makes the
finder name the first page the viewset has and the user may open.
"""

from django.contrib.admin.utils import quote
from django.urls import NoReverseMatch, reverse
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.permissions import policy_registry


class EditOrInspectURLFinder(ModelAdminURLFinder):
    """The edit page when it exists and the user may change the object, else inspect."""

    # (url name, the permission that page needs), best first.
    candidates: tuple[tuple[str, str], ...] = ()

    def get_edit_url(self, instance):
        policy = policy_registry.get(instance)
        for url_name, action in self.candidates:
            try:
                url = reverse(url_name, args=(quote(instance.pk),))
            except NoReverseMatch:
                continue
            if (
                self.user is None
                or policy is None
                or policy.user_has_permission_for_instance(self.user, action, instance)
            ):
                return url
        return None


class EditOrInspectLinks:
    """For a ModelViewSet: links from elsewhere in the admin go to a page it has."""

    @property
    def url_finder_class(self):
        return type(
            "_EditOrInspectURLFinder",
            (EditOrInspectURLFinder,),
            {
                "candidates": (
                    (self.get_url_name("edit"), "change"),
                    (self.get_url_name("inspect"), "view"),
                )
            },
        )
