"""Staff mailing endpoints of API v1 (mounted from registration/api/urls.py).

- `GET|POST /api/v1/events/<slug>/mailings/`: the event's mailings; write a
  draft (or a paused scheduled rule).
- `GET /api/v1/mailings/<id>/`: one mailing.
- `GET /api/v1/mailings/<id>/preview/?recipient=<n>`: how many recipients,
  and the message as the n-th of them reads it.
- `POST /api/v1/mailings/<id>/send/`: write the recipients and start sending (202).
- `GET /api/v1/mailings/<id>/log/` and `GET /api/v1/mail-log/?event=&email=`:
  the e-mail log.

Staff tokens holding `registration.send_mailing`; guardians and the consent
filter also need `registration.view_youthdetails` (as in the admin). Field
errors name the field: `subject_es`, `filters.extras`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.exceptions import invalid_response
from registration.api.permissions import StaffWithPermissions
from registration.errors import MailingError, MailingInvalid
from registration.mailings import selectors
from registration.mailings.selectors import AudienceFilters
from registration.mailings.services import compose, rendering, sending
from registration.models import Event, Mailing
from registration.orders.api.lists import StaffListPagination
from registration.orders.api.serializers import ErrorSerializer
from registration.staff import access

SEND = {"GET": ["registration.send_mailing"], "POST": ["registration.send_mailing"]}
ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}
# Refusals that are about the mailing's state, not the request's fields.
CONFLICTS = {"already_sent", "no_recipients", "is_a_rule", "not_a_rule"}


class FiltersSerializer(serializers.Serializer):
    ticket_types = serializers.ListField(
        child=serializers.IntegerField(), required=False
    )
    extras = serializers.ListField(child=serializers.IntegerField(), required=False)
    order_statuses = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Empty: paid, pending (hold not run out) and awaiting approval.",
    )
    delegations = serializers.ListField(
        child=serializers.IntegerField(), required=False
    )
    countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False
    )
    checked_in = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Empty: anyone."
    )
    consent_outstanding = serializers.BooleanField(required=False, default=False)
    travel_missing = serializers.BooleanField(required=False, default=False)


class MailingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    audience = serializers.CharField(
        help_text="buyers, attendees, leaders or guardians."
    )
    filters = FiltersSerializer(required=False)
    subject_en = serializers.CharField(max_length=200)
    body_en = serializers.CharField()
    subject_es = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_es = serializers.CharField(required=False, allow_blank=True)
    subject_fr = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_fr = serializers.CharField(required=False, allow_blank=True)
    schedule = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Empty (sent once), before_start, after_start or after_registration.",
    )
    schedule_days = serializers.IntegerField(required=False, min_value=0, default=0)
    status = serializers.CharField(
        read_only=True, help_text="draft, sending, sent, active or paused."
    )
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_draft(self) -> compose.MailingDraft:
        data = self.validated_data
        return compose.MailingDraft(
            name=data["name"],
            audience=data["audience"],
            filters=AudienceFilters.from_json(data.get("filters")),
            texts={
                f"{part}_{code}": data.get(f"{part}_{code}", "")
                for code in compose.LANGUAGES
                for part in ("subject", "body")
            },
            schedule=data.get("schedule", ""),
            schedule_days=data.get("schedule_days", 0),
        )


class PreviewSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    language = serializers.CharField()
    subject = serializers.CharField()
    text = serializers.CharField()
    html = serializers.CharField()


class PreviewOutSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Recipients, unsubscribed included.")
    opted_out = serializers.IntegerField(help_text="Unsubscribed: skipped when sent.")
    preview = PreviewSerializer(allow_null=True)


class SendOutSerializer(serializers.Serializer):
    mailing = serializers.IntegerField()
    job = serializers.IntegerField()
    total = serializers.IntegerField()


class LogRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mailing = serializers.IntegerField(source="mailing_id")
    mailing_name = serializers.CharField(source="mailing.name")
    event = serializers.CharField(source="mailing.event.slug")
    email = serializers.EmailField()
    name = serializers.CharField()
    language = serializers.CharField()
    attendee = serializers.IntegerField(source="attendee_id", allow_null=True)
    delivery_status = serializers.CharField(
        help_text="pending, queued, sent, failed, bounced or skipped."
    )
    resent = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    bounced_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


def refusal(error: MailingError) -> Response:
    """A service refusal as the API's one error shape."""
    if isinstance(error, MailingInvalid):
        return invalid_response(
            {
                name: [{"code": e.code, "message": e.message} for e in errors]
                for name, errors in error.by_field().items()
            }
        )
    body = {"code": error.code, "detail": error.message}
    if error.code == "permission_denied":
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    if error.code in CONFLICTS:
        return Response(body, status=status.HTTP_409_CONFLICT)
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def mailing_for(request, pk: int) -> Mailing:
    mailing = get_object_or_404(Mailing.objects.select_related("event"), pk=pk)
    if not compose.can_open_mailing(request.user, mailing):
        raise PermissionDenied("This mailing concerns youth data.")
    return mailing


def visible_mailings(user):
    mailings = Mailing.objects.select_related("event")
    if not access.can_see_youth_details(user):
        mailings = mailings.exclude(touches_youth_data=True)
    return mailings


class EventMailings(generics.GenericAPIView):
    """An event's mailings and rules, newest first; POST writes a draft."""

    permission_classes = [StaffWithPermissions]
    required_permissions = SEND
    serializer_class = MailingSerializer
    pagination_class = StaffListPagination

    def get_queryset(self):
        event = get_object_or_404(Event, slug=self.kwargs["slug"])
        return visible_mailings(self.request.user).filter(event=event)

    @extend_schema(responses={200: MailingSerializer(many=True), **ERRORS})
    def get(self, request, slug: str):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MailingSerializer(page, many=True).data)

    @extend_schema(
        request=MailingSerializer, responses={201: MailingSerializer, **ERRORS}
    )
    def post(self, request, slug: str):
        event = get_object_or_404(Event, slug=slug)
        serializer = MailingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            mailing = compose.save_mailing(
                event, draft=serializer.to_draft(), by=request.user
            )
        except MailingError as error:
            return refusal(error)
        return Response(MailingSerializer(mailing).data, status=status.HTTP_201_CREATED)


class MailingDetail(APIView):
    permission_classes = [StaffWithPermissions]
    required_permissions = SEND

    @extend_schema(responses={200: MailingSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(MailingSerializer(mailing_for(request, pk)).data)


class MailingPreview(APIView):
    """How many recipients, and the message as one of them reads it."""

    permission_classes = [StaffWithPermissions]
    required_permissions = SEND

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "recipient",
                int,
                description="Which recipient (from 0).",
                required=False,
            )
        ],
        responses={200: PreviewOutSerializer, **ERRORS},
    )
    def get(self, request, pk: int):
        mailing = mailing_for(request, pk)
        recipients = selectors.mailing_recipients(mailing)
        value = request.query_params.get("recipient", "0")
        index = int(value) if value.isdigit() and int(value) < len(recipients) else 0
        preview = None
        if recipients:
            reader = recipients[index]
            message = rendering.render_for(mailing, reader)
            preview = {
                "email": reader.email,
                "name": reader.name,
                "language": message.language,
                "subject": message.subject,
                "text": message.text,
                "html": str(message.html),
            }
        refused = selectors.opted_out(r.email for r in recipients)
        return Response(
            PreviewOutSerializer(
                {
                    "count": len(recipients),
                    "opted_out": len(refused),
                    "preview": preview,
                }
            ).data
        )


class MailingSend(APIView):
    """Write the recipients and start sending; 409 when sent already or empty."""

    permission_classes = [StaffWithPermissions]
    required_permissions = SEND

    @extend_schema(request=None, responses={202: SendOutSerializer, **ERRORS})
    def post(self, request, pk: int):
        mailing = mailing_for(request, pk)
        try:
            job = sending.start_mailing(mailing, by=request.user)
        except MailingError as error:
            return refusal(error)
        return Response(
            SendOutSerializer(
                {"mailing": mailing.pk, "job": job.pk, "total": job.total}
            ).data,
            status=status.HTTP_202_ACCEPTED,
        )


class MailLog(generics.GenericAPIView):
    """The e-mail log, newest first: by mailing, or by event and address."""

    permission_classes = [StaffWithPermissions]
    required_permissions = SEND
    serializer_class = LogRowSerializer
    pagination_class = StaffListPagination

    def get_queryset(self):
        user = self.request.user
        with_youth = access.can_see_youth_details(user)
        if "pk" in self.kwargs:
            return selectors.email_log(
                mailing=mailing_for(self.request, self.kwargs["pk"]),
                with_youth=with_youth,
            )
        slug = self.request.query_params.get("event", "")
        return selectors.email_log(
            event=get_object_or_404(Event, slug=slug) if slug else None,
            email=self.request.query_params.get("email", ""),
            with_youth=with_youth,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "event", str, description="The event's slug.", required=False
            ),
            OpenApiParameter("email", str, description="One address.", required=False),
        ],
        responses={200: LogRowSerializer(many=True), **ERRORS},
    )
    def get(self, request, pk: int | None = None):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(LogRowSerializer(page, many=True).data)


class MailingLog(MailLog):
    """One mailing's e-mail log."""

    @extend_schema(responses={200: LogRowSerializer(many=True), **ERRORS})
    def get(self, request, pk: int):
        return super().get(request, pk)


urlpatterns = [
    path(
        "events/<slug:slug>/mailings/", EventMailings.as_view(), name="event_mailings"
    ),
    path("mailings/<id:pk>/", MailingDetail.as_view(), name="mailing_detail"),
    path("mailings/<id:pk>/preview/", MailingPreview.as_view(), name="mailing_preview"),
    path("mailings/<id:pk>/send/", MailingSend.as_view(), name="mailing_send"),
    path("mailings/<id:pk>/log/", MailingLog.as_view(), name="mailing_log"),
    path("mail-log/", MailLog.as_view(), name="mail_log"),
]
