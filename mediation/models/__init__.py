"""WHAT: cases and their life. Rows here are written only by mediation/services.py.

Every model states what it guarantees; the database holds the rules that can live there
(unique numbers, non-negative amounts, one agreement per case, one pending transfer).

One module per aggregate; every model is re-exported here, so `from mediation.models
import X` stays the one way to name them.
"""

from mediation.models.agreements import AgreementSignature
from mediation.models.audit import PersonalDataAccess, PersonalDataAccessQuerySet
from mediation.models.cases import (
    Agreement,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseQuerySet,
    MediationSession,
    Party,
)
from mediation.models.files import Attachment, AttachmentQuerySet, FileNumberCounter
from mediation.models.followups import (
    FollowUp,
    FollowUpQuerySet,
    Notification,
    NotificationQuerySet,
    OutboundMessage,
    RatingLink,
    ScreeningReport,
    ScreeningReportQuerySet,
)
from mediation.models.ledger import ImportedRow, LedgerImport, LedgerImportQuerySet
from mediation.models.rollups import (
    DayDirty,
    DistrictDailyDurationStat,
    DistrictDailyStat,
    DistrictDurationStat,
    DistrictMonthlyStat,
    DistrictStatDirty,
    DurationStat,
    MonthlyStat,
    StatDirty,
    StatMeasures,
)
from mediation.models.routing import Referral, ReferralQuerySet, Transfer, TransferQuerySet
from mediation.models.submissions import StatisticsSubmission

__all__ = [
    "Agreement",
    "AgreementSignature",
    "Attachment",
    "AttachmentQuerySet",
    "Case",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseQuerySet",
    "DistrictDailyDurationStat",
    "DistrictDailyStat",
    "DayDirty",
    "DistrictDurationStat",
    "DistrictMonthlyStat",
    "DistrictStatDirty",
    "DurationStat",
    "FileNumberCounter",
    "FollowUp",
    "FollowUpQuerySet",
    "ImportedRow",
    "LedgerImport",
    "LedgerImportQuerySet",
    "MediationSession",
    "MonthlyStat",
    "Notification",
    "NotificationQuerySet",
    "OutboundMessage",
    "Party",
    "PersonalDataAccess",
    "PersonalDataAccessQuerySet",
    "RatingLink",
    "Referral",
    "ReferralQuerySet",
    "ScreeningReport",
    "ScreeningReportQuerySet",
    "StatDirty",
    "StatMeasures",
    "StatisticsSubmission",
    "Transfer",
    "TransferQuerySet",
]
