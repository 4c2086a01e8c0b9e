"""Network reads: directory filters, impact sums per currency, programme progress."""

from datetime import date
from decimal import Decimal

import pytest

from registration.network.selectors import (
    AidTotal,
    get_directory_choices,
    get_exchange_years,
    get_network_impact,
    get_partnership_directory,
    get_programme_progress,
)
from tests.factories.partnerships import (
    ExchangeFactory,
    PartnershipFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchanges(db):
    nadi = PartnershipFactory(local_name="Tulsa", partner_name="Nadi")
    apia = PartnershipFactory(
        local_name="Honolulu", partner_name="Apia", partner_country="WS"
    )
    rows = [
        (nadi, "youth", date(2024, 7, 1), 18, 6, 0, None, ""),
        (nadi, "humanitarian", date(2025, 11, 3), 4, 22, 3, "48000.00", "USD"),
        (apia, "humanitarian", date(2025, 8, 18), 2, 8, 0, "65000.00", "WST"),
        (apia, "business_trade", date(2026, 3, 2), 12, 3, 14, None, ""),
        (
            apia,
            "community_development",
            date(2026, 6, 1),
            15,
            40,
            6,
            "120000.55",
            "USD",
        ),
        (nadi, "humanitarian", date(2026, 2, 1), 0, 5, 0, "1500000", "JPY"),
    ]
    for partnership, kind, starts_on, people, helpers, jobs, aid, currency in rows:
        ExchangeFactory(
            partnership=partnership,
            kind=kind,
            starts_on=starts_on,
            participants=people,
            volunteers=helpers,
            jobs_created=jobs,
            aid_value=Decimal(aid) if aid else None,
            aid_currency=currency,
        )


def test_impact_sums_every_exchange_and_keeps_currencies_apart(
    exchanges, django_assert_num_queries
):
    with django_assert_num_queries(2):
        impact = get_network_impact()

    assert (
        impact.exchanges,
        impact.participants,
        impact.volunteers,
        impact.jobs_created,
    ) == (6, 51, 84, 23)
    assert impact.aid == [
        AidTotal("JPY", Decimal("1500000.00")),
        AidTotal("USD", Decimal("168000.55")),
        AidTotal("WST", Decimal("65000.00")),
    ]
    assert [total.display for total in impact.aid] == [
        "JPY 1,500,000",
        "USD 168,000.55",
        "WST 65,000.00",
    ]
    assert [(k.kind, k.exchanges, k.volunteers) for k in impact.by_kind] == [
        ("youth", 1, 6),
        ("business_trade", 1, 3),
        ("humanitarian", 3, 35),
        ("community_development", 1, 40),
    ]


def test_impact_of_a_year_range_counts_only_exchanges_starting_in_it(exchanges):
    impact = get_network_impact(year_from=2025, year_to=2025)
    since_2026 = get_network_impact(year_from=2026)

    assert (impact.exchanges, impact.participants, impact.volunteers) == (2, 6, 30)
    assert impact.aid == [
        AidTotal("USD", Decimal("48000.00")),
        AidTotal("WST", Decimal("65000.00")),
    ]
    assert (since_2026.exchanges, since_2026.jobs_created) == (3, 20)
    assert get_exchange_years() == (2024, 2026)


def test_impact_without_exchanges_is_all_zero():
    impact = get_network_impact()

    assert (impact.exchanges, impact.volunteers, impact.aid, impact.by_kind) == (
        0,
        0,
        [],
        [],
    )
    assert get_exchange_years() is None


def test_programme_progress_counts_active_partnerships_signed_by_the_target_date():
    seven = ProgrammeFactory(
        name="7 for 70", target_count=7, target_date=date(2026, 12, 31)
    )
    counted = [
        PartnershipFactory(local_name="Tulsa", signed_on=date(2025, 3, 14)),
        PartnershipFactory(local_name="Eugene", signed_on=date(2026, 12, 31)),
    ]
    not_counted = [
        PartnershipFactory(status="proposed", signed_on=None),
        PartnershipFactory(status="inactive", signed_on=date(2025, 1, 1)),
        PartnershipFactory(signed_on=date(2027, 1, 1)),
        PartnershipFactory(signed_on=None),
    ]
    for partnership in counted + not_counted:
        partnership.programmes.add(seven)
    PartnershipFactory(signed_on=date(2025, 5, 5))  # not in the programme

    progress = get_programme_progress(seven)

    assert [p.local_name for p in progress.partnerships] == ["Tulsa", "Eugene"]
    assert (progress.achieved, progress.target, progress.percent) == (2, 7, 28)


def test_progress_past_the_target_stops_the_bar_at_full():
    two = ProgrammeFactory(target_count=2)
    for _ in range(3):
        PartnershipFactory().programmes.add(two)

    progress = get_programme_progress(two)

    assert (progress.achieved, progress.percent) == (3, 100)


def test_directory_lists_active_partnerships_filtered_on_either_country():
    PartnershipFactory(
        local_name="Tulsa", local_region="Oklahoma", partner_country="FJ"
    )
    PartnershipFactory(
        local_name="Honolulu", local_region="Hawaii", partner_country="WS", kind="state"
    )
    PartnershipFactory(local_name="Boston", partner_country="JP", status="inactive")
    PartnershipFactory(local_name="Seattle", partner_country="MH", status="proposed")

    def names(**filters):
        return [p.local_name for p in get_partnership_directory(**filters)]

    assert names() == ["Honolulu", "Tulsa"]
    assert names(country="FJ") == ["Tulsa"]
    assert names(country="US") == ["Honolulu", "Tulsa"]
    assert names(state="hawaii") == ["Honolulu"]
    assert names(kind="state") == ["Honolulu"]
    assert names(country="JP") == []
    choices = get_directory_choices()
    assert choices.countries == [
        ("FJ", "Fiji"),
        ("WS", "Samoa"),
        ("US", "United States of America"),
    ]
    assert choices.states == ["Hawaii", "Oklahoma"]
    assert choices.kinds == [("city", "Sister city"), ("state", "Sister state")]
