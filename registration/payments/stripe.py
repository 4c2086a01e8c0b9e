"""The Stripe boundary: the one module that imports `stripe` (inside functions).

It speaks `StripeClient` (stripe 16: `client.v1.checkout.sessions.create(params=...)`)
and hands the rest of the code plain dicts, so nothing else depends on the
library's object types. Amounts cross here as integer minor units; callers
convert with `registration.money`.

Errors come out as two kinds: `StripeUnavailable` (network, Stripe's 5xx, rate
limits: the outcome is unknown, try again with the same idempotency key) and
`StripeRefused` (Stripe answered and said no: retrying changes nothing).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# Requests Stripe never answered are retried by the library with the same
# idempotency key.
MAX_NETWORK_RETRIES = 2

# The transport. None: the library's default HTTP client. Tests put a fake
# `stripe.HTTPClient` here so the real library still builds every request.
http_client = None

_clients: dict[str, tuple[Any, Any]] = {}
_clients_lock = threading.Lock()


class StripeError(Exception):
    """A Stripe call that did not succeed; `code` is Stripe's error code if any."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class StripeUnavailable(StripeError):
    """No usable answer (network, 5xx, 429): retry later with the same key."""


class StripeRefused(StripeError):
    """Stripe refused the request (4xx): retrying it the same way is useless."""


class WebhookSignatureError(Exception):
    """The payload is not signed with our webhook secret, or is too old."""


def is_enabled() -> bool:
    """True when card payments can be offered (a secret key is set)."""
    return bool(settings.STRIPE_SECRET_KEY)


def disabled_reason() -> str:
    """Why card payments are off, for staff; empty when they are on."""
    if not settings.STRIPE_SECRET_KEY:
        return (
            "STRIPE_SECRET_KEY is not set, so card payments are not offered. "
            "Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (see the README)."
        )
    if not settings.STRIPE_WEBHOOK_SECRET:
        return (
            "STRIPE_WEBHOOK_SECRET is not set: Stripe's webhooks cannot be "
            "verified, so card payments would never be confirmed."
        )
    return ""


def get_client():
    """The process's StripeClient for the configured key (one per key and transport)."""
    from stripe import StripeClient

    key = settings.STRIPE_SECRET_KEY
    if not key:
        raise StripeRefused("Card payments are not configured.", code="not_configured")
    with _clients_lock:
        cached = _clients.get(key)
        if cached is not None and cached[0] is http_client:
            return cached[1]
        client = StripeClient(
            key, http_client=http_client, max_network_retries=MAX_NETWORK_RETRIES
        )
        _clients[key] = (http_client, client)
    return client


def _plain(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _call(func, *args, **kwargs) -> dict:
    """Run one library call and translate its errors into ours."""
    import stripe

    try:
        return _plain(func(*args, **kwargs))
    except stripe.APIConnectionError as exc:
        raise StripeUnavailable(str(exc.user_message or exc)) from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        code = getattr(exc, "code", None) or ""
        message = str(exc.user_message or exc)
        if status is None or status >= 500 or status in {409, 429}:
            raise StripeUnavailable(message, code=code, status=status) from exc
        raise StripeRefused(message, code=code, status=status) from exc


# --- Checkout Sessions -----------------------------------------------------------------


def create_checkout_session(params: dict, *, idempotency_key: str) -> dict:
    """POST /v1/checkout/sessions with our idempotency key."""
    client = get_client()
    return _call(
        client.v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )


def retrieve_checkout_session(session_id: str) -> dict:
    """The session as Stripe has it now, with its PaymentIntent expanded."""
    client = get_client()
    return _call(
        client.v1.checkout.sessions.retrieve,
        session_id,
        params={"expand": ["payment_intent"]},
    )


def expire_checkout_session(session_id: str) -> dict:
    """Close an open session so it can no longer be paid."""
    client = get_client()
    return _call(
        client.v1.checkout.sessions.expire,
        session_id,
        options={"idempotency_key": f"sci-expire-{session_id}"},
    )


# --- PaymentIntents and refunds -----------------------------------------------------------


def retrieve_payment_intent(payment_intent_id: str) -> dict:
    client = get_client()
    return _call(client.v1.payment_intents.retrieve, payment_intent_id)


def retrieve_dispute(dispute_id: str) -> dict:
    """A dispute (chargeback or inquiry) as Stripe has it now: status, reason and
    the balance transactions that withdrew or reinstated its amount."""
    client = get_client()
    return _call(client.v1.disputes.retrieve, dispute_id)


def create_refund(
    payment_intent_id: str,
    *,
    amount: int,
    idempotency_key: str,
    metadata: dict[str, str],
) -> dict:
    """Refund `amount` minor units of a PaymentIntent."""
    client = get_client()
    return _call(
        client.v1.refunds.create,
        params={
            "payment_intent": payment_intent_id,
            "amount": amount,
            "reason": "requested_by_customer",
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )


def list_refunds(payment_intent_id: str) -> list[dict]:
    """Every refund of a PaymentIntent (all pages)."""
    client = get_client()
    page = _call_list(
        client.v1.refunds.list,
        params={"payment_intent": payment_intent_id, "limit": 100},
    )
    return page


def _call_list(func, *, params: dict) -> list[dict]:
    import stripe

    try:
        listing = func(params=params)
        return [_plain(item) for item in listing.auto_paging_iter()]
    except stripe.APIConnectionError as exc:
        raise StripeUnavailable(str(exc.user_message or exc)) from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        if status is None or status >= 500 or status in {409, 429}:
            raise StripeUnavailable(str(exc), status=status) from exc
        raise StripeRefused(str(exc), status=status) from exc


# --- Events ------------------------------------------------------------------------------


def list_events(*, created_gte: int, types: list[str]) -> list[dict]:
    """Stripe's events created since `created_gte` (epoch seconds), oldest first."""
    client = get_client()
    events = _call_list(
        client.v1.events.list,
        params={"created": {"gte": created_gte}, "types": types, "limit": 100},
    )
    return sorted(events, key=lambda event: (event["created"], event["id"]))


def construct_event(payload: bytes, signature_header: str | None) -> dict:
    """Verify a webhook's signature (300 s tolerance) and return the event as a dict.

    Raises WebhookSignatureError for a bad or missing signature, a timestamp
    older than the tolerance, or a body that is not an event.
    """
    import stripe
    from stripe import Webhook

    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = Webhook.construct_event(
            payload, signature_header, secret, tolerance=Webhook.DEFAULT_TOLERANCE
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureError(str(exc)) from exc
    except ValueError as exc:
        raise WebhookSignatureError(f"Not a JSON event: {exc}") from exc
    data = _plain(event)
    if not data.get("id") or not data.get("type"):
        raise WebhookSignatureError("Not a Stripe event")
    return data
