"""The Network menu group: programmes, partnerships (contacts, agreement,
exchanges on the inspect page), exchanges, and the CSV/XLSX import."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.documents import get_document_model

from registration.models import Exchange, Partnership
from tests.factories import UserFactory
from tests.factories.partnerships import (
    ExchangeFactory,
    PartnershipContactFactory,
    PartnershipFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

CONTACT_EMAIL = "mele.fifita@example.org"


def member_of(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.fixture
def partnership(db):
    partnership = PartnershipFactory(
        local_name="Tulsa", partner_name="Nadi", partner_country="FJ"
    )
    PartnershipContactFactory(
        partnership=partnership, name="Mele Fifita", email=CONTACT_EMAIL
    )
    ExchangeFactory(partnership=partnership, title="Reef science camp")
    return partnership


def staff_urls(partnership) -> list[str]:
    exchange = partnership.exchanges.get()
    return [
        reverse("partnerships:index"),
        reverse("partnerships:inspect", args=[partnership.pk]),
        reverse("partnerships:edit", args=[partnership.pk]),
        reverse("partnerships:add"),
        reverse("partnerships:import"),
        reverse("partnerships:import_csv"),
        reverse("exchanges:index"),
        reverse("exchanges:edit", args=[exchange.pk]),
        reverse("exchanges:import"),
        reverse("programmes:index"),
    ]


def test_editors_cannot_reach_any_network_screen(client, partnership):
    client.force_login(member_of("Editors", "editor"))

    responses = [client.get(url) for url in staff_urls(partnership)]
    posted = client.post(reverse("partnerships:import"), {"confirm": "1"})

    assert [refused(r) for r in responses] == [True] * len(responses)
    assert refused(posted)


def test_travel_desk_reads_partnerships_and_exchanges_but_changes_nothing(
    client, partnership
):
    client.force_login(member_of("Travel desk", "travel"))
    exchange = partnership.exchanges.get()

    listing = client.get(reverse("partnerships:index"))
    inspect = client.get(reverse("partnerships:inspect", args=[partnership.pk]))
    exchanges = client.get(reverse("exchanges:index"))
    writes = [
        client.get(reverse("partnerships:edit", args=[partnership.pk])),
        client.get(reverse("partnerships:add")),
        client.post(reverse("partnerships:delete", args=[partnership.pk])),
        client.post(
            reverse("exchanges:edit", args=[exchange.pk]), {"title": "Changed"}
        ),
        client.get(reverse("partnerships:import")),
        client.get(reverse("exchanges:import")),
    ]

    assert (listing.status_code, inspect.status_code, exchanges.status_code) == (
        200,
        200,
        200,
    )
    assert [refused(r) for r in writes] == [True] * len(writes)
    assert reverse("partnerships:import") not in listing.content.decode()
    # Contacts are for those holding their own permission.
    assert "Reef science camp" in inspect.content.decode()
    assert CONTACT_EMAIL not in inspect.content.decode()
    assert Exchange.objects.get().title == "Reef science camp"
    assert Partnership.objects.count() == 1


def test_manager_sees_exchanges_and_contacts_on_the_inspect_page(client, partnership):
    client.force_login(member_of("Registration managers", "manager"))
    ExchangeFactory(
        partnership=partnership,
        title="Cyclone relief",
        aid_value=900,
        aid_currency="FJD",
    )

    page = client.get(reverse("partnerships:inspect", args=[partnership.pk]))
    listing = client.get(reverse("partnerships:index"))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('href="/admin/exchanges/inspect/') == 2
    assert "Cyclone relief" in html
    assert "FJD 900.00" in html
    assert CONTACT_EMAIL in html
    assert reverse("partnerships:import") in listing.content.decode()


def partnership_post(**fields) -> dict:
    return {
        "kind": "city",
        "status": "active",
        "local_name": "Honolulu",
        "local_region": "Hawaii",
        "local_country": "US",
        "partner_name": "Apia",
        "partner_region": "Tuamasaga",
        "partner_country": "WS",
        "signed_on": "2025-03-14",
        "signed_by": "Mayor Blangiardi and Mayor Tuala",
        "description": "",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-side": "partner",
        "contacts-0-name": "Faafetai Lemalu",
        "contacts-0-role": "City clerk",
        "contacts-0-email": "f.lemalu@example.ws",
        "contacts-0-phone": "+685 555 0100",
        "contacts-0-ORDER": "1",
        "contacts-0-DELETE": "",
        **fields,
    }


def test_manager_adds_a_partnership_with_contacts_agreement_and_programme(client):
    client.force_login(member_of("Registration managers", "manager"))
    programme = ProgrammeFactory(name="7 for 70", slug="7-for-70")
    agreement = get_document_model().objects.create(
        title="Honolulu–Apia agreement",
        file=ContentFile(b"%PDF-1.4 signed", name="agreement.pdf"),
    )

    response = client.post(
        reverse("partnerships:add"),
        partnership_post(agreement=str(agreement.pk), programmes=[str(programme.pk)]),
    )

    assert response.status_code == 302
    partnership = Partnership.objects.get()
    assert (partnership.local_name, partnership.partner_country.code) == (
        "Honolulu",
        "WS",
    )
    assert partnership.agreement == agreement
    assert list(partnership.programmes.all()) == [programme]
    assert list(partnership.contacts.values_list("name", "email")) == [
        ("Faafetai Lemalu", "f.lemalu@example.ws")
    ]


def test_partnership_form_names_the_field_and_keeps_the_input(client):
    client.force_login(member_of("Registration managers", "manager"))

    response = client.post(
        reverse("partnerships:add"), partnership_post(partner_country="US")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "partner_country": [
            "The partner community is in another country than the local one."
        ]
    }
    assert 'value="Mayor Blangiardi and Mayor Tuala"' in response.content.decode()
    assert Partnership.objects.count() == 0


def test_exchange_form_refuses_aid_without_currency(client, partnership):
    client.force_login(member_of("Registration managers", "manager"))

    response = client.post(
        reverse("exchanges:add"),
        {
            "partnership": str(partnership.pk),
            "kind": "humanitarian",
            "direction": "sent",
            "title": "Water tanks",
            "starts_on": "2025-02-01",
            "ends_on": "",
            "participants": "0",
            "volunteers": "12",
            "jobs_created": "0",
            "aid_value": "2500",
            "aid_currency": "",
            "summary": "",
            "outcomes": "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "aid_currency": ["Give the currency of the aid value, such as USD."]
    }


@pytest.mark.parametrize("url_name", ["partnerships:index", "exchanges:index"])
def test_network_listings_query_count_does_not_grow_with_rows(client, url_name):
    client.force_login(member_of("Registration managers", "manager"))

    def count() -> int:
        client.get(reverse(url_name))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(url_name)).status_code == 200
        return len(captured)

    ExchangeFactory()
    few = count()
    for _ in range(15):
        ExchangeFactory()
    assert count() == few


# --- Import through the admin ---------------------------------------------------------

HEADER = (
    "kind,local_name,local_region,local_country,partner_name,partner_region,"
    "partner_country,status,signed_on,signed_by,programmes,description\n"
)
GOOD = HEADER + (
    "city,Tulsa,Oklahoma,US,Nadi,Western,FJ,active,2025-04-02,,,\n"
    "city,Eugene,Oregon,US,Apia,,WS,active,2025-05-02,,,\n"
)
BAD = GOOD + "city,Boise,Idaho,US,Suva,,Atlantis,active,2025-02-30,,,\n"


def upload(client, content: str, name: str = "partners.csv"):
    return client.post(
        reverse("partnerships:import"),
        {"file": ContentFile(content.encode(), name=name)},
    )


def test_import_with_a_bad_row_shows_every_error_and_writes_nothing(client):
    client.force_login(member_of("Registration managers", "manager"))

    response = upload(client, BAD)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-import="errors"' in html
    assert (
        "<strong>partner_country</strong>: “Atlantis” is not a country code or name."
        in html
    )
    assert "<strong>signed_on</strong>:" in html
    assert 'name="confirm"' not in html
    assert Partnership.objects.count() == 0
    # Confirming anyway (a forged or stale form) writes nothing either.
    confirm = client.post(
        reverse("partnerships:import"), {"confirm": "1", "token": "x"}
    )
    assert confirm.status_code == 302
    assert Partnership.objects.count() == 0


def test_import_previews_then_writes_everything_on_confirm(client):
    client.force_login(member_of("Registration managers", "manager"))

    preview = upload(client, GOOD)
    assert Partnership.objects.count() == 0
    token = preview.context["token"]
    assert 'data-import="ready"' in preview.content.decode()

    stale = client.post(reverse("partnerships:import"), {"confirm": "1", "token": "no"})
    assert Partnership.objects.count() == 0
    confirm = client.post(
        reverse("partnerships:import"), {"confirm": "1", "token": token}
    )

    assert stale.status_code == 302
    assert confirm.status_code == 302
    assert confirm.url == reverse("partnerships:index")
    assert sorted(Partnership.objects.values_list("local_name", "signed_on")) == [
        ("Eugene", date(2025, 5, 2)),
        ("Tulsa", date(2025, 4, 2)),
    ]
    # The preview is used once.
    again = client.post(
        reverse("partnerships:import"), {"confirm": "1", "token": token}
    )
    assert again.status_code == 302
    assert Partnership.objects.count() == 2


def test_import_refuses_an_unreadable_file_naming_the_field(client):
    client.force_login(member_of("Registration managers", "manager"))

    response = upload(client, "not a table", name="partners.pdf")

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}


def test_current_records_download_in_the_import_columns(client, partnership):
    client.force_login(member_of("Registration managers", "manager"))

    response = client.get(reverse("exchanges:import_csv"))

    lines = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == (
        "local_community,partner_community,kind,title,starts_on,ends_on,direction,"
        "participants,volunteers,jobs_created,aid_value,aid_currency,summary,outcomes"
    )
    assert lines[1].startswith("Tulsa,Nadi,youth,Reef science camp,2025-06-01,")
