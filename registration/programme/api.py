"""The programme in the REST API, mounted at /api/v1/: sessions with their places
left, their sign-ups (staff sign attendees up and take them out through the
sign-up service, under its locks) and their attendance at the session's own
check-in lists.

Refusals speak as everywhere: 409 `sold_out` with field `session` for a full
session; 400 naming `session` for the others (`overlap`,
`ticket_type_not_allowed`, `order_closed`, `not_confirmed`, `wrong_event`);
503 `busy` with Retry-After when the locks are not granted in time.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.permissions import StaffWithPermissions
from registration.models import Attendee, Event, ProgrammeSession, SessionSignup
from registration.orders.api.serializers import ErrorSerializer
from registration.programme import selectors, services

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}
VIEW_SESSIONS = ["registration.view_programmesession"]
VIEW_SIGNUPS = ["registration.view_sessionsignup"]


class SessionSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    speakers = serializers.ListField(
        source="speaker_names", child=serializers.CharField(), read_only=True
    )
    places_left = serializers.SerializerMethodField(
        help_text="Free places now; null when the session has no limit."
    )

    class Meta:
        model = ProgrammeSession
        fields = [
            "id",
            "event",
            "title",
            "title_es",
            "title_fr",
            "description",
            "description_es",
            "description_fr",
            "kind",
            "speakers",
            "room",
            "starts_at",
            "ends_at",
            "capacity",
            "places_left",
            "ticket_types",
            "signup_opens_at",
        ]
        read_only_fields = fields

    def get_places_left(self, session) -> int | None:
        left = self.context.get("places_left")
        if left is None:
            left = selectors.places_left([session], now=timezone.now())
        return left.get(session.pk)


class SignupSerializer(serializers.ModelSerializer):
    attendee_name = serializers.CharField(source="attendee.badge_name", read_only=True)
    order = serializers.CharField(source="attendee.order.code", read_only=True)

    class Meta:
        model = SessionSignup
        fields = ["attendee", "attendee_name", "order", "by_staff", "created_at"]
        read_only_fields = ["attendee_name", "order", "by_staff", "created_at"]
        # The attendee is checked by the sign-up service (event, order, ticket
        # type); here it only has to exist.
        extra_kwargs = {"attendee": {"queryset": Attendee.objects.all()}}


class AttendanceSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    signed_up = serializers.IntegerField(help_text="Attendees holding a place.")
    checked_in = serializers.IntegerField(
        help_text="Attendees admitted by the session's own check-in lists."
    )
    percent = serializers.IntegerField()


class SessionList(generics.ListAPIView):
    """An event's programme sessions, in time order, with places left."""

    serializer_class = SessionSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": VIEW_SESSIONS, "HEAD": VIEW_SESSIONS}
    pagination_class = None

    @extend_schema(responses={200: SessionSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        event = get_object_or_404(Event, slug=self.kwargs["slug"])
        return selectors.sessions_of(event).select_related("event")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        sessions = list(self.get_queryset())
        context["places_left"] = selectors.places_left(sessions, now=timezone.now())
        return context


@extend_schema_view(get=extend_schema(responses={200: SessionSerializer, **ERRORS}))
class SessionDetail(generics.RetrieveAPIView):
    serializer_class = SessionSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": VIEW_SESSIONS, "HEAD": VIEW_SESSIONS}
    queryset = ProgrammeSession.objects.select_related("event").prefetch_related(
        "ticket_types"
    )


class SessionSignups(APIView):
    """A session's sign-ups; POST gives an attendee a place (as staff: the
    opening and the start do not bind, capacity, overlaps and ticket types do)."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {
        "GET": VIEW_SIGNUPS,
        "HEAD": VIEW_SIGNUPS,
        "POST": ["registration.add_sessionsignup"],
    }

    @extend_schema(responses={200: SignupSerializer(many=True), **ERRORS})
    def get(self, request, pk: int):
        session = get_object_or_404(ProgrammeSession, pk=pk)
        rows = selectors.session_attendees(session)
        return Response(SignupSerializer(rows, many=True).data)

    @extend_schema(
        request=SignupSerializer,
        responses={
            201: SignupSerializer,
            409: ErrorSerializer,
            503: ErrorSerializer,
            **ERRORS,
        },
    )
    def post(self, request, pk: int):
        session = get_object_or_404(
            ProgrammeSession.objects.select_related("event"), pk=pk
        )
        incoming = SignupSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        signup = services.sign_up(
            incoming.validated_data["attendee"],
            session,
            by=request.user,
            by_staff=True,
        )
        signup = SessionSignup.objects.select_related("attendee__order").get(
            pk=signup.pk
        )
        return Response(SignupSerializer(signup).data, status=status.HTTP_201_CREATED)


class SessionSignupDetail(APIView):
    """Take an attendee out of a session; the place goes to its waiting list."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"DELETE": ["registration.delete_sessionsignup"]}

    @extend_schema(responses={204: None, 503: ErrorSerializer, **ERRORS})
    def delete(self, request, pk: int, attendee_id: int):
        signup = get_object_or_404(
            SessionSignup.objects.select_related("session__event", "attendee"),
            session_id=pk,
            attendee_id=attendee_id,
        )
        services.leave_session(signup.attendee, signup.session, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionAttendance(APIView):
    """Per session of an event: attendees holding a place and attendees admitted."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {
        "GET": ["registration.view_checkin"],
        "HEAD": ["registration.view_checkin"],
    }

    @extend_schema(responses={200: AttendanceSerializer(many=True), **ERRORS})
    def get(self, request, slug: str):
        event = get_object_or_404(Event, slug=slug)
        rows = [
            {
                "session": row.session.pk,
                "signed_up": row.signed_up,
                "checked_in": row.checked_in,
                "percent": row.percent,
            }
            for row in selectors.session_attendance(event)
        ]
        return Response(AttendanceSerializer(rows, many=True).data)


urlpatterns = [
    path(
        "events/<slug:slug>/sessions/",
        SessionList.as_view(),
        name="session_list",
    ),
    path(
        "events/<slug:slug>/attendance/",
        SessionAttendance.as_view(),
        name="session_attendance",
    ),
    path("sessions/<id:pk>/", SessionDetail.as_view(), name="session_detail"),
    path(
        "sessions/<id:pk>/signups/",
        SessionSignups.as_view(),
        name="session_signups",
    ),
    path(
        "sessions/<id:pk>/signups/<id:attendee_id>/",
        SessionSignupDetail.as_view(),
        name="session_signup_detail",
    ),
]
