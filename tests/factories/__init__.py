from tests.factories.events import (
    EventFactory,
    ExtraFactory,
    QuestionFactory,
    TicketTypeFactory,
    VoucherFactory,
)
from tests.factories.orders import (
    AttendeeFactory,
    DelegationFactory,
    OrderFactory,
    UserFactory,
)

__all__ = [
    "AttendeeFactory",
    "DelegationFactory",
    "EventFactory",
    "ExtraFactory",
    "OrderFactory",
    "QuestionFactory",
    "TicketTypeFactory",
    "UserFactory",
    "VoucherFactory",
]
