"""REST API v1: staff change a placed order — add or cancel attendees, change a
ticket type, add or remove extras, override a price — with the price
difference previewed first (`?preview=1`), through the same service as the
admin's "Change order" screen.

400 names each bad operation's field (`operations.2.ticket_type`, `reason`);
409 `sold_out` when a seat or extra it adds is gone, `price_changed` when the
new total is not the `expected_total` the caller confirmed, `order_closed`
for a canceled or expired order; 503 `busy` when the locks are not granted.
A change that would refund money needs the refund permission too.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.permissions import StaffWithPermissions
from registration.errors import OrderError, OrderInvalid
from registration.models import Order, OrderChange
from registration.orders.api.serializers import ErrorSerializer
from registration.orders.services import OPERATIONS, apply_change, preview_change
from registration.payments.services import plan_settlement
from registration.staff import access as staff_access

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


class OperationSerializer(serializers.Serializer):
    op = serializers.ChoiceField(OPERATIONS)
    attendee = serializers.JSONField(
        required=False,
        help_text="An attendee id of the order; for add_attendee, the new "
        "attendee's fields as at checkout (ticket_type, given_name, family_name, "
        "email, extras, answers, youth, ...).",
    )
    ticket_type = serializers.IntegerField(required=False)
    extra = serializers.IntegerField(required=False)
    price = serializers.CharField(
        required=False, max_length=20, help_text="Decimal, e.g. 120.00."
    )


class ChangeInSerializer(serializers.Serializer):
    operations = OperationSerializer(many=True, allow_empty=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Required when a price is overridden; sent to the buyer.",
    )
    refund_difference = serializers.BooleanField(
        default=True, help_text="Refund what the buyer overpaid (false: keep it)."
    )
    expected_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="The new total the preview showed; another one is a 409.",
    )


class ChangeLineSerializer(serializers.Serializer):
    person = serializers.CharField()
    what = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class ChangeOutSerializer(serializers.Serializer):
    preview = serializers.BooleanField()
    change = serializers.IntegerField(allow_null=True)
    order = serializers.CharField()
    old_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    new_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    difference = serializers.DecimalField(max_digits=12, decimal_places=2)
    lines = ChangeLineSerializer(many=True)
    settlement = serializers.DictField()
    settlement_summary = serializers.CharField()


class ChangeRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderChange
        fields = [
            "id",
            "status",
            "lines",
            "reason",
            "old_total",
            "new_total",
            "settlement",
            "by_staff",
            "created_at",
            "applied_at",
        ]


def _operations(data: dict) -> list[dict]:
    return [{k: v for k, v in op.items() if v is not None} for op in data["operations"]]


class OrderChanges(APIView):
    """GET: the order's changes, newest first. POST: preview (`?preview=1`) or
    apply a change; the answer lists the lines, the old and new totals and how
    the money is settled (refund, new invoice, balance to pay)."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {
        "GET": ["registration.view_order"],
        "POST": ["registration.change_order"],
    }

    @extend_schema(responses={200: ChangeRecordSerializer(many=True), **ERRORS})
    def get(self, request, code: str):
        order = get_object_or_404(Order, code=code.upper())
        return Response(ChangeRecordSerializer(order.changes.all(), many=True).data)

    @extend_schema(
        request=ChangeInSerializer,
        parameters=[OpenApiParameter("preview", bool, description="Only preview.")],
        responses={200: ChangeOutSerializer, 201: ChangeOutSerializer, **ERRORS},
    )
    def post(self, request, code: str):
        order = get_object_or_404(
            Order.objects.select_related("event"), code=code.upper()
        )
        serializer = ChangeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        operations = _operations(data)
        refund = data["refund_difference"]
        only_preview = request.query_params.get("preview") in {"1", "true", "yes"}
        try:
            plan = preview_change(
                order, operations, as_staff=True, reason=data.get("reason", "")
            )
        except OrderInvalid:
            raise
        except OrderError as error:
            return Response(
                {"code": error.code, "detail": error.message},
                status=status.HTTP_409_CONFLICT,
            )
        settlement = plan_settlement(
            order, new_total=plan.new_total, refund_difference=refund
        )
        if settlement.refund and not staff_access.can_refund(request.user):
            raise PermissionDenied(
                "This change refunds money: it needs the refund permission, or "
                "refund_difference false."
            )
        change = None
        if not only_preview:
            change = apply_change(
                order,
                operations,
                by=request.user,
                as_staff=True,
                reason=data.get("reason", ""),
                refund_difference=refund,
                expected_total=data.get("expected_total"),
            )
        body = {
            "preview": only_preview,
            "change": change.pk if change else None,
            "order": order.code,
            "old_total": plan.old_total,
            "new_total": plan.new_total,
            "difference": plan.difference,
            "lines": [line.as_dict() for line in plan.lines],
            "settlement": change.settlement if change else settlement.as_dict(),
            "settlement_summary": settlement.summary,
        }
        return Response(
            ChangeOutSerializer(body).data,
            status=status.HTTP_200_OK if only_preview else status.HTTP_201_CREATED,
        )
