"""Buyer-facing payment addresses (language-prefixed); the webhook is in conference/urls.py."""

from django.urls import path

from registration.payments import views as payments

app_name = "payments"

urlpatterns = [
    path("payments/<str:code>/<str:secret>/pay/", payments.pay, name="pay"),
    path("payments/<str:code>/<str:secret>/done/", payments.done, name="done"),
    path(
        "payments/<str:code>/<str:secret>/canceled/",
        payments.canceled,
        name="canceled",
    ),
    path(
        "orders/<str:code>/<str:secret>/receipts/<int:payment_id>/",
        payments.receipt,
        name="receipt",
    ),
    path("orders/<str:code>/<str:secret>/invoice/", payments.invoice, name="invoice"),
    path(
        "orders/<str:code>/<str:secret>/credit-note/",
        payments.credit_note,
        name="credit_note",
    ),
    path(
        "orders/<str:code>/<str:secret>/credit-notes/<int:note_id>/",
        payments.credit_note,
        name="credit_note_pdf",
    ),
]
