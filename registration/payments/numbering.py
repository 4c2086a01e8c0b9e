"""Yearly document numbers without gaps (visa letters, delegation invoices).

The same scheme as invoice numbers in services/payments.py, on the same
DocumentCounter table: the counter row is locked until the caller's
transaction commits, so two documents never share a number and a rolled-back
document gives its number back. Call inside `transaction.atomic()`.
"""

from registration.models import DocumentCounter


def next_document_number(series: str, year: int) -> int:
    counter, _created = DocumentCounter.objects.get_or_create(series=series, year=year)
    locked = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    return locked.last_number
