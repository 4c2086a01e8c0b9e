"""The partnership directory and the network's impact figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Max,
    Min,
    Prefetch,
    Q,
    Sum,
)
from django_countries import countries as country_names

from registration.money import CURRENCY_DECIMALS, format_money
from registration.network.models import (
    Exchange,
    ExchangeKind,
    Partnership,
    PartnershipKind,
    PartnershipStatus,
    Programme,
)

# What the public directory may read of a partnership: never contacts, never the
# agreement file, never staff notes.
PUBLIC_PARTNERSHIP_FIELDS = (
    "id",
    "kind",
    "local_name",
    "local_region",
    "local_country",
    "partner_name",
    "partner_region",
    "partner_country",
    "signed_on",
    "description",
)


def get_partnership_directory(
    *, country: str = "", state: str = "", kind: str = ""
) -> list[Partnership]:
    """Active partnerships for the public directory, with their programmes.

    `country` matches either side (a US city or its partner abroad); `state` is
    the local state or region. Only public fields are loaded.
    """
    partnerships = Partnership.objects.filter(status=PartnershipStatus.ACTIVE).only(
        *PUBLIC_PARTNERSHIP_FIELDS
    )
    if country:
        partnerships = partnerships.filter(
            Q(local_country=country) | Q(partner_country=country)
        )
    if state:
        partnerships = partnerships.filter(local_region__iexact=state)
    if kind:
        partnerships = partnerships.filter(kind=kind)
    return list(
        partnerships.prefetch_related(
            Prefetch("programmes", queryset=Programme.objects.only("id", "name"))
        ).order_by("local_name", "partner_name", "pk")
    )


@dataclass(frozen=True)
class DirectoryChoices:
    """The values the directory's filters offer: only those that find something."""

    countries: list[tuple[str, str]]
    states: list[str]
    kinds: list[tuple[str, str]]


def get_directory_choices() -> DirectoryChoices:
    """Countries (either side), local states and kinds of the active partnerships."""
    rows = (
        Partnership.objects.filter(status=PartnershipStatus.ACTIVE)
        .values_list("local_country", "partner_country", "local_region", "kind")
        .distinct()
    )
    codes, states, kinds = set(), set(), set()
    for local_country, partner_country, region, kind in rows:
        codes.update((local_country, partner_country))
        if region:
            states.add(region)
        kinds.add(kind)
    countries = sorted(
        ((code, str(country_names.name(code) or code)) for code in codes if code),
        key=lambda pair: pair[1],
    )
    return DirectoryChoices(
        countries=countries,
        states=sorted(states, key=str.casefold),
        kinds=[
            (value, label) for value, label in PartnershipKind.choices if value in kinds
        ],
    )


@dataclass(frozen=True)
class AidTotal:
    """Humanitarian aid in one currency; amounts in different currencies never add up."""

    currency: str
    amount: Decimal

    @property
    def display(self) -> str:
        if self.currency in CURRENCY_DECIMALS:
            return format_money(self.amount, self.currency)
        return f"{self.currency} {self.amount:,.2f}".strip()


@dataclass(frozen=True)
class KindImpact:
    kind: str
    label: str
    exchanges: int
    participants: int
    volunteers: int
    jobs_created: int


@dataclass(frozen=True)
class NetworkImpact:
    """Figures summed from the Exchange records that start within the year range."""

    exchanges: int
    participants: int
    volunteers: int
    jobs_created: int
    aid: list[AidTotal]
    by_kind: list[KindImpact]
    year_from: int | None = None
    year_to: int | None = None


def _exchanges_in_years(year_from: int | None, year_to: int | None):
    exchanges = Exchange.objects.all()
    if year_from is not None:
        exchanges = exchanges.filter(starts_on__year__gte=year_from)
    if year_to is not None:
        exchanges = exchanges.filter(starts_on__year__lte=year_to)
    return exchanges


def get_network_impact(
    *, year_from: int | None = None, year_to: int | None = None
) -> NetworkImpact:
    """Volunteers, events, jobs, people and aid (per currency) of the exchanges.

    Two queries: the per-kind sums (the totals are their sums) and the aid per
    currency.
    """
    exchanges = _exchanges_in_years(year_from, year_to)
    rows = (
        exchanges.order_by()
        .values("kind")
        .annotate(
            n=Count("id"),
            people=Sum("participants"),
            helpers=Sum("volunteers"),
            jobs=Sum("jobs_created"),
        )
    )
    by_value = {row["kind"]: row for row in rows}
    by_kind = [
        KindImpact(
            kind=value,
            label=str(label),
            exchanges=by_value[value]["n"],
            participants=by_value[value]["people"] or 0,
            volunteers=by_value[value]["helpers"] or 0,
            jobs_created=by_value[value]["jobs"] or 0,
        )
        for value, label in ExchangeKind.choices
        if value in by_value
    ]
    aid = [
        AidTotal(currency=row["aid_currency"], amount=row["total"])
        for row in exchanges.filter(aid_value__isnull=False)
        .order_by()
        .values("aid_currency")
        .annotate(total=Sum("aid_value"))
        .order_by("aid_currency")
    ]
    return NetworkImpact(
        exchanges=sum(k.exchanges for k in by_kind),
        participants=sum(k.participants for k in by_kind),
        volunteers=sum(k.volunteers for k in by_kind),
        jobs_created=sum(k.jobs_created for k in by_kind),
        aid=aid,
        by_kind=by_kind,
        year_from=year_from,
        year_to=year_to,
    )


def get_exchange_years() -> tuple[int, int] | None:
    """The first and last year any exchange starts in, or None without exchanges."""
    bounds = Exchange.objects.aggregate(first=Min("starts_on"), last=Max("starts_on"))
    if bounds["first"] is None:
        return None
    return bounds["first"].year, bounds["last"].year


@dataclass(frozen=True)
class ProgrammeProgress:
    """A programme's count of active partnerships signed by its target date."""

    programme: Programme
    partnerships: list[Partnership]
    target: int | None

    @property
    def achieved(self) -> int:
        return len(self.partnerships)

    @property
    def percent(self) -> int:
        """Share of the target reached, 0–100 (a bar cannot run past full)."""
        if not self.target:
            return 100 if self.achieved else 0
        return min(100, self.achieved * 100 // self.target)


def get_programme_progress(programme: Programme) -> ProgrammeProgress:
    """Active partnerships in the programme signed on or before its target date."""
    partnerships = programme.partnerships.filter(
        status=PartnershipStatus.ACTIVE, signed_on__isnull=False
    )
    if programme.target_date:
        partnerships = partnerships.filter(signed_on__lte=programme.target_date)
    return ProgrammeProgress(
        programme=programme,
        partnerships=list(
            partnerships.only(*PUBLIC_PARTNERSHIP_FIELDS).order_by(
                "signed_on", "local_name"
            )
        ),
        target=programme.target_count,
    )
