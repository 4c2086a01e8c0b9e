"""The panels of a ticket type, an extra and a question, edited inline on the event.

Listed rather than generated so that each translated text shows once per
language (catalogue/translation.py) and not also as its untranslated column.
"""

from wagtail.admin.panels import FieldPanel, FieldRowPanel

from registration.catalogue.admin.translated import side_by_side, stacked
from registration.models import Extra, Question, TicketType

TICKET_TYPE_PANELS = [
    side_by_side(TicketType, "name"),
    side_by_side(TicketType, "description"),
    FieldRowPanel(
        [FieldPanel("price"), FieldPanel("member_price"), FieldPanel("capacity")]
    ),
    FieldRowPanel([FieldPanel("available_from"), FieldPanel("available_until")]),
    FieldRowPanel([FieldPanel("min_per_order"), FieldPanel("max_per_order")]),
    FieldPanel("counts_toward_event_capacity"),
    FieldPanel("hidden_unless_voucher"),
    FieldPanel("members_only"),
    FieldPanel("requires_approval"),
    FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")]),
    FieldPanel("requires_guardian_consent"),
    side_by_side(TicketType, "badge_role"),
    FieldRowPanel([FieldPanel("badge_colour"), FieldPanel("badge_layout")]),
]

EXTRA_PANELS = [
    side_by_side(Extra, "name"),
    side_by_side(Extra, "description"),
    FieldRowPanel([FieldPanel("price"), FieldPanel("capacity")]),
    FieldRowPanel([FieldPanel("available_from"), FieldPanel("available_until")]),
]

QUESTION_PANELS = [
    side_by_side(Question, "label"),
    FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
    side_by_side(Question, "help_text"),
    stacked(Question, "choices"),
    FieldPanel("report_as"),
    FieldPanel("ticket_types"),
]
