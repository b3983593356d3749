"""Transfers and referrals as the outer layers name them (`from mediation import routing`):
the services live in mediation.services.routing."""

from mediation.services.routing import (
    OUTCOME_RESULTS,
    PARTNER_RESULTS,
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

__all__ = [
    "OUTCOME_RESULTS",
    "PARTNER_RESULTS",
    "case_refer",
    "referral_feedback",
    "referral_receive",
    "referral_record_outcome",
    "transfer_accept",
    "transfer_cancel",
    "transfer_expire",
    "transfer_reject",
    "transfer_request",
]
