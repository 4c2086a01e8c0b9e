"""REST API v1: events, orders. Thin: serializers check shapes, services decide."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.language import LANG_PARAMETER, InRequestLanguage
from registration.api.permissions import StaffWithPermissions
from registration.catalogue.selectors import get_event_catalogue
from registration.models import Attendee, Event, Order
from registration.orders.api.serializers import (
    CancelInSerializer,
    ErrorSerializer,
    EventDetailSerializer,
    EventListSerializer,
    OrderInSerializer,
    OrderOutSerializer,
)
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    YouthData,
    cancel_order,
    place_order,
    revive_order,
)

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


def order_queryset():
    return Order.objects.select_related("event", "voucher").prefetch_related(
        Prefetch(
            "attendees",
            queryset=Attendee.objects.select_related(
                "ticket_type", "youth__consent"
            ).prefetch_related("attendeeextra_set__extra", "answers"),
        )
    )


def buyer_data(values: dict) -> BuyerData:
    values = dict(values)
    accepted = values.pop("privacy_accepted", False)
    return BuyerData(**values, privacy_accepted_at=timezone.now() if accepted else None)


class EventList(InRequestLanguage, generics.ListAPIView):
    """All events, soonest first."""

    queryset = Event.objects.order_by("starts_at", "pk")
    serializer_class = EventListSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_event"]}

    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses={200: EventListSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EventDetail(InRequestLanguage, APIView):
    """One event with its ticket types, extras, prices, seats left and questions."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_event"]}

    @extend_schema(
        parameters=[LANG_PARAMETER], responses={200: EventDetailSerializer, **ERRORS}
    )
    def get(self, request, slug: str):
        event = get_object_or_404(Event, slug=slug)
        ticket_types, extras, availability = get_event_catalogue(event)
        event.question_list = list(event.questions.prefetch_related("ticket_types"))
        serializer = EventDetailSerializer(
            event,
            context={
                "request": request,
                "ticket_types": ticket_types,
                "extras": extras,
                "availability": availability,
            },
        )
        return Response(serializer.data)


class OrderCreate(APIView):
    """Place an order: the same service and rules as the web checkout.

    400 names each invalid field; 409 `sold_out` or `price_changed`; 503 `busy`
    with Retry-After when the capacity locks are not granted within 3 s.
    """

    permission_classes = [StaffWithPermissions]
    required_permissions = {"POST": ["registration.add_order"]}

    @extend_schema(
        request=OrderInSerializer,
        responses={
            201: OrderOutSerializer,
            409: ErrorSerializer,
            503: ErrorSerializer,
            **ERRORS,
        },
    )
    def post(self, request, slug: str):
        event = get_object_or_404(Event, slug=slug)
        serializer = OrderInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        attendees = []
        for item in data["attendees"]:
            youth = item.pop("youth", None)
            attendees.append(
                AttendeeData(**item, youth=YouthData(**youth) if youth else None)
            )
        order = place_order(
            event,
            buyer=buyer_data(data["buyer"]),
            attendees=attendees,
            payment_method=data["payment_method"],
            voucher_code=data.get("voucher_code") or None,
            member_code=data.get("member_code") or None,
            expected_total=data.get("expected_total"),
            waiting_list_token=data.get("waiting_list_token") or None,
            by=request.user,
        )
        # place_order hands back the order with its rows attached: no re-read.
        return Response(
            OrderOutSerializer(order, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class OrderDetail(APIView):
    """One order by its code, with attendees and the consent flag of each."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"GET": ["registration.view_order"]}

    @extend_schema(responses={200: OrderOutSerializer, **ERRORS})
    def get(self, request, code: str):
        order = get_object_or_404(order_queryset(), code=code.upper())
        return Response(OrderOutSerializer(order, context={"request": request}).data)


class OrderCancel(APIView):
    """Cancel an order (staff); the seats are free at once. 409 if it cannot be."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"POST": ["registration.change_order"]}

    @extend_schema(
        request=CancelInSerializer,
        responses={200: OrderOutSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request, code: str):
        order = get_object_or_404(
            Order.objects.select_related("event"), code=code.upper()
        )
        serializer = CancelInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancel_order(
            order, by=request.user, reason=serializer.validated_data.get("reason", "")
        )
        order = order_queryset().get(pk=order.pk)
        return Response(OrderOutSerializer(order, context={"request": request}).data)


class OrderRevive(APIView):
    """Revive an expired order, or a declined application (staff), when its places
    are still free: pending again with a new hold and the payment link sent to the
    buyer, or paid when there is nothing to pay.

    409 `sold_out` (field `attendees`, or `voucher_code`) when the places have
    gone, to other orders or to open waiting-list offers; 409 with field `status`
    when the order is not one that can be revived (`invalid_transition`, or
    `not_declined` for an order canceled rather than declined); 503 `busy` with
    Retry-After when the capacity locks are not granted within 3 s.
    """

    permission_classes = [StaffWithPermissions]
    required_permissions = {"POST": ["registration.change_order"]}

    @extend_schema(
        request=None,
        responses={
            200: OrderOutSerializer,
            409: ErrorSerializer,
            503: ErrorSerializer,
            **ERRORS,
        },
    )
    def post(self, request, code: str):
        order = get_object_or_404(
            Order.objects.select_related("event"), code=code.upper()
        )
        revive_order(order, by=request.user)
        order = order_queryset().get(pk=order.pk)
        return Response(OrderOutSerializer(order, context={"request": request}).data)
