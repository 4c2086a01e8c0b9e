"""Staff screens for registration in the Wagtail admin."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from registration import admin_menus
from registration.catalogue.admin.forms import EventAdminForm, VoucherAdminForm
from registration.catalogue.admin.inline_panels import (
    EXTRA_PANELS,
    QUESTION_PANELS,
    TICKET_TYPE_PANELS,
)
from registration.catalogue.admin.missing import MissingTranslationsPanel
from registration.catalogue.admin.translated import side_by_side, stacked
from registration.models import Event, Voucher


class EventViewSet(ModelViewSet):
    model = Event
    icon = "date"
    menu_label = _("Events")
    menu_order = 100
    list_display = ["name", "kind", "starts_at", "city", "capacity"]
    list_filter = ["kind"]
    search_fields = ["name", "city", "venue"]
    ordering = ["starts_at"]
    inspect_view_enabled = True
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    side_by_side(Event, "name"),
                    FieldRowPanel([FieldPanel("slug"), FieldPanel("kind")]),
                    MultiFieldPanel(
                        [
                            FieldRowPanel(
                                [FieldPanel("starts_at"), FieldPanel("ends_at")]
                            ),
                            FieldPanel("time_zone"),
                        ],
                        heading=_("When"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldPanel("venue"),
                            FieldPanel("address"),
                            FieldRowPanel([FieldPanel("city"), FieldPanel("country")]),
                        ],
                        heading=_("Where"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel(
                                [
                                    FieldPanel("registration_opens_at"),
                                    FieldPanel("registration_closes_at"),
                                ]
                            ),
                            FieldRowPanel(
                                [
                                    FieldPanel("capacity"),
                                    FieldPanel("currency"),
                                    FieldPanel("payment_term_days"),
                                ]
                            ),
                            FieldPanel("contact_email"),
                        ],
                        heading=_("Registration"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel(
                                [
                                    FieldPanel("attendee_edit_until"),
                                    FieldPanel("buyer_cancellation_until"),
                                ]
                            ),
                            FieldPanel("waiting_list_offer_hours"),
                        ],
                        heading=_("Order changes and waiting list"),
                    ),
                ],
                heading=_("Event"),
            ),
            ObjectList(
                [
                    side_by_side(Event, "summary"),
                    stacked(Event, "terms"),
                    stacked(Event, "email_note"),
                    MissingTranslationsPanel(heading=_("Missing translations")),
                ],
                heading=_("Texts and translations"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "ticket_types",
                        heading=_("Ticket types"),
                        label=_("Ticket type"),
                        panels=TICKET_TYPE_PANELS,
                    )
                ],
                heading=_("Ticket types"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "extras",
                        heading=_("Extras"),
                        label=_("Extra"),
                        panels=EXTRA_PANELS,
                    )
                ],
                heading=_("Extras"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "questions",
                        heading=_("Questions"),
                        label=_("Question"),
                        panels=QUESTION_PANELS,
                    )
                ],
                heading=_("Questions"),
            ),
        ],
        base_form_class=EventAdminForm,
    )


class WithEventColumn:
    """Listings that show each row's event load the events in the same query."""

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=self.model.objects.select_related("event"), **kwargs
        )


class VoucherViewSet(WithEventColumn, ModelViewSet):
    model = Voucher
    icon = "tag"
    menu_label = _("Vouchers")
    menu_order = 200
    list_display = ["code", "event", "kind", "value", "max_uses", "valid_until"]
    list_filter = ["event", "kind"]
    search_fields = ["code", "note"]
    edit_handler = ObjectList(
        [
            FieldPanel("event"),
            FieldRowPanel(
                [FieldPanel("code"), FieldPanel("kind"), FieldPanel("value")]
            ),
            FieldPanel("ticket_types"),
            FieldRowPanel(
                [
                    FieldPanel("max_uses"),
                    FieldPanel("valid_from"),
                    FieldPanel("valid_until"),
                ]
            ),
            FieldPanel("unlocks_hidden_tickets"),
            FieldPanel("note"),
        ],
        base_form_class=VoucherAdminForm,
    )


class EventsMenuGroup(ModelViewSetGroup):
    menu_label = _("Events")
    menu_icon = "date"
    menu_order = 200

    @property
    def items(self):
        # Vouchers are in the Registration group, with bulk creation
        # (catalogue/admin/vouchers.py); delegations in the Travel group
        # (travel/admin/delegations.py).
        return admin_menus.members(admin_menus.EVENTS)


admin_menus.join(admin_menus.EVENTS, EventViewSet("events"), position=10)


@hooks.register("register_admin_viewset")
def register_events_menu():
    return EventsMenuGroup()


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    """The account page links to setting up two-factor sign-in (conference/two_factor.py)."""
    return {
        "url": reverse("two_factor_setup"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Add an authenticator app so signing in needs a code too."),
    }


# Each module registers its own screens when imported (after this module's own).
