"""Serializers: shape and validate, nothing more. Business rules live in the services.

One module per resource; every name is re-exported here, so `from api.serializers import X`
and `serializers.X` keep working.
"""

from api.serializers.agreements import (
    AgreementSerializer,
    CurrentAgreementSerializer,
    DocumentWaivedSerializer,
    JudicialConfirmationSerializer,
    PerformanceSerializer,
    RemediateSerializer,
    SignatureInputSerializer,
    SignatureSerializer,
)
from api.serializers.auth import (
    USER_ROLE_CHOICES,
    MeSerializer,
    RoleEntrySerializer,
)
from api.serializers.case_input import (
    AcceptSerializer,
    AgreementInputSerializer,
    AssignSerializer,
    CaseBodySerializer,
    CaseCreateSerializer,
    CaseFieldsSerializer,
    CaseUpdateSerializer,
    ConcludeSerializer,
    DeclineSerializer,
    ExtendSerializer,
    PreventedSerializer,
    ReasonSerializer,
)
from api.serializers.case_rules import (
    AcceptWithChoiceSerializer,
    ConsentSerializer,
    SessionHeldSerializer,
)
from api.serializers.cases import (
    BuiltOnceFields,
    CaseEventSerializer,
    CaseListSerializer,
    CaseSerializer,
    PersonalDataAccessSerializer,
    SessionSerializer,
)
from api.serializers.common import (
    AMOUNT,
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_ID,
)
from api.serializers.followups import (
    FollowUpCompleteSerializer,
    FollowUpSerializer,
    NotificationSerializer,
    RatingSubmitSerializer,
    RatingViewSerializer,
    ScreeningReportSerializer,
)
from api.serializers.health import (
    FollowUpLagSerializer,
    HealthSerializer,
    LoginLockoutsSerializer,
)
from api.serializers.parties import (
    PartyInputSerializer,
    PartySerializer,
    ResponsibleLeaderSerializer,
)
from api.serializers.reference import (
    AreaSerializer,
    CommitteeSerializer,
    InstitutionSerializer,
    MechanismSerializer,
    MediatorSerializer,
)
from api.serializers.routing import (
    CaseSummarySerializer,
    ReferralCreateSerializer,
    ReferralFeedbackSerializer,
    ReferralSerializer,
    ReferSerializer,
    TransferRequestSerializer,
    TransferSerializer,
)
from api.serializers.statistics import (
    BreakdownRowSerializer,
    BreakdownSerializer,
    CountsSerializer,
    MechanismStatSerializer,
    MechanismStatsSerializer,
    SatisfactionSerializer,
    StatisticsQuerySerializer,
    SummarySerializer,
)

__all__ = [
    "AMOUNT",
    "AcceptSerializer",
    "AcceptWithChoiceSerializer",
    "AgreementInputSerializer",
    "AgreementSerializer",
    "AreaSerializer",
    "AssignSerializer",
    "BreakdownRowSerializer",
    "BreakdownSerializer",
    "BuiltOnceFields",
    "CaseBodySerializer",
    "CaseCreateSerializer",
    "CaseEventSerializer",
    "CaseFieldsSerializer",
    "CaseListSerializer",
    "CaseSerializer",
    "CurrentAgreementSerializer",
    "DocumentWaivedSerializer",
    "PerformanceSerializer",
    "RemediateSerializer",
    "SignatureInputSerializer",
    "SignatureSerializer",
    "CaseSummarySerializer",
    "CaseUpdateSerializer",
    "CommitteeSerializer",
    "ConcludeSerializer",
    "ConsentSerializer",
    "CountsSerializer",
    "DeclineSerializer",
    "EARLIEST_YEAR",
    "ExtendSerializer",
    "FollowUpCompleteSerializer",
    "FollowUpLagSerializer",
    "FollowUpSerializer",
    "HealthSerializer",
    "InstitutionSerializer",
    "JudicialConfirmationSerializer",
    "LATEST_YEAR",
    "LoginLockoutsSerializer",
    "MAX_ID",
    "MeSerializer",
    "MechanismSerializer",
    "MechanismStatSerializer",
    "MechanismStatsSerializer",
    "MediatorSerializer",
    "NotificationSerializer",
    "PartyInputSerializer",
    "PartySerializer",
    "PersonalDataAccessSerializer",
    "PreventedSerializer",
    "RatingSubmitSerializer",
    "RatingViewSerializer",
    "ReasonSerializer",
    "ReferSerializer",
    "ReferralCreateSerializer",
    "ReferralFeedbackSerializer",
    "ReferralSerializer",
    "ResponsibleLeaderSerializer",
    "RoleEntrySerializer",
    "SatisfactionSerializer",
    "ScreeningReportSerializer",
    "SessionHeldSerializer",
    "SessionSerializer",
    "StatisticsQuerySerializer",
    "SummarySerializer",
    "TransferRequestSerializer",
    "TransferSerializer",
    "USER_ROLE_CHOICES",
]
