from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.catalogue.services import pricing
from registration.errors import OrderError
from registration.models import VoucherKind
from tests.factories import ExtraFactory, TicketTypeFactory, VoucherFactory
from tests.factories.registration_more import MemberOrganisationFactory


def quote(event, ticket_types, **kwargs):
    return pricing.quote_order(
        event, attendees=[(tt, []) for tt in ticket_types], **kwargs
    )


@pytest.mark.django_db
def test_quote_without_discount_is_the_sum_of_list_prices(event, delegate):
    day_pass = TicketTypeFactory(event=event, price=Decimal("120.00"))
    result = quote(event, [delegate, delegate, day_pass])
    assert result.total == Decimal("1020.00")
    assert result.voucher_uses == 0


@pytest.mark.django_db
def test_percent_voucher_rounds_half_up_per_line(event):
    ticket = TicketTypeFactory(event=event, price=Decimal("10.05"))
    voucher = VoucherFactory(
        event=event, kind=VoucherKind.PERCENT, value=Decimal("12.5")
    )
    # 10.05 × 0.875 = 8.79375 → 8.79, twice.
    result = quote(event, [ticket, ticket], voucher=voucher)
    assert [line.price for line in result.attendees] == [
        Decimal("8.79"),
        Decimal("8.79"),
    ]
    assert result.total == Decimal("17.58")
    assert result.voucher_uses == 2


@pytest.mark.django_db
def test_percent_voucher_half_cent_rounds_up(event):
    ticket = TicketTypeFactory(event=event, price=Decimal("0.05"))
    voucher = VoucherFactory(event=event, kind=VoucherKind.PERCENT, value=Decimal("50"))
    assert quote(event, [ticket], voucher=voucher).total == Decimal("0.03")


@pytest.mark.django_db
def test_fixed_voucher_takes_an_amount_off_and_never_goes_below_zero(event, delegate):
    cheap = TicketTypeFactory(event=event, price=Decimal("30.00"))
    voucher = VoucherFactory(
        event=event, kind=VoucherKind.FIXED, value=Decimal("50.00")
    )
    result = quote(event, [delegate, cheap], voucher=voucher)
    assert [line.price for line in result.attendees] == [
        Decimal("400.00"),
        Decimal("0.00"),
    ]


@pytest.mark.django_db
def test_set_price_voucher_sets_the_ticket_price(event, delegate):
    voucher = VoucherFactory(
        event=event, kind=VoucherKind.SET_PRICE, value=Decimal("99.00")
    )
    assert quote(event, [delegate], voucher=voucher).total == Decimal("99.00")


@pytest.mark.django_db
def test_voucher_with_scope_applies_only_to_its_ticket_types(event, delegate):
    speaker = TicketTypeFactory(event=event, price=Decimal("200.00"))
    voucher = VoucherFactory(
        event=event, kind=VoucherKind.PERCENT, value=Decimal("100")
    )
    voucher.ticket_types.set([speaker])
    result = quote(event, [delegate, speaker], voucher=voucher)
    assert [line.price for line in result.attendees] == [
        Decimal("450.00"),
        Decimal("0.00"),
    ]
    assert result.voucher_uses == 1


@pytest.mark.django_db
def test_extras_keep_their_price_under_a_voucher(event, delegate):
    gala = ExtraFactory(event=event, price=Decimal("85.50"))
    voucher = VoucherFactory(event=event, kind=VoucherKind.PERCENT, value=Decimal("50"))
    result = pricing.quote_order(event, attendees=[(delegate, [gala])], voucher=voucher)
    assert result.total == Decimal("310.50")


@pytest.mark.django_db
def test_yen_prices_round_to_whole_yen(event):
    event.currency = "JPY"
    ticket = TicketTypeFactory(event=event, price=Decimal("5001"))
    voucher = VoucherFactory(event=event, kind=VoucherKind.PERCENT, value=Decimal("10"))
    # 4500.9 → 4501
    assert quote(event, [ticket], voucher=voucher).total == Decimal("4501")


@pytest.mark.django_db
def test_member_code_gives_the_member_price(event):
    ticket = TicketTypeFactory(
        event=event, price=Decimal("450.00"), member_price=Decimal("375.00")
    )
    other = TicketTypeFactory(event=event, price=Decimal("100.00"))
    member = MemberOrganisationFactory()
    result = quote(event, [ticket, other], member=member)
    assert [line.price for line in result.attendees] == [
        Decimal("375.00"),
        Decimal("100.00"),
    ]


@pytest.mark.django_db
def test_voucher_applies_to_the_member_price(event):
    ticket = TicketTypeFactory(
        event=event, price=Decimal("450.00"), member_price=Decimal("300.00")
    )
    voucher = VoucherFactory(event=event, kind=VoucherKind.PERCENT, value=Decimal("10"))
    member = MemberOrganisationFactory()
    assert quote(event, [ticket], voucher=voucher, member=member).total == Decimal(
        "270.00"
    )


@pytest.mark.django_db
def test_find_voucher_ignores_case(event):
    voucher = VoucherFactory(event=event, code="Sister2026")
    assert pricing.find_voucher(event, " sister2026 ", now=timezone.now()) == voucher


@pytest.mark.django_db
def test_find_voucher_refuses_unknown_code(event):
    with pytest.raises(OrderError) as raised:
        pricing.find_voucher(event, "NOPE", now=timezone.now())
    assert (raised.value.code, raised.value.field) == (
        "voucher_unknown",
        "voucher_code",
    )


@pytest.mark.django_db
def test_find_voucher_refuses_before_valid_from_and_from_valid_until(event):
    now = timezone.now()
    VoucherFactory(event=event, code="EARLY", valid_from=now + timedelta(hours=1))
    VoucherFactory(event=event, code="LATE", valid_until=now)
    with pytest.raises(OrderError) as early:
        pricing.find_voucher(event, "EARLY", now=now)
    with pytest.raises(OrderError) as late:
        pricing.find_voucher(event, "LATE", now=now)
    assert early.value.code == "voucher_not_yet_valid"
    assert late.value.code == "voucher_expired"


@pytest.mark.django_db
def test_find_voucher_of_another_event_is_unknown(event):
    VoucherFactory(code="OTHER")
    with pytest.raises(OrderError) as raised:
        pricing.find_voucher(event, "OTHER", now=timezone.now())
    assert raised.value.code == "voucher_unknown"


@pytest.mark.django_db
def test_member_code_limited_to_other_events_is_unknown(event):
    member = MemberOrganisationFactory(code="TOULOUSE")
    member.events.set([TicketTypeFactory().event])
    with pytest.raises(OrderError) as raised:
        pricing.find_member_organisation(event, "toulouse", now=timezone.now())
    assert (raised.value.code, raised.value.field) == (
        "member_code_unknown",
        "member_code",
    )


@pytest.mark.django_db
def test_expired_and_inactive_member_codes_are_refused(event):
    now = timezone.now()
    MemberOrganisationFactory(code="OLD", valid_until=now - timedelta(days=1))
    MemberOrganisationFactory(code="GONE", is_active=False)
    with pytest.raises(OrderError) as old:
        pricing.find_member_organisation(event, "OLD", now=now)
    with pytest.raises(OrderError) as gone:
        pricing.find_member_organisation(event, "GONE", now=now)
    assert old.value.code == "member_code_expired"
    assert gone.value.code == "member_code_unknown"


@pytest.mark.django_db
def test_member_code_for_this_event_is_found(event):
    member = MemberOrganisationFactory(code="LYON")
    member.events.set([event])
    assert pricing.find_member_organisation(event, "lyon", now=timezone.now()) == member


@pytest.mark.django_db
def test_sale_window_of_a_ticket_type(event, delegate):
    now = timezone.now()
    delegate.available_from = now + timedelta(hours=1)
    assert (
        pricing.sale_window_error(delegate, event=event, now=now) == "not_on_sale_yet"
    )
    delegate.available_from = None
    delegate.available_until = now
    assert (
        pricing.sale_window_error(delegate, event=event, now=now) == "no_longer_on_sale"
    )
    delegate.available_until = now + timedelta(seconds=1)
    assert pricing.sale_window_error(delegate, event=event, now=now) is None


@pytest.mark.django_db
def test_hidden_ticket_type_is_visible_only_with_an_unlocking_voucher(event):
    hidden = TicketTypeFactory(event=event, hidden_unless_voucher=True)
    plain = VoucherFactory(event=event)
    unlocking = VoucherFactory(event=event, unlocks_hidden_tickets=True)
    assert pricing.is_ticket_type_visible(hidden, voucher=None) is False
    assert pricing.is_ticket_type_visible(hidden, voucher=plain) is False
    assert pricing.is_ticket_type_visible(hidden, voucher=unlocking) is True
