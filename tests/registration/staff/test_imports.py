"""Imports (services/imports.py): dry run writes nothing, confirm writes all or nothing."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from registration.models import (
    ActivityLog,
    Attendee,
    MemberOrganisation,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentMethod,
    QuestionKind,
    Voucher,
    VoucherKind,
    YouthDetails,
)
from registration.staff.services import imports
from tests.factories import (
    DelegationFactory,
    EventFactory,
    ExtraFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import MemberOrganisationFactory

pytestmark = pytest.mark.django_db


def csv_dataset(text: str):
    return imports.read_dataset(text.encode(), file_name="list.csv")


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def staff():
    return UserFactory(username="importer", is_staff=True, is_superuser=True)


# --- Reading files ------------------------------------------------------------


def test_read_dataset_refuses_other_formats_and_bad_encoding():
    with pytest.raises(imports.ImportFileError) as error:
        imports.read_dataset(b"a,b", file_name="list.txt")
    assert error.value.code == "bad_format"
    with pytest.raises(imports.ImportFileError) as error:
        imports.read_dataset("name\nJosé".encode("latin-1"), file_name="list.csv")
    assert error.value.code == "bad_encoding"
    with pytest.raises(imports.ImportFileError) as error:
        imports.read_dataset(b"not a zip", file_name="list.xlsx")
    assert error.value.code == "unreadable"


def test_read_dataset_reads_xlsx_and_strips_the_excel_byte_order_mark():
    dataset = imports.read_dataset(
        xlsx_bytes([["name", "code"], ["Toulouse", "TLS"]]), file_name="m.xlsx"
    )
    assert dataset.headers == ["name", "code"]
    assert list(dataset) == [("Toulouse", "TLS")]
    dataset = imports.read_dataset(
        b"\xef\xbb\xbfname,code\r\nA,B\r\n", file_name="m.csv"
    )
    assert dataset.headers == ["name", "code"]


# --- Member organisations -------------------------------------------------------

MEMBERS_OK = """name,code,valid_until,is_active,events
City of Toulouse,TLS-2027,2027-12-31,yes,conf
Kyoto Prefecture,KYO,,,
"""


def test_member_import_dry_run_previews_and_writes_nothing(staff):
    EventFactory(slug="conf")
    MemberOrganisationFactory(name="Old Kyoto", code="kyo")
    result = imports.import_member_organisations(
        csv_dataset(MEMBERS_OK), commit=False, by=staff
    )
    assert result.has_errors is False
    assert [(row.number, row.action) for row in result.rows] == [
        (1, "new"),
        (2, "update"),
    ]
    assert result.committed is False
    assert list(MemberOrganisation.objects.values_list("name", "code")) == [
        ("Old Kyoto", "kyo")
    ]


def test_member_import_confirmed_adds_and_updates_by_code_in_any_case(staff):
    EventFactory(slug="conf")
    MemberOrganisationFactory(name="Old Kyoto", code="kyo")
    result = imports.import_member_organisations(
        csv_dataset(MEMBERS_OK), commit=True, by=staff
    )
    assert result.committed is True
    toulouse = MemberOrganisation.objects.get(code="TLS-2027")
    assert toulouse.valid_until == datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert toulouse.is_active is True
    assert list(toulouse.events.values_list("slug", flat=True)) == ["conf"]
    kyoto = MemberOrganisation.objects.get(code__iexact="kyo")
    assert (kyoto.name, kyoto.code) == ("Kyoto Prefecture", "KYO")
    assert MemberOrganisation.objects.count() == 2
    log = ActivityLog.objects.get(action="members.imported")
    assert log.data == {"new": 1, "updated": 1}


MEMBERS_BAD = """name,code,valid_until,is_active,events
City of Toulouse,TLS,2027-12-31,yes,
,NONAME,,,
Bad code,has space,,,
Sister City,SC,not a date,maybe,nowhere
"""


def test_member_import_with_bad_rows_reports_each_row_and_writes_nothing(staff):
    for commit in (False, True):
        result = imports.import_member_organisations(
            csv_dataset(MEMBERS_BAD), commit=commit, by=staff
        )
        assert result.has_errors is True
        assert result.committed is False
        errors = {
            row.number: sorted(col for col, _msg in row.errors) for row in result.rows
        }
        assert errors == {
            1: [],
            2: ["name"],
            3: ["code"],
            4: ["events", "is_active", "valid_until"],
        }
        assert result.error_row_count == 3
    assert MemberOrganisation.objects.count() == 0
    assert ActivityLog.objects.filter(action="members.imported").count() == 0


def test_member_import_needs_the_code_column(staff):
    result = imports.import_member_organisations(
        csv_dataset("name\nToulouse\n"), commit=True, by=staff
    )
    assert result.errors == ["The file has no column code."]
    assert MemberOrganisation.objects.count() == 0


# --- Vouchers ---------------------------------------------------------------------


def test_voucher_import_for_one_event_with_ticket_types(staff):
    event = EventFactory()
    delegate = TicketTypeFactory(event=event, name="Delegate")
    TicketTypeFactory(name="Delegate")  # another event's type of the same name
    Voucher.objects.create(event=event, code="EARLY", value=Decimal("5"))
    text = (
        "code,kind,value,max_uses,valid_until,ticket_types,unlocks_hidden_tickets,note\n"
        "early,percent,15,100,2027-01-31,Delegate,no,Early birds\n"
        "PRESS,set_price,0,,,,yes,\n"
    )
    result = imports.import_vouchers(event, csv_dataset(text), commit=True, by=staff)
    assert result.has_errors is False
    assert [row.action for row in result.rows] == ["update", "new"]
    early = Voucher.objects.get(event=event, code__iexact="EARLY")
    assert (early.kind, early.value, early.max_uses, early.note) == (
        VoucherKind.PERCENT,
        Decimal("15.00"),
        100,
        "Early birds",
    )
    assert list(early.ticket_types.all()) == [delegate]
    press = Voucher.objects.get(event=event, code="PRESS")
    assert (press.kind, press.unlocks_hidden_tickets) == (VoucherKind.SET_PRICE, True)


def test_voucher_import_with_bad_rows_writes_nothing(staff):
    event = EventFactory()
    text = (
        "code,kind,value,ticket_types\n"
        "GOOD,percent,10,\n"
        "TOOMUCH,percent,150,\n"
        "ODD,gift,10,\n"
        "NOTYPE,fixed,10,Astronaut\n"
    )
    result = imports.import_vouchers(event, csv_dataset(text), commit=True, by=staff)
    errors = {
        row.number: sorted(col for col, _msg in row.errors) for row in result.rows
    }
    assert errors == {1: [], 2: ["value"], 3: ["kind"], 4: ["ticket_types"]}
    assert Voucher.objects.count() == 0


# --- Delegation members ------------------------------------------------------------


@pytest.fixture
def summit():
    event = EventFactory(slug="yls", capacity=50)
    TicketTypeFactory(event=event, name="Delegate", price=Decimal("300.00"))
    TicketTypeFactory(
        event=event,
        name="Youth delegate",
        price=Decimal("150.00"),
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    ExtraFactory(event=event, name="Gala dinner", price=Decimal("80.00"))
    QuestionFactory(
        event=event,
        label="Diet",
        kind=QuestionKind.CHOICE,
        choices="None\nVegetarian\nVegan",
        required=True,
    )
    return event


def born(years_before_event: int, event) -> str:
    start = event.local_start_date()
    return date(start.year - years_before_event, 1, 15).isoformat()


def delegation_csv(event, *rows) -> str:
    header = "given_name,family_name,email,ticket_type,extras,country,date_of_birth,guardian_name,guardian_email,guardian_phone,Diet\n"
    return header + "".join(rows)


def order_data():
    return imports.DelegationOrderData(
        buyer_name="Claire Martin",
        buyer_email="leader@toulouse.example",
        payment_method=PaymentMethod.INVOICE,
    )


def test_delegation_import_dry_run_writes_nothing_and_queues_nothing(staff, summit):
    delegation = DelegationFactory(event=summit, name="Toulouse")
    text = delegation_csv(
        summit,
        "Claire,Martin,claire@example.org,Delegate,Gala dinner,FR,,,,,Vegetarian\n",
        f"Léa,Martin,,Youth delegate,,FR,{born(16, summit)},Paul Martin,paul@example.org,+33 6 00 00 00 00,None\n",
    )
    result = imports.import_delegation_members(
        delegation, csv_dataset(text), order=order_data(), commit=False, by=staff
    )
    assert result.has_errors is False
    assert [row.action for row in result.rows] == ["new", "new"]
    assert Order.objects.count() == 0
    assert Attendee.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_delegation_import_confirmed_places_one_order_in_the_delegation(staff, summit):
    delegation = DelegationFactory(event=summit, name="Toulouse")
    text = delegation_csv(
        summit,
        "Claire,Martin,claire@example.org,Delegate,Gala dinner,FR,,,,,Vegetarian\n",
        f"Léa,Martin,,youth delegate,,fr,{born(16, summit)},Paul Martin,paul@example.org,+33 6 00 00 00 00,None\n",
    )
    result = imports.import_delegation_members(
        delegation, csv_dataset(text), order=order_data(), commit=True, by=staff
    )
    assert result.has_errors is False
    order = Order.objects.get()
    assert result.order == order
    assert (order.status, order.payment_method, order.total, order.buyer_email) == (
        OrderStatus.PENDING,
        PaymentMethod.INVOICE,
        Decimal("530.00"),
        "leader@toulouse.example",
    )
    assert order.created_by == staff
    rows = list(
        order.attendees.order_by("pk").values_list(
            "given_name", "ticket_type__name", "country", "delegation__name"
        )
    )
    assert rows == [
        ("Claire", "Delegate", "FR", "Toulouse"),
        ("Léa", "Youth delegate", "FR", "Toulouse"),
    ]
    youth = YouthDetails.objects.get()
    assert youth.guardian_email == "paul@example.org"
    assert ActivityLog.objects.filter(action="delegation.members_imported").count() == 1


def test_delegation_import_with_bad_rows_names_row_and_column_and_writes_nothing(
    staff, summit
):
    delegation = DelegationFactory(event=summit, name="Toulouse")
    text = delegation_csv(
        summit,
        "Claire,Martin,claire@example.org,Delegate,,FR,,,,,Vegan\n",
        ",Nobody,not-an-email,Delegate,,FR,,,,,Vegan\n",
        "Ana,Ruiz,,Astronaut,Spa day,ES,,,,,Vegan\n",
        f"Léa,Martin,,Youth delegate,,FR,{born(30, summit)},,,,Chocolate\n",
        "Tom,Lee,,Delegate,,US,31/02/2010,,,,Vegan\n",
    )
    for commit in (False, True):
        result = imports.import_delegation_members(
            delegation, csv_dataset(text), order=order_data(), commit=commit, by=staff
        )
        errors = {
            row.number: sorted(col for col, _msg in row.errors) for row in result.rows
        }
        assert errors == {
            1: [],
            2: [],
            3: ["extras", "ticket_type"],
            4: [],
            5: ["date_of_birth"],
        }
        assert result.committed is False
    # Cell errors stop the run before the order service; once the file's cells
    # are right, the service's own checks come back per row.
    text = delegation_csv(
        summit,
        "Claire,Martin,claire@example.org,Delegate,,FR,,,,,Vegan\n",
        ",Nobody,not-an-email,Delegate,,FR,,,,,Vegan\n",
        f"Léa,Martin,,Youth delegate,,FR,{born(30, summit)},,,,Chocolate\n",
    )
    result = imports.import_delegation_members(
        delegation, csv_dataset(text), order=order_data(), commit=True, by=staff
    )
    errors = {
        row.number: sorted(col for col, _msg in row.errors) for row in result.rows
    }
    assert errors == {
        1: [],
        2: ["email", "given_name"],
        3: [
            "Diet",
            "date_of_birth",
            "guardian_email",
            "guardian_name",
            "guardian_phone",
        ],
    }
    assert Order.objects.count() == 0
    assert Attendee.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_delegation_import_sold_out_is_an_error_of_the_whole_file(staff, summit):
    summit.capacity = 1
    summit.save()
    delegation = DelegationFactory(event=summit)
    text = delegation_csv(
        summit,
        "Claire,Martin,,Delegate,,FR,,,,,Vegan\n",
        "Paul,Martin,,Delegate,,FR,,,,,Vegan\n",
    )
    result = imports.import_delegation_members(
        delegation, csv_dataset(text), order=order_data(), commit=True, by=staff
    )
    assert len(result.errors) == 1
    assert result.has_errors is True
    assert Order.objects.count() == 0


def test_delegation_import_refuses_files_over_one_order(staff, summit):
    delegation = DelegationFactory(event=summit)
    text = delegation_csv(summit, *["A,B,,Delegate,,FR,,,,,Vegan\n"] * 51)
    result = imports.import_delegation_members(
        delegation, csv_dataset(text), order=order_data(), commit=False, by=staff
    )
    assert result.errors == [
        "One import places one order of at most 50 people; split the file."
    ]


def test_delegation_import_reads_the_latin_transliteration_column(staff, summit):
    delegation = DelegationFactory(event=summit, name="Harbin")
    text = (
        "given_name,family_name,badge_name,badge_name_latin,ticket_type,Diet\n"
        "小明,王,王小明,Wang Xiaoming,Delegate,None\n"
    )

    result = imports.import_delegation_members(
        delegation, csv_dataset(text), order=order_data(), commit=True, by=staff
    )

    assert result.has_errors is False
    person = Attendee.objects.get()
    assert (person.badge_name, person.badge_name_latin) == ("王小明", "Wang Xiaoming")
