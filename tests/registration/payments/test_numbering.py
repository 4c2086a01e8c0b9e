"""One gap-free numbering for invoices, credit notes, delegation invoices and visa letters."""

import pytest
from django.db import transaction

from registration.models import DocumentCounter
from registration.payments.numbering import next_document_number

pytestmark = pytest.mark.django_db


def test_each_series_keeps_its_printed_shape_and_runs_per_year():
    with transaction.atomic():
        numbers = [
            next_document_number("invoice", 2027).number,
            next_document_number("invoice", 2027).number,
            next_document_number("credit_note", 2027).number,
            next_document_number("visa_letter", 2027).number,
            next_document_number("invoice", 2028).number,
        ]

    assert numbers == [
        "2027-00001",
        "2027-00002",
        "CN-2027-00001",
        "SCI-2027-0001",
        "2028-00001",
    ]


def test_a_rolled_back_document_gives_its_number_back():
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        assert next_document_number("invoice", 2027).sequence == 1
        raise Abandoned

    with transaction.atomic():
        again = next_document_number("invoice", 2027)

    assert (again.sequence, again.number) == (1, "2027-00001")
    assert DocumentCounter.objects.get(series="invoice", year=2027).last_number == 1


def test_an_unknown_series_is_refused():
    with pytest.raises(ValueError, match="Unknown document series 'receipt'"):
        next_document_number("receipt", 2027)
