"""The only writers of case state (docs/design.md principle 1), one module per subject:

- kernel: the shared steps (who may act, lock and compare, numbering, events, after-change);
- checks: the input checks; intake: registration; cases: the case's workflow;
- attachments: the files kept with a case; casefile: the rights notice, the 卷宗's
  completeness, its number and retention at archiving;
- routing: transfers and referrals; screening: monthly reports; historical: the ledger
  import; followups: follow-ups people complete and ratings; notifications: read marks.

The public services are re-exported here: `from mediation import services;
services.case_register(...)`. No module imports another's private names.
"""

from mediation.services.agreements import (
    agreement_performance,
    agreement_remediate,
    agreement_sign,
)
from mediation.services.attachments import (
    attachment_content,
    attachment_remove,
    attachment_upload,
)
from mediation.services.casefile import (
    case_rights_notified,
    casefile_missing,
)
from mediation.services.cases import (
    DESCRIPTIVE_FIELDS,
    PERSONAL_FIELDS,
    case_accept,
    case_archive,
    case_assign_mediators,
    case_conclude,
    case_decline,
    case_extend,
    case_update,
    case_withdraw,
)
from mediation.services.consent import case_record_consent
from mediation.services.followups import followup_complete, rating_submit
from mediation.services.historical import (
    IMPORTABLE_STATUSES,
    case_import_historical,
    cases_import_historical,
)
from mediation.services.intake import case_register
from mediation.services.judicial import case_record_judicial_confirmation, judicial_default_court
from mediation.services.kernel import case_number_format, rule
from mediation.services.notifications import notification_mark_read
from mediation.services.routing import (
    case_refer,
    referral_feedback,
    referral_receive,
    referral_record_outcome,
    transfer_accept,
    transfer_cancel,
    transfer_expire,
    transfer_reject,
    transfer_request,
)
from mediation.services.screening import screening_report_file
from mediation.services.sessions import case_record_session, session_mark_held
from mediation.services.signed_scan import signed_agreement_upload

__all__ = [
    "DESCRIPTIVE_FIELDS",
    "IMPORTABLE_STATUSES",
    "PERSONAL_FIELDS",
    "agreement_performance",
    "agreement_remediate",
    "agreement_sign",
    "attachment_content",
    "attachment_remove",
    "attachment_upload",
    "case_accept",
    "case_archive",
    "case_assign_mediators",
    "case_conclude",
    "case_decline",
    "case_extend",
    "case_import_historical",
    "case_number_format",
    "case_record_consent",
    "case_record_judicial_confirmation",
    "case_record_session",
    "case_refer",
    "case_register",
    "case_rights_notified",
    "case_update",
    "case_withdraw",
    "cases_import_historical",
    "casefile_missing",
    "followup_complete",
    "judicial_default_court",
    "notification_mark_read",
    "rating_submit",
    "referral_feedback",
    "referral_receive",
    "referral_record_outcome",
    "rule",
    "screening_report_file",
    "session_mark_held",
    "signed_agreement_upload",
    "transfer_accept",
    "transfer_cancel",
    "transfer_expire",
    "transfer_reject",
    "transfer_request",
]
