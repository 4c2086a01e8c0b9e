"""StreamField blocks for event, news and standard pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section (H2)")), ("h3", _("Subsection (H3)"))],
        default="h2",
        label=_("level"),
    )

    class Meta:
        icon = "title"
        template = "cms/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False)
    alt_text = blocks.CharBlock(
        label=_("alternative text"),
        required=False,
        help_text=_("Describe the image for people who cannot see it."),
    )

    class Meta:
        icon = "image"
        template = "cms/blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quote"))
    attribution = blocks.CharBlock(label=_("attribution"), required=False)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.TextBlock(label=_("text"), required=False)
    button_label = blocks.CharBlock(label=_("button label"), max_length=40)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("or address"), required=False)

    class Meta:
        icon = "pick"
        template = "cms/blocks/call_to_action.html"


class ScheduleItemBlock(blocks.StructBlock):
    starts = blocks.TimeBlock(label=_("starts"))
    ends = blocks.TimeBlock(label=_("ends"), required=False)
    title = blocks.CharBlock(label=_("title"), max_length=200)
    location = blocks.CharBlock(label=_("room or place"), required=False)
    description = blocks.TextBlock(label=_("description"), required=False)


class ScheduleDayBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("date"))
    title = blocks.CharBlock(label=_("day title"), required=False)
    items = blocks.ListBlock(ScheduleItemBlock(), label=_("sessions"))


class ScheduleBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), default=_("Programme"))
    days = blocks.ListBlock(ScheduleDayBlock(), label=_("days"))

    class Meta:
        icon = "time"
        template = "cms/blocks/schedule.html"


class SpeakersBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), default=_("Speakers"))
    speakers = blocks.ListBlock(SnippetChooserBlock("cms.Speaker"), label=_("speakers"))

    class Meta:
        icon = "user"
        template = "cms/blocks/speakers.html"


class SponsorsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), default=_("Sponsors and partners"))
    sponsors = blocks.ListBlock(SnippetChooserBlock("cms.Sponsor"), label=_("sponsors"))

    class Meta:
        icon = "site"
        template = "cms/blocks/sponsors.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("rich text"),
        features=["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"],
        template="cms/blocks/paragraph.html",
    )
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    schedule = ScheduleBlock()
    speakers = SpeakersBlock()
    sponsors = SponsorsBlock()
