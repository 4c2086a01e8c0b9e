"""Stripe replaced at its HTTP layer: the real `stripe` library builds every
request (headers, idempotency key, form encoding) and parses the fake's JSON.

`FakeStripe` keeps Checkout Sessions, PaymentIntents, refunds and events in
memory and answers like Stripe's API; test helpers move sessions along
(`pay`, `settle_async`, `expire`) and build events. `sign` makes a
`Stripe-Signature` header with the real HMAC-SHA256 scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from django.utils import timezone

from registration.models import OrderStatus, PaymentMethod
from registration.payments import stripe as stripe_api
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
)

WEBHOOK_SECRET = "whsec_test_secret"
WEBHOOK_URL = "/payments/stripe/webhook/"


def sign(
    payload: str | bytes, secret: str = WEBHOOK_SECRET, ts: int | None = None
) -> str:
    """A Stripe-Signature header: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>."""
    if isinstance(payload, bytes):
        payload = payload.decode()
    ts = int(time.time()) if ts is None else ts
    digest = hmac.new(
        secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={ts},v1={digest}"


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`a[b][0][c]=x`) back into nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part, _following in itertools.pairwise(parts):
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


@dataclass
class Request:
    method: str
    path: str
    params: dict
    headers: dict


class StripeAPIError(Exception):
    def __init__(self, status: int, message: str, code: str = ""):
        self.status, self.message, self.code = status, message, code


class FakeStripe(stripe.HTTPClient):
    name = "fake"

    def __init__(self):
        super().__init__()
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.events: list[dict] = []
        self.idempotent: dict[tuple[str, str], tuple[str, int]] = {}
        self.counter = itertools.count(1)
        self.refund_status = "succeeded"
        self.unavailable = False

    # --- the transport -------------------------------------------------------------

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        raw = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        params = _nest(parse_qsl(raw or parts.query, keep_blank_values=True))
        with self.lock:
            self.requests.append(
                Request(method.upper(), parts.path, params, dict(headers))
            )
            if self.unavailable:
                return json.dumps({"error": {"message": "down"}}), 503, {}
            key = headers.get("Idempotency-Key")
            if method == "post" and key and (parts.path, key) in self.idempotent:
                body, status = self.idempotent[(parts.path, key)]
                return body, status, {"Idempotent-Replayed": "true"}
            try:
                body, status = json.dumps(self._route(method, parts.path, params)), 200
            except StripeAPIError as error:
                body = json.dumps(
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "message": error.message,
                            "code": error.code,
                        }
                    }
                )
                status = error.status
            if method == "post" and key:
                self.idempotent[(parts.path, key)] = (body, status)
            return body, status, {"Request-Id": f"req_{next(self.counter)}"}

    def close(self):
        pass

    def _route(self, method, path, params):
        segments = path.strip("/").split("/")[1:]  # drop "v1"
        match method, segments:
            case "post", ["checkout", "sessions"]:
                return self._create_session(params)
            case "get", ["checkout", "sessions", session_id]:
                return self._session(
                    session_id, expand="payment_intent" in params.get("expand", [])
                )
            case "post", ["checkout", "sessions", session_id, "expire"]:
                return self._expire_session(session_id)
            case "get", ["payment_intents", intent_id]:
                return self._intent(intent_id)
            case "post", ["refunds"]:
                return self._create_refund(params)
            case "get", ["refunds"]:
                data = [
                    r
                    for r in self.refunds.values()
                    if r["payment_intent"] == params.get("payment_intent")
                ]
                return {
                    "object": "list",
                    "data": data,
                    "has_more": False,
                    "url": "/v1/refunds",
                }
            case "get", ["events"]:
                return self._list_events(params)
            case "get", ["disputes", dispute_id]:
                if dispute_id not in self.disputes:
                    raise StripeAPIError(
                        404, f"No such dispute: '{dispute_id}'", "resource_missing"
                    )
                return self.disputes[dispute_id]
        raise StripeAPIError(404, f"Unrecognized request URL ({method.upper()} {path})")

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self.counter)}"

    def _create_session(self, params):
        for name in ("mode", "line_items", "success_url", "cancel_url", "expires_at"):
            if name not in params:
                raise StripeAPIError(400, f"Missing required param: {name}.")
        expires_at = int(params["expires_at"])
        if expires_at < time.time() + 30 * 60:
            raise StripeAPIError(400, "expires_at must be at least 30 minutes from now")
        total = sum(
            int(item["price_data"]["unit_amount"]) * int(item["quantity"])
            for item in params["line_items"]
        )
        session_id = self._id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "expires_at": expires_at,
            "amount_total": total,
            "currency": params["line_items"][0]["price_data"]["currency"],
            "customer_email": params.get("customer_email"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "livemode": False,
        }
        self.sessions[session_id] = session
        self.session_params = getattr(self, "session_params", {})
        self.session_params[session_id] = params
        return session

    def _session(self, session_id, *, expand=False):
        if session_id not in self.sessions:
            raise StripeAPIError(
                404, f"No such checkout.session: '{session_id}'", "resource_missing"
            )
        session = dict(self.sessions[session_id])
        if expand and session["payment_intent"]:
            session["payment_intent"] = self.intents[session["payment_intent"]]
        return session

    def _expire_session(self, session_id):
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise StripeAPIError(
                400, "Only Checkout Sessions with a status of open can be expired."
            )
        session["status"] = "expired"
        return session

    def _intent(self, intent_id):
        if intent_id not in self.intents:
            raise StripeAPIError(
                404, f"No such payment_intent: '{intent_id}'", "resource_missing"
            )
        return self.intents[intent_id]

    def _create_refund(self, params):
        intent = self._intent(params["payment_intent"])
        refunded = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == intent["id"]
            and r["status"] in {"pending", "succeeded"}
        )
        amount = int(params.get("amount") or intent["amount_received"] - refunded)
        if refunded + amount > intent["amount_received"]:
            raise StripeAPIError(
                400,
                "Refund amount is greater than unrefunded amount",
                "amount_too_large",
            )
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": self.refund_status,
            "reason": params.get("reason"),
            "metadata": params.get("metadata", {}),
        }
        self.refunds[refund["id"]] = refund
        return refund

    def _list_events(self, params):
        since = int(params.get("created", {}).get("gte", 0))
        types = params.get("types") or []
        matching = sorted(
            (
                e
                for e in self.events
                if e["created"] >= since and (not types or e["type"] in types)
            ),
            key=lambda e: e["created"],
            reverse=True,
        )
        after = params.get("starting_after")
        if after:
            index = next(i for i, e in enumerate(matching) if e["id"] == after)
            matching = matching[index + 1 :]
        limit = int(params.get("limit", 10))
        return {
            "object": "list",
            "data": matching[:limit],
            "has_more": len(matching) > limit,
            "url": "/v1/events",
        }

    # --- what happens at Stripe's end --------------------------------------------------

    def pay(self, session_id: str, *, asynchronous: bool = False) -> dict:
        """The buyer pays on the hosted page (by card, or by a delayed method)."""
        with self.lock:
            session = self.sessions[session_id]
            params = self.session_params[session_id]
            intent_id = self._id("pi")
            self.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "amount_received": 0 if asynchronous else session["amount_total"],
                "currency": session["currency"],
                "status": "processing" if asynchronous else "succeeded",
                "latest_charge": self._id("ch"),
                "metadata": params.get("payment_intent_data", {}).get("metadata", {}),
            }
            session.update(
                status="complete",
                payment_status="unpaid" if asynchronous else "paid",
                payment_intent=intent_id,
            )
            return session

    def settle_async(self, session_id: str, *, succeeded: bool) -> dict:
        with self.lock:
            session = self.sessions[session_id]
            intent = self.intents[session["payment_intent"]]
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                session["payment_status"] = "paid"
            else:
                intent["status"] = "requires_payment_method"
            return session

    def expire(self, session_id: str) -> dict:
        with self.lock:
            return self._expire_session(session_id)

    def refund_in_dashboard(self, intent_id: str, amount: int) -> dict:
        with self.lock:
            return self._create_refund({"payment_intent": intent_id, "amount": amount})

    def open_dispute(
        self, intent_id: str, *, reason: str = "fraudulent", inquiry: bool = False
    ) -> dict:
        """The card holder disputes the payment with their bank."""
        with self.lock:
            intent = self.intents[intent_id]
            dispute = {
                "id": self._id("dp"),
                "object": "dispute",
                "amount": intent["amount_received"],
                "currency": intent["currency"],
                "charge": intent["latest_charge"],
                "payment_intent": intent_id,
                "reason": reason,
                "status": "warning_needs_response" if inquiry else "needs_response",
                "balance_transactions": [],
                "livemode": False,
            }
            self.disputes[dispute["id"]] = dispute
            return dispute

    def move_dispute(
        self, dispute_id: str, *, status: str | None = None, funds: str = ""
    ) -> dict:
        """Stripe moves a dispute on: a new status, and the disputed amount
        withdrawn from or reinstated to the balance (`funds`)."""
        with self.lock:
            dispute = self.disputes[dispute_id]
            if status:
                dispute["status"] = status
            if funds:
                sign = -1 if funds == "withdrawn" else 1
                dispute["balance_transactions"].append(
                    {
                        "id": self._id("txn"),
                        "object": "balance_transaction",
                        "amount": sign * dispute["amount"],
                        "reporting_category": "dispute"
                        if funds == "withdrawn"
                        else "dispute_reversal",
                    }
                )
            return dispute

    def event(self, event_type: str, obj: dict, *, created: int | None = None) -> dict:
        """An event as Stripe sends it, also kept for the events list."""
        with self.lock:
            event = {
                "id": self._id("evt"),
                "object": "event",
                "type": event_type,
                "created": int(time.time()) if created is None else created,
                "livemode": False,
                "api_version": "2026-10-28.endive",
                "data": {"object": json.loads(json.dumps(obj))},
            }
            self.events.append(event)
            return event

    def posts(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe()
    monkeypatch.setattr(stripe_api, "http_client", fake)
    return fake


def deliver(
    client,
    event: dict,
    *,
    ts: int | None = None,
    secret: str = WEBHOOK_SECRET,
    body: str | None = None,
):
    """POST an event to the webhook as Stripe does, signed."""
    payload = body if body is not None else json.dumps(event)
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(
            json.dumps(event) if body is None else payload, secret, ts
        ),
    )


def make_order(
    *,
    currency: str = "USD",
    prices: tuple[str, ...] = ("450.00",),
    extra_prices: tuple[str, ...] = (),
    capacity: int | None = None,
    status: str = OrderStatus.PENDING,
    payment_method: str = PaymentMethod.CARD,
    hold: timedelta = timedelta(minutes=30),
    event=None,
    ticket_type=None,
):
    """A pending order with one attendee per price (and extras on the first)."""
    from registration.models import AttendeeExtra
    from tests.factories import ExtraFactory

    event = event or EventFactory(currency=currency, contact_email="events@example.org")
    ticket_type = ticket_type or TicketTypeFactory(
        event=event, name="Delegate", price=Decimal(prices[0]), capacity=capacity
    )
    order = OrderFactory(
        event=event,
        status=status,
        payment_method=payment_method,
        expires_at=timezone.now() + hold,
        buyer_email="buyer@example.org",
        total=Decimal("0"),
    )
    total = Decimal("0")
    attendees = []
    for index, price in enumerate(prices):
        attendee = AttendeeFactory(
            order=order,
            ticket_type=ticket_type,
            price=Decimal(price),
            given_name=f"Guest{index}",
            family_name="Park",
        )
        attendees.append(attendee)
        total += Decimal(price)
    for price in extra_prices:
        extra = ExtraFactory(event=event, name="Gala dinner", price=Decimal(price))
        AttendeeExtra.objects.create(
            attendee=attendees[0], extra=extra, price=Decimal(price)
        )
        total += Decimal(price)
    order.total = total
    order.save(update_fields=["total"])
    return order
