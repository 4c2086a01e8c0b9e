"""Yearly document numbers without gaps: invoices of orders and of delegations,
credit notes and visa letters, all from one function on the DocumentCounter table.

The counter row of a series and year is locked until the caller's transaction
commits, so two documents never share a number and a rolled-back document
gives its number back. Call inside `transaction.atomic()`.

Invoices of orders and invoices of delegations share the "invoice" series: one
run of numbers a year, whoever is billed.
"""

from __future__ import annotations

from dataclasses import dataclass

from registration.models import DocumentCounter

# How each series writes its numbers; a number once printed never changes shape.
NUMBER_FORMATS = {
    "invoice": "{year}-{sequence:05d}",
    "credit_note": "CN-{year}-{sequence:05d}",
    "visa_letter": "SCI-{year}-{sequence:04d}",
}


@dataclass(frozen=True)
class DocumentNumber:
    series: str
    year: int
    sequence: int

    @property
    def number(self) -> str:
        """The number as printed on the document (`2027-00042`, `CN-2027-00003`)."""
        return NUMBER_FORMATS[self.series].format(
            year=self.year, sequence=self.sequence
        )


def next_document_number(series: str, year: int) -> DocumentNumber:
    """The next number of a yearly series, gap-free: the counter row stays locked
    until the caller's transaction commits."""
    if series not in NUMBER_FORMATS:
        raise ValueError(f"Unknown document series {series!r}")
    counter, _created = DocumentCounter.objects.get_or_create(series=series, year=year)
    locked = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    return DocumentNumber(series=series, year=year, sequence=locked.last_number)
