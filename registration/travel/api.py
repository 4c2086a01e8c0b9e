"""Delegation and travel endpoints of API v1.

Staff tokens with model permissions. Passport details (`visa`) appear in
travel plans only for holders of `registration.view_visadetails`, and may be
written only with `registration.change_visadetails`; for everyone else the
field is absent from the answer. Times are ISO 8601 with the offset of their
own airport, and are written as a local date and time at the airport.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.exceptions import invalid_response
from registration.api.permissions import StaffWithPermissions
from registration.models import Attendee, Delegation, Event, TravelPlan
from registration.orders.api.serializers import OPTIONAL, ErrorSerializer, column_field
from registration.staff import access as staff_access
from registration.travel import selectors
from registration.travel.airports import airport_zone
from registration.travel.services import travel

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}
CHANGE_VISA = "registration.change_visadetails"
EVENT_PARAMETER = OpenApiParameter(
    "event", str, description="Only this event (its slug).", required=False
)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    badge_name = serializers.CharField()
    ticket_type = serializers.CharField(source="ticket_type.name")
    order_code = serializers.CharField(source="order.code")
    order_status = serializers.CharField(source="order.status")
    consent_missing = serializers.BooleanField()
    visa_letter_status = serializers.SerializerMethodField()

    def get_visa_letter_status(self, attendee) -> str | None:
        plan = getattr(attendee, "travel", None)
        return plan.visa_letter_status if plan else None


class DelegationSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    home_country = serializers.CharField(source="home_country.code")
    member_count = serializers.IntegerField(read_only=True)
    # Plain text rather than enums: the choice names would collide in the schema
    # with the order status and language enums.
    status = serializers.CharField(help_text="open, closed or canceled.")
    billing = serializers.CharField(help_text="delegation_invoice or each_pays.")
    leader_language = serializers.CharField(help_text="en, es or fr.")

    class Meta:
        model = Delegation
        fields = [
            "id",
            "event",
            "name",
            "home_city",
            "home_country",
            "partnership",
            "status",
            "billing",
            "leader_name",
            "leader_email",
            "leader_language",
            "closed_at",
            "member_count",
        ]


class DelegationDetailSerializer(DelegationSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta(DelegationSerializer.Meta):
        fields = [*DelegationSerializer.Meta.fields, "members"]


class LegSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        allow_null=True, help_text="With the offset of the airport's own zone."
    )
    airport = serializers.CharField(help_text="IATA code.")
    carrier = serializers.CharField()
    number = serializers.CharField()


class VisaSerializer(serializers.Serializer):
    nationality = serializers.CharField(help_text="ISO 3166 country code.")
    passport_number = serializers.CharField()
    passport_expiry = serializers.DateField()
    date_of_birth = serializers.DateField(allow_null=True, required=False)


class TravelPlanSerializer(serializers.Serializer):
    attendee = serializers.IntegerField(source="attendee_id")
    badge_name = serializers.CharField(source="attendee.badge_name")
    order_code = serializers.CharField(source="attendee.order.code")
    delegation = serializers.IntegerField(
        source="attendee.delegation_id", allow_null=True
    )
    arrival = serializers.SerializerMethodField()
    departure = serializers.SerializerMethodField()
    pickup_needed = serializers.BooleanField()
    lodging_kind = serializers.CharField()
    lodging_name = serializers.CharField()
    room_sharing_with = serializers.CharField()
    visa_letter_needed = serializers.BooleanField()
    visa_letter_status = serializers.CharField()
    visa = VisaSerializer(
        required=False,
        allow_null=True,
        help_text="Passport details: present only for holders of "
        "registration.view_visadetails (the Travel desk).",
    )

    def _leg(self, plan, leg) -> dict:
        moment = getattr(plan, f"{leg}_at")
        airport = getattr(plan, f"{leg}_airport")
        if moment is not None:
            # Formatted here: DRF would convert the time to the server's zone.
            moment = moment.astimezone(airport_zone(airport) or moment.tzinfo)
            moment = moment.isoformat()
        return LegSerializer(
            {
                "at": moment,
                "airport": airport,
                "carrier": getattr(plan, f"{leg}_carrier"),
                "number": getattr(plan, f"{leg}_number"),
            }
        ).data

    @extend_schema(responses=LegSerializer)
    def get_arrival(self, plan) -> dict:
        return self._leg(plan, "arrival")

    @extend_schema(responses=LegSerializer)
    def get_departure(self, plan) -> dict:
        return self._leg(plan, "departure")

    def to_representation(self, plan):
        data = super().to_representation(plan)
        if not self.context.get("show_visa"):
            data.pop("visa", None)
        return data


class TravelPlanInSerializer(serializers.Serializer):
    """Local dates and times at each airport, as on the ticket."""

    arrival_date = serializers.CharField(required=False, allow_blank=True)
    arrival_time = serializers.CharField(required=False, allow_blank=True)
    arrival_airport = serializers.CharField(required=False, allow_blank=True)
    arrival_carrier = column_field(TravelPlan, "arrival_carrier", **OPTIONAL)
    arrival_number = column_field(TravelPlan, "arrival_number", **OPTIONAL)
    departure_date = serializers.CharField(required=False, allow_blank=True)
    departure_time = serializers.CharField(required=False, allow_blank=True)
    departure_airport = serializers.CharField(required=False, allow_blank=True)
    departure_carrier = column_field(TravelPlan, "departure_carrier", **OPTIONAL)
    departure_number = column_field(TravelPlan, "departure_number", **OPTIONAL)
    pickup_needed = serializers.BooleanField(required=False, default=False)
    lodging_kind = serializers.CharField(required=False, allow_blank=True)
    lodging_name = column_field(TravelPlan, "lodging_name", **OPTIONAL)
    room_sharing_with = column_field(TravelPlan, "room_sharing_with", **OPTIONAL)
    visa_letter_needed = serializers.BooleanField(required=False, default=False)
    notes = column_field(TravelPlan, "notes", **OPTIONAL)
    visa = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="nationality, passport_number, passport_expiry, date_of_birth "
        "(needs registration.change_visadetails).",
    )


def _event_filter(request):
    slug = request.query_params.get("event")
    return get_object_or_404(Event, slug=slug) if slug else None


class DelegationList(APIView):
    """Delegations with their member counts."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_delegation"]}

    @extend_schema(
        parameters=[EVENT_PARAMETER],
        responses={200: DelegationSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        delegations = selectors.get_delegation_list(_event_filter(request))
        return Response(DelegationSerializer(delegations, many=True).data)


class DelegationDetail(APIView):
    """One delegation with its members, their order status, consent and letter status."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_delegation"]}

    @extend_schema(responses={200: DelegationDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        delegation = get_object_or_404(selectors.get_delegation_list(), pk=pk)
        data = DelegationSerializer(delegation).data
        data["members"] = MemberSerializer(
            selectors.get_delegation_members(delegation), many=True
        ).data
        return Response(data)


def _plans_for(request, queryset):
    show_visa = staff_access.can_see_passport_details(request.user)
    if show_visa:
        queryset = queryset.select_related("attendee__visa")
    plans = list(queryset)
    if show_visa:
        for plan in plans:
            plan.visa = getattr(plan.attendee, "visa", None)
    return plans, show_visa


class TravelPlanList(APIView):
    """Travel plans of registered attendees, arrivals first."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_travelplan"]}

    @extend_schema(
        parameters=[EVENT_PARAMETER],
        responses={200: TravelPlanSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        plans, show_visa = _plans_for(
            request, selectors.get_travel_plans(_event_filter(request))
        )
        return Response(
            TravelPlanSerializer(
                plans, many=True, context={"show_visa": show_visa}
            ).data
        )


class AttendeeTravel(APIView):
    """Read or replace one attendee's travel plan (and passport details)."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {
        "GET": ["registration.view_travelplan"],
        "PUT": ["registration.change_travelplan", "registration.add_travelplan"],
    }

    def _attendee(self, attendee_id):
        return get_object_or_404(
            Attendee.objects.select_related("order__event"), pk=attendee_id
        )

    def _answer(self, request, attendee):
        queryset = TravelPlan.objects.select_related(
            "attendee__order", "attendee__delegation"
        ).filter(attendee=attendee)
        plans, show_visa = _plans_for(request, queryset)
        if not plans:
            return Response({"code": "not_found", "detail": "No travel plan."}, 404)
        return Response(
            TravelPlanSerializer(plans[0], context={"show_visa": show_visa}).data
        )

    @extend_schema(responses={200: TravelPlanSerializer, **ERRORS})
    def get(self, request, attendee_id: int):
        return self._answer(request, self._attendee(attendee_id))

    @extend_schema(
        request=TravelPlanInSerializer, responses={200: TravelPlanSerializer, **ERRORS}
    )
    def put(self, request, attendee_id: int):
        attendee = self._attendee(attendee_id)
        incoming = TravelPlanInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        visa = data.pop("visa", None)
        if visa is not None and not (
            request.user.has_perm(CHANGE_VISA)
            and staff_access.can_see_passport_details(request.user)
        ):
            raise PermissionDenied(
                "Passport details need the Travel desk's permission."
            )
        try:
            travel.save_member_travel(attendee, travel=data, visa=visa, by=request.user)
        except travel.TravelInvalid as exc:
            errors: dict[str, list[dict]] = {}
            for error in exc.errors:
                field = error.field or "non_field_errors"
                if visa is not None and field in travel.VISA_FIELDS:
                    field = f"visa.{field}"
                errors.setdefault(field, []).append(
                    {"code": error.code, "message": error.message}
                )
            return invalid_response(errors)
        return self._answer(request, attendee)


urlpatterns = [
    path("delegations/", DelegationList.as_view(), name="delegation_list"),
    path("delegations/<id:pk>/", DelegationDetail.as_view(), name="delegation_detail"),
    path("travel-plans/", TravelPlanList.as_view(), name="travel_plan_list"),
    path(
        "attendees/<id:attendee_id>/travel/",
        AttendeeTravel.as_view(),
        name="attendee_travel",
    ),
]
