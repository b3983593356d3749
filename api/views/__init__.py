"""Views: authenticate, parse, call one service or selector, serialize — one module per
resource. The names below are re-exported for api/urls.py and older imports."""

from api.views.attachments import AttachmentViewSet, CaseAttachmentsView
from api.views.casefile import RightsNotifiedView
from api.views.cases import CaseViewSet
from api.views.followups import (
    FollowUpViewSet,
    NotificationViewSet,
    RatingView,
    ScreeningReportViewSet,
)
from api.views.health import HealthView
from api.views.ledger import CaseExportView, ImportTemplateView, LedgerImportViewSet
from api.views.personal_data import PersonalDataAccessViewSet
from api.views.reference import (
    AreaViewSet,
    CommitteeViewSet,
    InstitutionViewSet,
    MechanismViewSet,
    MediatorViewSet,
    MeView,
)
from api.views.roster import CompositionWarningsView, MediatorRosterViewSet
from api.views.routing import ReferralViewSet, TransferViewSet
from api.views.statistics import (
    STATISTICS_ERRORS,
    STATISTICS_PARAMETERS,
    XLSX,
    FileExportNegotiation,
    StatisticsBreakdownView,
    StatisticsExportView,
    StatisticsMechanismsView,
    StatisticsSummaryView,
    reporting_unit,
    statistics_filter,
)
from api.views.submissions import StatisticsSubmissionViewSet

__all__ = [
    "STATISTICS_ERRORS",
    "STATISTICS_PARAMETERS",
    "XLSX",
    "AreaViewSet",
    "AttachmentViewSet",
    "CaseAttachmentsView",
    "CaseExportView",
    "CaseViewSet",
    "CommitteeViewSet",
    "CompositionWarningsView",
    "FileExportNegotiation",
    "FollowUpViewSet",
    "HealthView",
    "ImportTemplateView",
    "InstitutionViewSet",
    "LedgerImportViewSet",
    "MeView",
    "MechanismViewSet",
    "MediatorRosterViewSet",
    "MediatorViewSet",
    "NotificationViewSet",
    "PersonalDataAccessViewSet",
    "RatingView",
    "ReferralViewSet",
    "RightsNotifiedView",
    "ScreeningReportViewSet",
    "StatisticsBreakdownView",
    "StatisticsExportView",
    "StatisticsMechanismsView",
    "StatisticsSubmissionViewSet",
    "StatisticsSummaryView",
    "TransferViewSet",
    "reporting_unit",
    "statistics_filter",
]
