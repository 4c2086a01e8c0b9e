"""Payment endpoints of API v1: mark an invoice order paid, refund an order.

Mounted from registration/api/urls.py; staff tokens with the matching permissions.
"""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registration.api.permissions import StaffWithPermissions
from registration.models import Order, Payment, Refund
from registration.orders.api.serializers import ErrorSerializer
from registration.payments import services as payments

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


class MarkPaidInSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=200, help_text="The bank's reference.")
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=Decimal("0"),
        help_text="Checked against the order's total when given.",
    )


class RefundInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=Decimal("0.01"),
        help_text="Empty: everything still refundable.",
    )


class PaymentOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "provider",
            "status",
            "amount",
            "currency",
            "reference",
            "confirmed_at",
            "disputed_at",
        ]


class RefundOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "status",
            "amount",
            "currency",
            "origin",
            "reason",
            "created_at",
        ]


class MoneyOutSerializer(serializers.Serializer):
    order = serializers.CharField()
    status = serializers.CharField()
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    refunded = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    money_state = serializers.CharField()
    payments = PaymentOutSerializer(many=True)
    refunds = RefundOutSerializer(many=True)


def _money(order: Order) -> dict:
    order.refresh_from_db()
    summary = payments.summarize_order_money(order)
    return MoneyOutSerializer(
        {
            "order": order.code,
            "status": order.status,
            "paid": summary.paid,
            "refunded": summary.refunded,
            "currency": summary.currency,
            "money_state": summary.state,
            "payments": order.payments.order_by("pk"),
            "refunds": order.refunds.order_by("pk"),
        }
    ).data


class OrderMarkPaid(APIView):
    """Record the bank transfer that pays an invoice order (its reference is kept).

    An expired order is paid only if its places are still free: 409 `sold_out`.
    """

    permission_classes = [StaffWithPermissions]
    required_permissions = {"POST": ["registration.add_payment"]}

    @extend_schema(
        request=MarkPaidInSerializer, responses={200: MoneyOutSerializer, **ERRORS}
    )
    def post(self, request, code: str):
        order = get_object_or_404(Order, code=code.upper())
        serializer = MarkPaidInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payments.mark_paid_by_transfer(
            order,
            reference=data["reference"],
            amount=data.get("amount"),
            by=request.user,
        )
        return Response(_money(order))


class OrderRefund(APIView):
    """Refund part or all of what an order paid, with a reason for the buyer and the log."""

    permission_classes = [StaffWithPermissions]
    required_permissions = {"POST": ["registration.add_refund"]}

    @extend_schema(
        request=RefundInSerializer,
        responses={201: MoneyOutSerializer, **ERRORS},
    )
    def post(self, request, code: str):
        order = get_object_or_404(Order, code=code.upper())
        serializer = RefundInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payments.refund_order(
            order, amount=data.get("amount"), reason=data["reason"], by=request.user
        )
        return Response(_money(order), status=status.HTTP_201_CREATED)


urlpatterns = [
    path(
        "orders/<str:code>/mark-paid/", OrderMarkPaid.as_view(), name="order_mark_paid"
    ),
    path("orders/<str:code>/refunds/", OrderRefund.as_view(), name="order_refund"),
]
