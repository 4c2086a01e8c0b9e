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
from registration.models.network import (
    Delegation,
    DelegationBilling,
    DelegationInvoice,
    DelegationStatus,
    Exchange,
    ExchangeDirection,
    ExchangeKind,
    LodgingKind,
    Partnership,
    PartnershipContact,
    PartnershipKind,
    PartnershipStatus,
    Programme,
    TravelPlan,
    VisaDetails,
    VisaLetter,
    VisaLetterStatus,
)
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
    "DelegationBilling",
    "DelegationInvoice",
    "DelegationStatus",
    "Event",
    "EventKind",
    "Exchange",
    "ExchangeDirection",
    "ExchangeKind",
    "Extra",
    "GuardianConsent",
    "LodgingKind",
    "MemberOrganisation",
    "Order",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Partnership",
    "PartnershipContact",
    "PartnershipKind",
    "PartnershipStatus",
    "PaymentMethod",
    "Programme",
    "Question",
    "QuestionKind",
    "TicketType",
    "TravelPlan",
    "VisaDetails",
    "VisaLetter",
    "VisaLetterStatus",
    "Voucher",
    "VoucherKind",
    "WaitingListEntry",
    "WaitingListStatus",
    "YouthDetails",
    "hash_token",
]

# Door check-in (issue 6).
from registration.models.checkin import (
    CheckIn,
    CheckInList,
    CheckInResult,
    CheckInType,
    Device,
)

__all__ += ["CheckIn", "CheckInList", "CheckInResult", "CheckInType", "Device"]

# Payments (issue 4).
from registration.models.payments import (  # noqa: E402
    COUNTED_REFUND_STATUSES,
    OPEN_PAYMENT_STATUSES,
    SETTLED_DISPUTE_STATUSES,
    BillingDetails,
    CreditNote,
    DisputeStatus,
    DocumentCounter,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundPolicy,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)

__all__ += [
    "COUNTED_REFUND_STATUSES",
    "OPEN_PAYMENT_STATUSES",
    "SETTLED_DISPUTE_STATUSES",
    "BillingDetails",
    "CreditNote",
    "DisputeStatus",
    "DocumentCounter",
    "Invoice",
    "InvoiceStatus",
    "Payment",
    "PaymentProvider",
    "PaymentStatus",
    "Refund",
    "RefundOrigin",
    "RefundPolicy",
    "RefundStatus",
    "StripeEvent",
    "StripeEventStatus",
]

# Badge printing (issue 5).
from registration.models.badges import (  # noqa: E402
    BadgePrint,
    BadgePrintJob,
    BadgePrintJobStatus,
    BadgeSort,
)
from registration.models.events import BadgeLayout  # noqa: E402

__all__ += [
    "BadgeLayout",
    "BadgePrint",
    "BadgePrintJob",
    "BadgePrintJobStatus",
    "BadgeSort",
]

# Staff data: exports and reports (issue 7).
from registration.models.events import QuestionReport  # noqa: E402
from registration.models.exports import (  # noqa: E402
    ExportJob,
    ExportJobStatus,
    ExportKind,
)

__all__ += ["ExportJob", "ExportJobStatus", "ExportKind", "QuestionReport"]
