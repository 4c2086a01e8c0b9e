from registration.models.audit import ActivityLog
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
from registration.models.network import Delegation
from registration.models.orders import (
    ORDER_TRANSITIONS,
    Answer,
    Attendee,
    AttendeeExtra,
    Order,
    OrderStatus,
)
from registration.models.outbox import OutboxMessage, OutboxStatus

__all__ = [
    "ORDER_TRANSITIONS",
    "ActivityLog",
    "Answer",
    "Attendee",
    "AttendeeExtra",
    "Delegation",
    "Event",
    "EventKind",
    "Extra",
    "Order",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Question",
    "QuestionKind",
    "TicketType",
    "Voucher",
    "VoucherKind",
]
