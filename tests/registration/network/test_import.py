"""Import of partnerships and exchanges: dry run reports, confirm writes all or nothing."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from registration.models import Exchange, Partnership, PartnershipStatus
from registration.network.services import ImportFileError, import_network_file
from tests.factories.partnerships import PartnershipFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

PARTNERSHIP_HEADER = (
    "kind,local_name,local_region,local_country,partner_name,partner_region,"
    "partner_country,status,signed_on,signed_by,programmes,description\n"
)
GOOD_PARTNERSHIPS = PARTNERSHIP_HEADER + (
    "city,Tulsa,Oklahoma,US,Nadi,Western,FJ,active,2025-04-02,The two mayors,7 for 70,Port towns\n"
    "Sister state,Hawaii,,US,Ngaraard,,Palau,Proposed,,,,\n"
)
BAD_PARTNERSHIPS = PARTNERSHIP_HEADER + (
    "city,Tulsa,Oklahoma,US,Nadi,Western,FJ,active,2025-04-02,,7 for 70,\n"
    "town,Eugene,Oregon,US,Apia,,Samoa,active,2025-13-40,,,\n"
    "city,Boise,Idaho,US,Suva,,Atlantis,active,,,Eight for eighty,\n"
    "city,Reno,Nevada,US,Carson,,US,active,,,,\n"
)
EXCHANGE_HEADER = (
    "local_community,partner_community,kind,title,starts_on,ends_on,direction,"
    "participants,volunteers,jobs_created,aid_value,aid_currency,summary,outcomes\n"
)


def csv(text: str) -> bytes:
    return text.encode()


@pytest.fixture
def seven_for_seventy(db):
    return ProgrammeFactory(name="7 for 70", slug="7-for-70")


def test_dry_run_previews_rows_and_writes_nothing(seven_for_seventy):
    report = import_network_file(
        "partnerships",
        content=csv(GOOD_PARTNERSHIPS),
        filename="partners.csv",
        confirm=False,
    )

    assert [(r.line, r.status, r.label, r.errors) for r in report.rows] == [
        (2, "new", "Tulsa – Nadi", []),
        (3, "new", "Hawaii – Ngaraard", []),
    ]
    assert report.written is False
    assert Partnership.objects.count() == 0


def test_confirm_writes_every_row_with_codes_labels_and_programmes(seven_for_seventy):
    report = import_network_file(
        "partnerships",
        content=csv(GOOD_PARTNERSHIPS),
        filename="partners.csv",
        confirm=True,
    )

    assert report.written is True
    tulsa, hawaii = Partnership.objects.order_by("local_name").reverse()
    assert (tulsa.local_name, tulsa.partner_country.code, tulsa.status) == (
        "Tulsa",
        "FJ",
        PartnershipStatus.ACTIVE,
    )
    assert tulsa.signed_on == date(2025, 4, 2)
    assert list(tulsa.programmes.values_list("name", flat=True)) == ["7 for 70"]
    assert (hawaii.kind, hawaii.partner_country.code, hawaii.status) == (
        "state",
        "PW",
        PartnershipStatus.PROPOSED,
    )


def test_importing_the_same_file_again_updates_instead_of_doubling(seven_for_seventy):
    for _ in range(2):
        import_network_file(
            "partnerships",
            content=csv(GOOD_PARTNERSHIPS),
            filename="partners.csv",
            confirm=True,
        )
    report = import_network_file(
        "partnerships",
        content=csv(GOOD_PARTNERSHIPS),
        filename="partners.csv",
        confirm=False,
    )

    assert Partnership.objects.count() == 2
    assert [r.status for r in report.rows] == ["update", "update"]


def test_bad_rows_are_all_reported_with_their_columns_and_nothing_is_written(
    seven_for_seventy,
):
    for confirm in (False, True):
        report = import_network_file(
            "partnerships",
            content=csv(BAD_PARTNERSHIPS),
            filename="partners.csv",
            confirm=confirm,
        )
        assert report.written is False
        assert Partnership.objects.count() == 0

    errors = {row.line: row.errors for row in report.rows}
    assert errors[2] == []
    assert errors[3] == [
        ("kind", "“town” is not one of city, county, state, friendship."),
        (
            "signed_on",
            "“2025-13-40” is not a date; write it as YYYY-MM-DD, such as 2025-04-02.",
        ),
    ]
    assert [column for column, _m in errors[4]] == ["partner_country", "programmes"]
    assert errors[4][0][1] == "“Atlantis” is not a country code or name."
    assert errors[4][1][1] == "There is no programme named “Eight for eighty”."
    assert errors[5] == [
        (
            "partner_country",
            "The partner community is in another country than the local one.",
        )
    ]


def test_exchanges_import_finds_their_partnership_and_checks_aid_currency():
    PartnershipFactory(local_name="Tulsa", partner_name="Nadi", partner_country="FJ")
    good = EXCHANGE_HEADER + (
        "Tulsa,Nadi,youth,Reef science camp,2025-07-01,2025-07-14,sent,12,3,,,,Camp,\n"
        "tulsa,NADI,Humanitarian aid,Cyclone relief,2025-02-01,,hosted,0,40,2,15000.50,fjd,,\n"
    )
    bad = EXCHANGE_HEADER + (
        "Tulsa,Lautoka,youth,Lost,2025-07-01,,sent,1,1,0,,,,\n"
        "Tulsa,Nadi,sports,Rugby,2025-08-01,2025-07-01,sent,-4,0,0,500,,,\n"
    )

    bad_report = import_network_file(
        "exchanges", content=csv(bad), filename="x.csv", confirm=True
    )
    good_report = import_network_file(
        "exchanges", content=csv(good), filename="x.csv", confirm=True
    )

    assert [row.errors for row in bad_report.rows] == [
        [
            (
                "partner_community",
                "There is no partnership between “Tulsa” and “Lautoka”; import or add the partnership first.",
            )
        ],
        [
            ("ends_on", "The end date is before the start date."),
            ("participants", "Ensure this value is greater than or equal to 0."),
            ("aid_currency", "Give the currency of the aid value, such as USD."),
        ],
    ]
    assert good_report.written is True
    relief = Exchange.objects.get(title="Cyclone relief")
    assert (relief.aid_value, relief.aid_currency, relief.volunteers) == (
        Decimal("15000.50"),
        "FJD",
        40,
    )
    assert Exchange.objects.count() == 2


def test_xlsx_files_import_like_csv(seven_for_seventy):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in GOOD_PARTNERSHIPS.splitlines():
        sheet.append(line.split(","))
    sheet["I2"] = date(2025, 4, 2)  # a real date cell, as Excel stores it
    buffer = io.BytesIO()
    book.save(buffer)

    report = import_network_file(
        "partnerships", content=buffer.getvalue(), filename="P.XLSX", confirm=True
    )

    assert report.written is True
    assert Partnership.objects.get(local_name="Tulsa").signed_on == date(2025, 4, 2)


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"a,b\n1,2\n", "partners.txt", "file_type"),
        (PARTNERSHIP_HEADER.encode(), "partners.csv", "empty"),
        (b"local_name,partner_name\nTulsa,Nadi\n", "p.csv", "missing_columns"),
        ("local_name\nZürich\n".encode("latin-1"), "p.csv", "encoding"),
    ],
)
def test_unreadable_files_are_refused_naming_the_problem(content, filename, code):
    with pytest.raises(ImportFileError) as refused:
        import_network_file(
            "partnerships", content=content, filename=filename, confirm=False
        )
    assert (refused.value.code, refused.value.field) == (code, "file")
