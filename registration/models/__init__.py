from registration.audit.models import ActivityLog
from registration.catalogue.models import (
    Event,
    EventKind,
    Extra,
    MemberOrganisation,
    Question,
    QuestionKind,
    TicketType,
    Voucher,
    VoucherKind,
)
from registration.consent.models import ConsentText, GuardianConsent, YouthDetails
from registration.network.models import (
    Exchange,
    ExchangeDirection,
    ExchangeKind,
    Partnership,
    PartnershipContact,
    PartnershipKind,
    PartnershipStatus,
    Programme,
)
from registration.orders.models import (
    LIVE_ORDER_STATUSES,
    ORDER_TRANSITIONS,
    Answer,
    Attendee,
    AttendeeExtra,
    Order,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
    PaymentMethod,
)
from registration.outbox.models import OutboxMessage, OutboxStatus
from registration.staff.models.access import ApiToken, hash_token
from registration.travel.models import (
    Delegation,
    DelegationBilling,
    DelegationInvoice,
    DelegationStatus,
    LodgingKind,
    TravelPlan,
    VisaDetails,
    VisaLetter,
    VisaLetterStatus,
)
from registration.waiting_list.models import WaitingListEntry, WaitingListStatus

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
    "OrderChange",
    "OrderChangeStatus",
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

# Door check-in.
from registration.checkin.models import (
    CheckIn,
    CheckInList,
    CheckInResult,
    CheckInType,
    Device,
)

__all__ += ["CheckIn", "CheckInList", "CheckInResult", "CheckInType", "Device"]

# Payments.
from registration.payments.models import (  # noqa: E402
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

# Badge printing.
from registration.catalogue.models import BadgeLayout  # noqa: E402
from registration.documents.models import (  # noqa: E402
    BadgePrint,
    BadgePrintJob,
    BadgePrintJobStatus,
    BadgeSort,
)

__all__ += [
    "BadgeLayout",
    "BadgePrint",
    "BadgePrintJob",
    "BadgePrintJobStatus",
    "BadgeSort",
]

# Staff data: exports and reports.
from registration.catalogue.models import QuestionReport  # noqa: E402
from registration.staff.models.exports import (  # noqa: E402
    ExportJob,
    ExportJobStatus,
    ExportKind,
)

__all__ += ["ExportJob", "ExportJobStatus", "ExportKind", "QuestionReport"]

# Staff mailings.
from registration.mailings.models import (  # noqa: E402
    Audience,
    Mailing,
    MailingJob,
    MailingJobStatus,
    MailingRecipient,
    MailingStatus,
    MailOptOut,
    RecipientStatus,
    Schedule,
)

__all__ += [
    "Audience",
    "MailOptOut",
    "Mailing",
    "MailingJob",
    "MailingJobStatus",
    "MailingRecipient",
    "MailingStatus",
    "RecipientStatus",
    "Schedule",
]

# The programme: sessions, sign-ups, waiting lists.
from registration.programme.models import (  # noqa: E402
    AttendanceCertificate,
    CertificateJob,
    CertificateJobStatus,
    ProgrammeSession,
    SessionKind,
    SessionSignup,
    SessionWaitlistEntry,
)

__all__ += [
    "AttendanceCertificate",
    "CertificateJob",
    "CertificateJobStatus",
    "ProgrammeSession",
    "SessionKind",
    "SessionSignup",
    "SessionWaitlistEntry",
]
