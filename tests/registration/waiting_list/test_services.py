from datetime import timedelta

import pytest
from django.utils import timezone

from registration.errors import OrderInvalid, SoldOut, WaitingListError
from registration.models import OrderStatus, PaymentMethod, WaitingListStatus
from registration.orders import services as orders
from registration.waiting_list import services as waiting_list
from tests.factories import TicketTypeFactory
from tests.registration.conftest import attendee, buyer


@pytest.fixture
def ticket(event):
    return TicketTypeFactory(event=event, name="Delegate", capacity=1)


def place(event, ticket, now=None, **kwargs):
    return orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(ticket)],
        payment_method=PaymentMethod.CARD,
        now=now,
        **kwargs,
    )


def join(event, ticket, email="wendy@example.org", **kwargs):
    return waiting_list.join_waiting_list(
        event, ticket_type=ticket, name="Wendy", email=email, **kwargs
    )


def test_join_waiting_list_only_when_sold_out(event, ticket):
    with pytest.raises(WaitingListError) as raised:
        join(event, ticket)
    assert (raised.value.code, raised.value.field) == ("not_sold_out", "ticket_type")
    place(event, ticket)
    entry = join(event, ticket)
    assert entry.status == WaitingListStatus.WAITING
    assert join(event, ticket, email="WENDY@example.org") == entry


def test_join_waiting_list_checks_name_and_email(event, ticket):
    place(event, ticket)
    with pytest.raises(WaitingListError) as raised:
        join(event, ticket, email="nope")
    assert (raised.value.code, raised.value.field) == ("invalid", "email")


def test_freed_seat_is_offered_to_the_first_in_line_for_48_hours(
    event, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    held = place(event, ticket, now=now)
    first = join(event, ticket, email="first@example.org")
    second = join(event, ticket, email="second@example.org")
    assert waiting_list.offer_waiting_list_places(now=now) == 0
    orders.cancel_order(held, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert waiting_list.offer_waiting_list_places(now=now) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        WaitingListStatus.OFFERED,
        WaitingListStatus.WAITING,
    )
    assert first.offer_expires_at == now + timedelta(hours=48)
    [mail] = mailoutbox
    assert mail.to == ["first@example.org"]
    assert mail.subject == "A place is free for you: Annual Conference"
    assert f"/waiting-list/offer/{first.token}/" in mail.body


def test_offered_seat_is_reserved_for_the_offer_holder(event, ticket):
    now = timezone.now()
    held = place(event, ticket, now=now)
    entry = join(event, ticket)
    orders.cancel_order(held, by=None)
    waiting_list.offer_waiting_list_places(now=now)
    with pytest.raises(SoldOut):
        place(event, ticket, now=now)
    order = place(event, ticket, now=now, waiting_list_token=entry.token)
    entry.refresh_from_db()
    assert (order.status, entry.status, entry.order) == (
        OrderStatus.PENDING,
        WaitingListStatus.ACCEPTED,
        order,
    )


def test_expired_offer_moves_on_to_the_next_in_line(event, ticket):
    now = timezone.now()
    held = place(event, ticket, now=now)
    first = join(event, ticket, email="first@example.org")
    second = join(event, ticket, email="second@example.org")
    orders.cancel_order(held, by=None)
    waiting_list.offer_waiting_list_places(now=now)
    later = now + timedelta(hours=49)
    assert waiting_list.expire_waiting_list_offers(now=later) == 1
    assert waiting_list.offer_waiting_list_places(now=later) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        WaitingListStatus.EXPIRED,
        WaitingListStatus.OFFERED,
    )
    with pytest.raises(OrderInvalid) as raised:
        place(event, ticket, now=later, waiting_list_token=first.token)
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("waiting_list_token", "offer_expired")
    ]


def test_offers_keep_strict_order_when_the_next_wants_more_places(event):
    ticket = TicketTypeFactory(event=event, capacity=2, max_per_order=5)
    now = timezone.now()
    held = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(ticket)] * 2,
        payment_method=PaymentMethod.CARD,
        now=now,
    )
    big = join(event, ticket, email="big@example.org", quantity=3)
    small = join(event, ticket, email="small@example.org")
    orders.cancel_order(held, by=None)
    assert waiting_list.offer_waiting_list_places(now=now) == 0
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == (
        WaitingListStatus.WAITING,
        WaitingListStatus.WAITING,
    )


def test_find_offer_refuses_unknown_and_expired_links(event, ticket):
    now = timezone.now()
    held = place(event, ticket, now=now)
    entry = join(event, ticket)
    orders.cancel_order(held, by=None)
    waiting_list.offer_waiting_list_places(now=now)
    assert waiting_list.find_offer(entry.token, now=now) == entry
    with pytest.raises(WaitingListError) as expired:
        waiting_list.find_offer(entry.token, now=now + timedelta(hours=48))
    with pytest.raises(WaitingListError) as unknown:
        waiting_list.find_offer("NOPE", now=now)
    assert (expired.value.code, unknown.value.code) == (
        "offer_expired",
        "unknown_token",
    )


# --- Offers of members-only and voucher-only ticket types, through the offer link ---


def gated(event, kind: str):
    """A sold-out ticket type of `kind` with the code that opens it, a code that
    does not, and the price the offer holder pays."""
    from decimal import Decimal

    from tests.factories import VoucherFactory
    from tests.factories.registration_more import MemberOrganisationFactory

    if kind == "member":
        ticket = TicketTypeFactory(
            event=event,
            name="Member delegate",
            price=Decimal("450.00"),
            member_price=Decimal("300.00"),
            members_only=True,
            capacity=1,
        )
        MemberOrganisationFactory(code="SCI-TOULOUSE")
        return (
            ticket,
            "SCI-TOULOUSE",
            ("NOT-A-MEMBER", "This member code is not known."),
            "300.00",
        )
    ticket = TicketTypeFactory(
        event=event,
        name="Invited speaker",
        price=Decimal("200.00"),
        hidden_unless_voucher=True,
        capacity=1,
    )
    unlocks = VoucherFactory(
        event=event, code="SPEAK26", value=Decimal("0"), unlocks_hidden_tickets=True
    )
    unlocks.ticket_types.set([ticket])
    VoucherFactory(event=event, code="TENOFF", value=Decimal("10"))
    return (
        ticket,
        "SPEAK26",
        ("TENOFF", "This voucher does not unlock Invited speaker."),
        "200.00",
    )


@pytest.mark.parametrize("kind", ["member", "voucher"])
def test_an_offer_of_a_ticket_sold_only_with_a_code_is_completed_through_its_link(
    client, event, kind
):
    ticket, code, (wrong, refusal), price = gated(event, kind)
    held = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(ticket)],
        payment_method=PaymentMethod.INVOICE,
        **({"member_code": code} if kind == "member" else {"voucher_code": code}),
    )
    # Anyone may be in line (the table lists members-only types publicly).
    entry = join(event, ticket)
    orders.cancel_order(held, by=None)
    assert waiting_list.offer_waiting_list_places() == 1
    link = f"/waiting-list/offer/{entry.token}/"
    attendees_step = f"/register/{event.slug}/attendees/"

    page = client.get(link)
    assert page.status_code == 200
    label = "Voucher code" if kind == "voucher" else "Member code"
    assert label in page.content.decode()

    for typed, message in [
        (
            "",
            "Enter your voucher code."
            if kind == "voucher"
            else "Enter your member code.",
        ),
        (wrong, refusal),
    ]:
        refused = client.post(link, {"code": typed})
        html = refused.content.decode()
        assert refused.status_code == 400
        assert message in html
        assert f'value="{typed}"' in html  # what was typed is kept
        entry.refresh_from_db()
        assert entry.status == WaitingListStatus.OFFERED

    accepted = client.post(link, {"code": code.lower()})
    assert accepted["Location"] == attendees_step
    client.post(
        attendees_step,
        {
            "buyer.name": "Wendy",
            "buyer.email": "wendy@example.org",
            "buyer.language": "en",
            "payment_method": "invoice",
            "attendees.0.given_name": "Wendy",
        },
    )
    placed = client.post(
        f"/register/{event.slug}/review/",
        {
            "expected_total": price,
            "billing_name": "City of Toulouse",
            "billing_address": "1 Place du Capitole, Toulouse",
            "privacy": "yes",
        },
    )

    assert placed.status_code == 302, placed.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.ACCEPTED
    order = entry.order
    assert (str(order.total), order.status) == (price, OrderStatus.PENDING)
    assert [a.ticket_type for a in order.attendees.all()] == [ticket]
    if kind == "member":
        assert order.member_organisation.code == "SCI-TOULOUSE"
    else:
        assert order.voucher.code == "SPEAK26"


def test_an_offer_of_an_open_ticket_type_asks_for_no_code(client, event, ticket):
    held = place(event, ticket)
    entry = join(event, ticket)
    orders.cancel_order(held, by=None)
    waiting_list.offer_waiting_list_places()

    assert waiting_list.offer_code_needed(entry) == ""
    assert waiting_list.check_offer_code(entry, "anything") == ("", "")
    response = client.get(f"/waiting-list/offer/{entry.token}/")
    assert response["Location"] == f"/register/{event.slug}/attendees/"
