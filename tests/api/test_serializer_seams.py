"""The serializers shape input and leave the rules to one place: the partner results come
from mediation.choices, the caller's roles from mediation.selectors."""

import pytest

from api.serializers import MeSerializer, ReferralFeedbackSerializer
from mediation import choices, selectors


def test_the_referral_feedback_offers_exactly_the_partner_results():
    offered = ReferralFeedbackSerializer().fields["result"].choices

    assert tuple(offered) == choices.PARTNER_RESULTS
    assert offered["returned"] == "退回调委会"
    refused = ReferralFeedbackSerializer(data={"result": "withdrawn"})
    assert not refused.is_valid()
    assert refused.errors["result"][0].code == "invalid_choice"


@pytest.mark.django_db
def test_me_lists_the_roles_the_selector_gives_and_a_superuser_as_the_district_office(
    django_user_model, mediator_a, committee_a
):
    admin = django_user_model.objects.create_superuser("root", password="x")

    assert MeSerializer(mediator_a).data["roles"] == selectors.caller_roles(mediator_a)
    assert MeSerializer(mediator_a).data["roles"] == [
        {"role": "member", "committee": committee_a.id}
    ]
    assert MeSerializer(admin).data["roles"] == [{"role": "district_office"}]
