"""Who may do what in the staff screens: one function per kind of action.

Each maps to one Django permission, given to the staff groups by migrations
0006_staff_groups, 0009_staff_actions and 0022_mailings:

| action | permission | groups |
|---|---|---|
| see orders and attendees | view_order, view_attendee | every staff group, not Editors |
| approve, decline, extend a hold, revive, cancel, resend e-mails, admit before payment | change_order | Registration managers |
| edit an attendee, reissue a ticket | change_attendee | Registration managers |
| mark an order paid (bank transfer) | add_payment | Finance |
| refund | add_refund | Finance |
| see payments, refunds, invoices | view_payment, view_refund, view_invoice | Finance, Registration managers |
| see dates of birth, guardians, medical data | view_youthdetails | Youth protection |
| offer or cancel a waiting-list place | change_waitinglistentry | Registration managers |
| create vouchers in bulk | add_voucher | Registration managers |
| see the activity log | view_activitylog | Registration managers, Finance |
| see reports (with revenue) | view_order and view_payment | Registration managers, Finance |
| download an attendee's data | view_attendee (youth, passport parts: their own) | every staff group |
| erase an attendee's personal data | delete_attendee | none by default (superusers) |
| write and send mailings, see the e-mail log, resend | send_mailing | Registration managers, Travel desk, Youth protection |
| mail guardians, filter by consent outstanding | send_mailing and view_youthdetails | Youth protection |

Superusers pass every check.
"""

from __future__ import annotations


def _has(user, codename: str) -> bool:
    return bool(user.is_active and user.has_perm(f"registration.{codename}"))


def can_view_orders(user) -> bool:
    return _has(user, "view_order")


def can_manage_orders(user) -> bool:
    """Approve, decline, extend holds, revive, cancel, resend e-mails, admit before
    payment."""
    return _has(user, "change_order")


def can_edit_attendees(user) -> bool:
    return _has(user, "change_attendee")


def can_mark_paid(user) -> bool:
    """Record a bank transfer: it writes a Payment row."""
    return _has(user, "add_payment")


def can_refund(user) -> bool:
    return _has(user, "add_refund")


def can_view_payments(user) -> bool:
    return _has(user, "view_payment")


def can_view_refunds(user) -> bool:
    return _has(user, "view_refund")


def can_view_invoices(user) -> bool:
    return _has(user, "view_invoice")


def can_see_youth_details(user) -> bool:
    """Dates of birth, guardians and medical data: the Youth protection group only."""
    return _has(user, "view_youthdetails")


def can_view_activity(user) -> bool:
    return _has(user, "view_activitylog")


def can_manage_waiting_list(user) -> bool:
    return _has(user, "change_waitinglistentry")


def can_create_vouchers(user) -> bool:
    return _has(user, "add_voucher")


def can_export_personal_data(user) -> bool:
    """Download one attendee's data (JSON); youth and passport parts need their own."""
    return _has(user, "view_attendee")


def can_see_passport_details(user) -> bool:
    """Passport numbers and expiry: the Travel desk only."""
    return _has(user, "view_visadetails")


def can_erase_personal_data(user) -> bool:
    """Anonymise an attendee: `delete_attendee`, held by no staff group by default
    (superusers, or whoever the data protection officer is given it)."""
    return _has(user, "delete_attendee")


def can_view_reports(user) -> bool:
    """Reports show revenue: Registration managers and Finance."""
    return _has(user, "view_order") and _has(user, "view_payment")


def can_send_mailings(user) -> bool:
    """Write, send and resend staff mailings; see the e-mail log."""
    return _has(user, "send_mailing")
