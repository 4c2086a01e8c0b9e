"""REST API v1: staff change one attendee after placement: details, answers, and a
transfer of the ticket to another person. The same services as the order page
and the admin, called as staff (after the self-service cut-off too).

400 names each bad field (`email`, `answers.12`, `youth.date_of_birth`); 409
when the change does not apply now (`order_closed`, `edit_closed`,
`checked_in`).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.permissions import StaffWithPermissions
from registration.errors import OrderError, OrderInvalid
from registration.models import Attendee
from registration.orders.api.serializers import (
    LANGUAGE_CHOICES,
    OPTIONAL,
    AttendeeOutSerializer,
    ErrorSerializer,
    YouthInSerializer,
    column_field,
)
from registration.orders.services import (
    EDITABLE_ATTENDEE_FIELDS,
    TRANSFER_FIELDS,
    TransferData,
    YouthData,
    transfer_ticket,
    update_answers,
    update_attendee,
)

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}
COUNTRY = {"max_length": 2, "help_text": "ISO 3166 code.", **OPTIONAL}


class AttendeeUpdateInSerializer(serializers.Serializer):
    """The details to change; those left out stay as they are."""

    given_name = column_field(Attendee, "given_name", required=False)
    family_name = column_field(Attendee, "family_name", **OPTIONAL)
    badge_name = column_field(Attendee, "badge_name", **OPTIONAL)
    badge_name_latin = column_field(Attendee, "badge_name_latin", **OPTIONAL)
    email = column_field(Attendee, "email", **OPTIONAL)
    language = serializers.ChoiceField(LANGUAGE_CHOICES, required=False)
    organisation = column_field(Attendee, "organisation", **OPTIONAL)
    city = column_field(Attendee, "city", **OPTIONAL)
    country = serializers.CharField(**COUNTRY)


class AnswersInSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text=(
            "Question id → answer (text, number, YYYY-MM-DD, list, true/false). "
            "Questions left out keep their answer; an empty value or null clears it."
        ),
    )


class TransferInSerializer(serializers.Serializer):
    given_name = column_field(Attendee, "given_name")
    family_name = column_field(Attendee, "family_name", **OPTIONAL)
    badge_name = column_field(
        Attendee, "badge_name", **OPTIONAL, help_text="Empty: given and family name."
    )
    badge_name_latin = column_field(Attendee, "badge_name_latin", **OPTIONAL)
    email = column_field(
        Attendee, "email", help_text="The new holder's ticket goes to this address."
    )
    language = serializers.ChoiceField(
        LANGUAGE_CHOICES, required=False, help_text="Empty: the order's language."
    )
    organisation = column_field(Attendee, "organisation", **OPTIONAL)
    city = column_field(Attendee, "city", **OPTIONAL)
    country = serializers.CharField(**COUNTRY)
    youth = YouthInSerializer(
        required=False,
        help_text="Needed for youth ticket types: date of birth and, when consent "
        "is required, the new guardian (who is sent the consent form).",
    )


def _attendee(pk: int) -> Attendee:
    return get_object_or_404(
        Attendee.objects.select_related("order__event", "ticket_type"), pk=pk
    )


def _answer(request, attendee: Attendee) -> Response:
    fresh = (
        Attendee.objects.select_related("ticket_type", "youth__consent")
        .prefetch_related("attendeeextra_set__extra", "answers")
        .get(pk=attendee.pk)
    )
    return Response(AttendeeOutSerializer(fresh, context={"request": request}).data)


def _conflict(error: OrderError) -> Response:
    return Response(
        {"code": error.code, "detail": error.message}, status=status.HTTP_409_CONFLICT
    )


class ChangeView(APIView):
    permission_classes = [StaffWithPermissions]
    required_permissions = {
        "POST": ["registration.change_attendee"],
        "PATCH": ["registration.change_attendee"],
    }

    def change(self, request, pk: int, serializer_class, apply) -> Response:
        attendee = _attendee(pk)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            apply(attendee, serializer.validated_data)
        except OrderInvalid:
            raise
        except OrderError as error:
            return _conflict(error)
        return _answer(request, attendee)


class AttendeeUpdate(ChangeView):
    """Change an attendee's details (not ticket type or extras), as staff."""

    @extend_schema(
        request=AttendeeUpdateInSerializer,
        responses={200: AttendeeOutSerializer, **ERRORS},
    )
    def patch(self, request, pk: int):
        def apply(attendee, data):
            values = {
                name: data[name] for name in EDITABLE_ATTENDEE_FIELDS if name in data
            }
            update_attendee(attendee, data=values, by=request.user, as_staff=True)

        return self.change(request, pk, AttendeeUpdateInSerializer, apply)


class AttendeeAnswers(ChangeView):
    """Change an attendee's answers to the event's questions, checked as at placement."""

    @extend_schema(
        request=AnswersInSerializer, responses={200: AttendeeOutSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        def apply(attendee, data):
            answers = {
                key: "" if value is None else value
                for key, value in data["answers"].items()
            }
            update_answers(attendee, answers=answers, by=request.user, as_staff=True)

        return self.change(request, pk, AnswersInSerializer, apply)


class AttendeeTransfer(ChangeView):
    """Transfer the ticket to another person: new details and a new QR secret at
    once (the old QR code and attendee link stop working); the new holder gets
    the ticket by e-mail and the old one a notice. 409 `checked_in` once a door
    admitted the holder."""

    @extend_schema(
        request=TransferInSerializer, responses={200: AttendeeOutSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        def apply(attendee, data):
            youth = data.get("youth")
            transfer_ticket(
                attendee,
                to=TransferData(
                    **{name: data.get(name, "") for name in TRANSFER_FIELDS},
                    youth=YouthData(**youth) if youth else None,
                ),
                by=request.user,
                as_staff=True,
            )

        return self.change(request, pk, TransferInSerializer, apply)
