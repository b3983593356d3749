"""The serializers shape input and leave the rules to one place: the partner results come
from mediation.choices."""

from api.serializers import ReferralFeedbackSerializer
from mediation import choices


def test_the_referral_feedback_offers_exactly_the_partner_results():
    offered = ReferralFeedbackSerializer().fields["result"].choices

    assert tuple(offered) == choices.PARTNER_RESULTS
    assert offered["returned"] == "退回调委会"
    refused = ReferralFeedbackSerializer(data={"result": "withdrawn"})
    assert not refused.is_valid()
    assert refused.errors["result"][0].code == "invalid_choice"
