"""Staff integration lists: `/api/v1/orders/` and `/api/v1/attendees/`.

Paginated (`page`, `page_size` up to 200) and filterable; the same permission
rules as the admin: `registration.view_order` for orders and
`registration.view_attendee` for attendees, and youth details only for users
holding `registration.view_youthdetails` (otherwise `youth` is null).
"""

import django_filters
from django.db.models import Prefetch, Q
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from registration.api.filters import IdFilter, UtcIsoDateTimeFilter
from registration.api.permissions import StaffWithPermissions
from registration.models import Attendee, Order, OrderStatus, PaymentMethod
from registration.orders.api.serializers import (
    AttendeeOutSerializer,
    OrderOutSerializer,
)
from registration.orders.selectors import consent_missing


class StaffListPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OrderListFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(
        field_name="event__slug", help_text="The event's slug."
    )
    status = django_filters.MultipleChoiceFilter(
        choices=OrderStatus.choices, help_text="Repeat to ask for several."
    )
    payment_method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    created_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive."
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive."
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Orders changed at or after this time (ISO 8601), for syncing.",
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Part of the code, buyer name, e-mail or organisation.",
    )

    class Meta:
        model = Order
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value)
            | Q(buyer_name__icontains=value)
            | Q(buyer_email__icontains=value)
            | Q(buyer_organisation__icontains=value)
        )


class OrderList(generics.ListAPIView):
    """Orders with their attendees, newest first."""

    serializer_class = OrderOutSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_order"]}
    pagination_class = StaffListPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderListFilter

    def get_queryset(self):
        return (
            Order.objects.select_related("event", "voucher")
            .prefetch_related(
                Prefetch(
                    "attendees",
                    queryset=Attendee.objects.select_related(
                        "ticket_type", "youth__consent"
                    ).prefetch_related("attendeeextra_set__extra", "answers"),
                )
            )
            .order_by("-created_at", "-pk")
        )


class AttendeeListSerializer(AttendeeOutSerializer):
    order = serializers.CharField(source="order.code")
    order_status = serializers.CharField(source="order.status")
    event = serializers.CharField(source="order.event.slug")
    delegation = serializers.SerializerMethodField()
    # Plain text here: a second enum of the same languages would clash in the
    # schema with the one AttendeeOut already names.
    language = serializers.CharField(help_text="Language code: en, es or fr.")

    class Meta(AttendeeOutSerializer.Meta):
        fields = [
            "id",
            "order",
            "order_status",
            "event",
            "delegation",
            *AttendeeOutSerializer.Meta.fields[1:],
        ]

    def get_delegation(self, attendee) -> dict | None:
        if attendee.delegation is None:
            return None
        return {"id": attendee.delegation_id, "name": attendee.delegation.name}


class AttendeeListFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(
        field_name="order__event__slug", help_text="The event's slug."
    )
    ticket_type = IdFilter(field_name="ticket_type_id")
    delegation = IdFilter(field_name="delegation_id")
    order_status = django_filters.MultipleChoiceFilter(
        field_name="order__status",
        choices=OrderStatus.choices,
        help_text="Repeat to ask for several.",
    )
    consent_missing = django_filters.BooleanFilter(
        method="filter_consent_missing",
        help_text="true: only attendees whose guardian consent is still missing.",
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Part of the badge, given or family name, e-mail or organisation.",
    )

    class Meta:
        model = Attendee
        fields = []

    def filter_consent_missing(self, queryset, name, value):
        return (
            queryset.filter(consent_missing())
            if value
            else queryset.exclude(consent_missing())
        )

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(badge_name__icontains=value)
            | Q(badge_name_latin__icontains=value)
            | Q(given_name__icontains=value)
            | Q(family_name__icontains=value)
            | Q(email__icontains=value)
            | Q(organisation__icontains=value)
        )


class AttendeeList(generics.ListAPIView):
    """Attendees of every order, by family name."""

    serializer_class = AttendeeListSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_attendee"]}
    pagination_class = StaffListPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AttendeeListFilter

    def get_queryset(self):
        return (
            Attendee.objects.select_related(
                "order__event", "ticket_type", "delegation", "youth__consent"
            )
            .prefetch_related("attendeeextra_set__extra", "answers")
            .order_by("family_name", "given_name", "pk")
        )
