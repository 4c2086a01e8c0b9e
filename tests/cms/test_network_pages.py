"""The partnership directory and impact pages: filters, figures, privacy, queries."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model

from cms.models import ImpactPage, PartnershipDirectoryPage
from tests.factories.cms import add_child, build_site
from tests.factories.partnerships import (
    ExchangeFactory,
    PartnershipContactFactory,
    PartnershipFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES_PER_PAGE = 25


def queries_for(client, url: str) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def home(db):
    return build_site()


@pytest.fixture
def directory(home):
    return add_child(
        home,
        PartnershipDirectoryPage(
            title="Partnerships", slug="partnerships", intro="<p>Find a partner.</p>"
        ),
    )


@pytest.fixture
def seven(db):
    return ProgrammeFactory(
        name="7 for 70",
        slug="7-for-70",
        target_count=7,
        target_date=date(2026, 12, 31),
    )


@pytest.fixture
def impact_page(home, seven):
    return add_child(
        home,
        ImpactPage(
            title="Our impact", slug="impact", intro="<p>Numbers.</p>", programme=seven
        ),
    )


def listed(response) -> list[str]:
    return re.findall(r'class="community__name">([^<]+)<', response.content.decode())


@pytest.fixture
def partnerships(seven):
    tulsa = PartnershipFactory(
        local_name="Tulsa",
        local_region="Oklahoma",
        partner_name="Nadi",
        partner_country="FJ",
        signed_by="Mayor Secretsigner",
        description="Port towns on two oceans.",
    )
    tulsa.programmes.add(seven)
    honolulu = PartnershipFactory(
        local_name="Honolulu",
        local_region="Hawaii",
        partner_name="Apia",
        partner_country="WS",
        kind="state",
    )
    PartnershipFactory(local_name="Boston", partner_name="Kyoto", status="inactive")
    PartnershipContactFactory(
        partnership=tulsa, email="mele.private@example.org", phone="+679 555 0199"
    )
    tulsa.agreement = get_document_model().objects.create(
        title="Tulsa–Nadi agreement",
        file=ContentFile(b"%PDF-1.4", name="tulsa-nadi-agreement.pdf"),
    )
    tulsa.save()
    return tulsa, honolulu


def test_directory_lists_active_partnerships_and_no_private_data(
    client, directory, partnerships
):
    response = client.get(directory.url)
    html = response.content.decode()

    assert listed(response) == ["Honolulu", "Apia", "Tulsa", "Nadi"]
    assert "Kyoto" not in html
    assert "Port towns on two oceans." in html
    assert "7 for 70" in html
    for private in (
        "mele.private@example.org",
        "+679 555 0199",
        "Lani Contact",
        "tulsa-nadi-agreement",
        "Tulsa–Nadi agreement",
        "/documents/",
        "Mayor Secretsigner",
    ):
        assert private not in html
    assert "<caption" in html
    assert 'for="id_country"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?country=FJ", ["Tulsa", "Nadi"]),
        ("?country=US", ["Honolulu", "Apia", "Tulsa", "Nadi"]),
        ("?state=Hawaii", ["Honolulu", "Apia"]),
        ("?kind=state", ["Honolulu", "Apia"]),
        ("?country=WS&kind=city", []),
    ],
)
def test_directory_filters(client, directory, partnerships, query, expected):
    response = client.get(directory.url + query)

    assert listed(response) == expected


def test_directory_reports_a_bad_filter_and_keeps_the_good_ones(
    client, directory, partnerships
):
    response = client.get(directory.url + "?country=ZZ&kind=state")
    html = response.content.decode()

    assert response.status_code == 200
    assert listed(response) == ["Honolulu", "Apia"]
    assert response.context["form"].errors == {
        "country": ["Select a valid choice. ZZ is not one of the available choices."]
    }
    assert 'aria-invalid="true"' in html
    assert '<option value="state" selected>' in html


@pytest.fixture
def exchanges(partnerships):
    tulsa, honolulu = partnerships
    rows = [
        (tulsa, date(2024, 7, 1), 18, 6, 0, None, ""),
        (tulsa, date(2025, 11, 3), 4, 22, 3, "48000.00", "USD"),
        (honolulu, date(2025, 8, 18), 2, 8, 0, "65000.00", "WST"),
        (honolulu, date(2026, 6, 1), 15, 40, 6, "120000.55", "USD"),
    ]
    for partnership, starts_on, people, helpers, jobs, aid, currency in rows:
        ExchangeFactory(
            partnership=partnership,
            starts_on=starts_on,
            participants=people,
            volunteers=helpers,
            jobs_created=jobs,
            aid_value=Decimal(aid) if aid else None,
            aid_currency=currency,
        )


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">\s*(.*?)\s*</dd>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_impact_page_shows_the_sums_of_the_records(client, impact_page, exchanges):
    html = client.get(impact_page.url).content.decode()

    assert figure(html, "volunteers") == "76"
    assert figure(html, "exchanges") == "4"
    assert figure(html, "jobs") == "9"
    assert figure(html, "participants") == "39"
    assert figure(html, "aid") == "USD 168,000.55 WST 65,000.00"


def test_impact_page_filters_by_years(client, impact_page, exchanges):
    response = client.get(impact_page.url + "?year_from=2025&year_to=2025")
    html = response.content.decode()

    assert figure(html, "exchanges") == "2"
    assert figure(html, "volunteers") == "30"
    assert figure(html, "aid") == "USD 48,000.00 WST 65,000.00"
    assert "Exchanges starting 2025–2025" in html


def test_impact_page_names_a_backwards_year_range(client, impact_page, exchanges):
    response = client.get(impact_page.url + "?year_from=2026&year_to=2024")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "year_to": ["The last year comes before the first year."]
    }
    assert figure(response.content.decode(), "exchanges") == "1"  # 2026 onwards


def test_impact_page_shows_programme_progress_as_bar_and_text(
    client, impact_page, seven
):
    for n in range(3):
        PartnershipFactory(signed_on=date(2025, 1, n + 1)).programmes.add(seven)
    PartnershipFactory(status="proposed", signed_on=None).programmes.add(seven)

    html = client.get(impact_page.url).content.decode()

    assert (
        '<progress class="progress-bar" id="programme-progress" max="7" value="3"'
        in html
    )
    text = re.search(r'id="programme-progress-text"[^>]*>(.*?)</p>', html, re.S)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text.group(1))).strip() == (
        "3 of 7 active partnerships signed by 31 December 2026 (42%)"
    )


def test_network_pages_send_no_inline_script_or_style(
    client, directory, impact_page, exchanges
):
    for page in (directory, impact_page):
        response = client.get(page.url)
        html = response.content.decode()
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert " style=" not in html
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []


def test_network_page_queries_do_not_grow_with_records(
    client, directory, impact_page, seven
):
    def add_records(count: int):
        for _ in range(count):
            partnership = PartnershipFactory()
            partnership.programmes.add(seven, ProgrammeFactory())
            PartnershipContactFactory(partnership=partnership)
            ExchangeFactory(
                partnership=partnership, aid_value=Decimal("10"), aid_currency="USD"
            )

    add_records(1)
    small = [queries_for(client, directory.url), queries_for(client, impact_page.url)]
    add_records(12)
    large = [queries_for(client, directory.url), queries_for(client, impact_page.url)]

    assert large == small
    assert max(small) <= MAX_QUERIES_PER_PAGE
