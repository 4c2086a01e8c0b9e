from registration.models.access import ApiToken, hash_token
from registration.models.audit import ActivityLog
from registration.models.consent import ConsentText, GuardianConsent, YouthDetails
from registration.models.events import (
    Event,
    EventKind,
    Extra,
    Question,
    QuestionKind,
    TicketType,
    Voucher,
    VoucherKind,
)
from registration.models.members import MemberOrganisation
from registration.models.network import Delegation
from registration.models.orders import (
    LIVE_ORDER_STATUSES,
    ORDER_TRANSITIONS,
    Answer,
    Attendee,
    AttendeeExtra,
    Order,
    OrderStatus,
    PaymentMethod,
)
from registration.models.outbox import OutboxMessage, OutboxStatus
from registration.models.waiting import WaitingListEntry, WaitingListStatus

__all__ = [
    "LIVE_ORDER_STATUSES",
    "ORDER_TRANSITIONS",
    "ActivityLog",
    "Answer",
    "ApiToken",
    "Attendee",
    "AttendeeExtra",
    "ConsentText",
    "Delegation",
    "Event",
    "EventKind",
    "Extra",
    "GuardianConsent",
    "MemberOrganisation",
    "Order",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PaymentMethod",
    "Question",
    "QuestionKind",
    "TicketType",
    "Voucher",
    "VoucherKind",
    "WaitingListEntry",
    "WaitingListStatus",
    "YouthDetails",
    "hash_token",
]
