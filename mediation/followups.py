"""Follow-ups as the outer layers name them (`from mediation import followups`): the
schedule (mediation.schedule: what falls due when, called by the services), the engine
(mediation.engine: claim and fire, called by the tasks) and what people do with them
(mediation.services.followups). Nothing inside mediation imports this module."""

from mediation.engine import (
    AUTOMATIC,
    HANDLERS,
    claim_timeout,
    followup_fire,
    followups_claim,
    followups_due_left,
    followups_scan,
    overdue_recipients,
    scan_finished,
)
from mediation.schedule import (
    at_local,
    followups_ensure_screening,
    followups_sync_case,
    previous_period,
)
from mediation.services.followups import BAD_RATING_MAX_STARS, followup_complete, rating_submit

__all__ = [
    "AUTOMATIC",
    "BAD_RATING_MAX_STARS",
    "HANDLERS",
    "at_local",
    "claim_timeout",
    "followup_complete",
    "followup_fire",
    "followups_claim",
    "followups_due_left",
    "followups_ensure_screening",
    "followups_scan",
    "followups_sync_case",
    "overdue_recipients",
    "previous_period",
    "rating_submit",
    "scan_finished",
]
