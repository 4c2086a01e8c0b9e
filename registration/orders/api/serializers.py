"""API shapes. Input serializers check types and formats only; the rules (prices,
capacity, ages, questions) are the services' and come back as field errors."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from rest_framework import serializers

from registration.api.language import TranslationsField
from registration.catalogue.selectors import CatalogueItem
from registration.columns import ColumnText
from registration.models import Attendee, Event, Order, PaymentMethod, YouthDetails
from registration.names import NAME_VALIDATORS
from registration.staff import access as staff_access


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="invalid, sold_out, busy, price_changed, …")
    detail = serializers.CharField()
    field = serializers.CharField(
        required=False,
        help_text="The request field a 409 refusal concerns: attendees or "
        "voucher_code when sold out, status when the order's status forbids it.",
    )
    errors = serializers.DictField(
        child=ErrorDetailSerializer(many=True),
        required=False,
        help_text="Dotted field path (e.g. attendees.0.email) → its errors.",
    )


# --- Events -------------------------------------------------------------------


class EventListSerializer(serializers.ModelSerializer):
    name_translations = TranslationsField("name")

    class Meta:
        model = Event
        fields = [
            "slug",
            "name",
            "name_translations",
            "kind",
            "starts_at",
            "ends_at",
            "time_zone",
            "city",
            "country",
            "currency",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
        ]


class TicketTypeOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    name = serializers.CharField(source="item.name")
    name_translations = TranslationsField("name", source="item")
    description = serializers.CharField(source="item.description")
    description_translations = TranslationsField("description", source="item")
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="item.price"
    )
    member_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="item.member_price", allow_null=True
    )
    capacity = serializers.IntegerField(source="item.capacity", allow_null=True)
    seats_left = serializers.IntegerField(
        source="remaining", allow_null=True, help_text="null: no limit"
    )
    state = serializers.CharField(help_text="open, not_yet_open, closed or sold_out")
    min_per_order = serializers.IntegerField(source="item.min_per_order")
    max_per_order = serializers.IntegerField(source="item.max_per_order")
    members_only = serializers.BooleanField(source="item.members_only")
    hidden_unless_voucher = serializers.BooleanField(
        source="item.hidden_unless_voucher"
    )
    requires_approval = serializers.BooleanField(source="item.requires_approval")
    min_age = serializers.IntegerField(source="item.min_age", allow_null=True)
    max_age = serializers.IntegerField(source="item.max_age", allow_null=True)
    requires_guardian_consent = serializers.BooleanField(
        source="item.requires_guardian_consent"
    )
    badge_role = serializers.CharField(source="item.badge_role")
    badge_role_translations = TranslationsField("badge_role", source="item")


class ExtraOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    name = serializers.CharField(source="item.name")
    name_translations = TranslationsField("name", source="item")
    description = serializers.CharField(source="item.description")
    description_translations = TranslationsField("description", source="item")
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="item.price"
    )
    capacity = serializers.IntegerField(source="item.capacity", allow_null=True)
    seats_left = serializers.IntegerField(source="remaining", allow_null=True)
    state = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    label = serializers.CharField()
    label_translations = TranslationsField("label")
    kind = serializers.CharField()
    required = serializers.BooleanField()
    help_text = serializers.CharField()
    help_text_translations = TranslationsField("help_text")
    choices = serializers.ListField(
        child=serializers.CharField(),
        source="choice_list",
        help_text="The values to send as answers (the English options).",
    )
    choice_labels = serializers.SerializerMethodField(
        help_text="The options in the response's language, in the order of choices."
    )
    choices_translations = TranslationsField("choices")
    ticket_types = serializers.SerializerMethodField(
        help_text="Ticket type ids asked; empty: every attendee."
    )

    def get_choice_labels(self, question) -> list[str]:
        return [label for _value, label in question.choice_options]

    def get_ticket_types(self, question) -> list[int]:
        return sorted(tt.pk for tt in question.ticket_types.all())


class EventDetailSerializer(EventListSerializer):
    seats_left = serializers.SerializerMethodField(help_text="null: no overall limit")
    ticket_types = serializers.SerializerMethodField()
    extras = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, source="question_list")
    summary_translations = TranslationsField("summary")
    terms_translations = TranslationsField("terms")

    class Meta(EventListSerializer.Meta):
        fields = [
            *EventListSerializer.Meta.fields,
            "summary",
            "summary_translations",
            "terms",
            "terms_translations",
            "venue",
            "address",
            "payment_term_days",
            "seats_left",
            "ticket_types",
            "extras",
            "questions",
        ]

    def get_seats_left(self, event) -> int | None:
        return self.context["availability"].event_remaining

    def get_ticket_types(self, event) -> list[dict]:
        items: list[CatalogueItem] = self.context["ticket_types"]
        return TicketTypeOfferSerializer(items, many=True).data

    def get_extras(self, event) -> list[dict]:
        return ExtraOfferSerializer(self.context["extras"], many=True).data


# --- Orders in -------------------------------------------------------------------

LANGUAGE_CHOICES = [code for code, _name in settings.LANGUAGES]


def column_field(model, name: str, **kwargs) -> serializers.CharField:
    """An input field for the column `model.name`: its length and, for names, the
    rules against bidirectional controls and unprintable characters
    (registration/columns.py), as the
    services check them; an EmailField for an e-mail column."""
    column = model._meta.get_field(name)
    kind = (
        serializers.EmailField
        if isinstance(column, models.EmailField)
        else serializers.CharField
    )
    return kind(validators=[ColumnText(column)], **kwargs)


OPTIONAL = {"required": False, "allow_blank": True}


class ColumnTextMixin:
    """For a ModelSerializer: each text column's field gets `ColumnText` in place
    of DRF's own length check (and of the model's name validators, which
    ColumnText applies with a message naming the field), so that the API
    refuses what the column cannot take in the words of the rest of the API;
    TextFields get FREE_TEXT_LIMIT."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.CharField | models.TextField) and not (
            model_field.choices
        ):
            kwargs.pop("max_length", None)
            kwargs["validators"] = [
                *(
                    validator
                    for validator in kwargs.get("validators", [])
                    if validator not in NAME_VALIDATORS
                    and not isinstance(validator, MaxLengthValidator)
                ),
                ColumnText(model_field),
            ]
        return field_class, kwargs


class BuyerInSerializer(serializers.Serializer):
    name = column_field(Order, "buyer_name")
    email = column_field(Order, "buyer_email")
    organisation = column_field(Order, "buyer_organisation", **OPTIONAL)
    phone = column_field(Order, "buyer_phone", **OPTIONAL)
    address = column_field(Order, "buyer_address", **OPTIONAL)
    tax_id = column_field(Order, "buyer_tax_id", **OPTIONAL)
    language = serializers.ChoiceField(LANGUAGE_CHOICES, default="en")
    privacy_accepted = serializers.BooleanField(
        default=False,
        help_text=(
            "The buyer agreed to the privacy notice (/privacy/) where you took the "
            "order; recorded with the time and the notice's version."
        ),
    )


class YouthInSerializer(serializers.Serializer):
    date_of_birth = serializers.DateField()
    guardian_name = column_field(YouthDetails, "guardian_name", **OPTIONAL)
    guardian_email = column_field(YouthDetails, "guardian_email", **OPTIONAL)
    guardian_phone = column_field(YouthDetails, "guardian_phone", **OPTIONAL)


class AttendeeInSerializer(serializers.Serializer):
    ticket_type = serializers.IntegerField(help_text="A ticket type id of the event.")
    given_name = column_field(Attendee, "given_name")
    family_name = column_field(Attendee, "family_name", **OPTIONAL)
    badge_name = column_field(
        Attendee,
        "badge_name",
        **OPTIONAL,
        help_text="Empty: given and family name (refused when the two together "
        "are longer than a badge name may be).",
    )
    badge_name_latin = column_field(
        Attendee,
        "badge_name_latin",
        **OPTIONAL,
        help_text="Latin transliteration of a badge name in another script; "
        "printed under it on the badge.",
    )
    email = column_field(Attendee, "email", **OPTIONAL)
    language = serializers.ChoiceField(LANGUAGE_CHOICES, required=False)
    organisation = column_field(Attendee, "organisation", **OPTIONAL)
    city = column_field(Attendee, "city", **OPTIONAL)
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="ISO 3166 code."
    )
    extras = serializers.ListField(child=serializers.IntegerField(), required=False)
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Question id → answer (text, number, YYYY-MM-DD, list, true/false).",
    )
    youth = YouthInSerializer(
        required=False, help_text="Needed for youth ticket types (age range, consent)."
    )


class OrderInSerializer(serializers.Serializer):
    buyer = BuyerInSerializer()
    attendees = AttendeeInSerializer(many=True, allow_empty=False, max_length=50)
    payment_method = serializers.ChoiceField(
        [PaymentMethod.INVOICE, PaymentMethod.FREE],
        help_text="invoice, or free when there is nothing to pay.",
    )
    voucher_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True
    )
    member_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    expected_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="The total the buyer confirmed; a different total answers 409 price_changed.",
    )
    waiting_list_token = serializers.CharField(max_length=40, required=False)


class CancelInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- Orders out ----------------------------------------------------------------------


class AttendeeOutSerializer(serializers.ModelSerializer):
    ticket_type = serializers.SerializerMethodField()
    extras = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    country = serializers.CharField(source="country.code")
    consent_required = serializers.BooleanField(
        source="ticket_type.requires_guardian_consent"
    )
    consent_missing = serializers.BooleanField()
    youth = serializers.SerializerMethodField(
        help_text="Only for users with the youth details permission."
    )

    class Meta:
        model = Attendee
        fields = [
            "id",
            "ticket_type",
            "badge_name",
            "badge_name_latin",
            "given_name",
            "family_name",
            "email",
            "language",
            "organisation",
            "city",
            "country",
            "price",
            "extras",
            "answers",
            "consent_required",
            "consent_missing",
            "youth",
        ]

    def get_ticket_type(self, attendee) -> dict:
        return {"id": attendee.ticket_type_id, "name": attendee.ticket_type.name}

    def get_extras(self, attendee) -> list[dict]:
        return [
            {"id": line.extra_id, "name": line.extra.name, "price": str(line.price)}
            for line in attendee.attendeeextra_set.all()
        ]

    def get_answers(self, attendee) -> dict[str, str]:
        return {
            str(answer.question_id): answer.value for answer in attendee.answers.all()
        }

    def get_youth(self, attendee) -> dict | None:
        request = self.context.get("request")
        youth = getattr(attendee, "youth", None)
        if youth is None or not (
            request and staff_access.can_see_youth_details(request.user)
        ):
            return None
        consent = getattr(youth, "consent", None)
        return {
            "date_of_birth": youth.date_of_birth.isoformat(),
            "guardian_name": youth.guardian_name,
            "guardian_email": youth.guardian_email,
            "guardian_phone": youth.guardian_phone,
            "consent_signed_at": consent.signed_at.isoformat() if consent else None,
        }


class OrderOutSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.slug")
    status_display = serializers.CharField(source="get_status_display")
    buyer = serializers.SerializerMethodField()
    voucher_code = serializers.CharField(
        source="voucher.code", allow_null=True, default=None
    )
    attendees = AttendeeOutSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "code",
            "event",
            "status",
            "status_display",
            "payment_method",
            "total",
            "currency",
            "expires_at",
            "created_at",
            "voucher_code",
            "buyer",
            "attendees",
        ]

    def get_buyer(self, order) -> dict:
        return {
            "name": order.buyer_name,
            "email": order.buyer_email,
            "organisation": order.buyer_organisation,
            "phone": order.buyer_phone,
            "address": order.buyer_address,
            "tax_id": order.buyer_tax_id,
            "language": order.language,
        }
