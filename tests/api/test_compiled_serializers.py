"""The case list and detail are serialized by serializers built once per thread, reading the
model's own columns directly (api.serializers.cases.case_list_data / case_detail_data,
api.serializers.direct.DirectFields; issue 18). Their JSON must be byte for byte DRF's own:
each answer here is compared with the same request answered through DRF's generic
`Serializer.to_representation`, for callers who see the parties whole, masked, and as a
liaison's summary, one after the other on the same thread (nothing of one caller's answer
may stay in the next)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework import serializers
from rest_framework_simplejwt.tokens import AccessToken

from api.serializers.direct import DirectFields
from tests.api.conftest import _referral_in, accept
from tests.builders import ID_NUMBER, OTHER_ID_NUMBER, PHONE, make_case, person

pytestmark = pytest.mark.django_db

PARTIES = [
    person("applicant", "张某", id_number=ID_NUMBER, phone=PHONE, address="满城北街1号"),
    person("respondent", "李某", id_number=OTHER_ID_NUMBER),
    person("third_party", "王某"),
]


def _get(user, path: str) -> bytes:
    user = get_user_model().objects.get(pk=user.pk)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return response.content


def test_list_and_detail_are_drfs_json_for_every_reader(
    monkeypatch, mediator_a, director_a, office_a, court_liaison, world
):
    # given cases with personal data: registered, in mediation, and one a court sent in
    registered = make_case(mediator_a, world.committee_a, parties=PARTIES)
    mediating = accept(
        make_case(mediator_a, world.committee_a, parties=PARTIES, risk_flags=["vulnerable_party"]),
        director_a,
        mediator_a,
    )
    referred = _referral_in(court_liaison, world.committee_a, "1").case
    requests = [
        (mediator_a, "/api/v1/cases/?page_size=50"),  # member: whole
        (office_a, "/api/v1/cases/?page_size=50"),  # supervisor: masked
        (court_liaison, "/api/v1/cases/?page_size=50"),  # liaison: summaries
        (mediator_a, f"/api/v1/cases/{registered.pk}/"),
        (office_a, f"/api/v1/cases/{mediating.pk}/"),
        (mediator_a, f"/api/v1/cases/{mediating.pk}/"),
        (court_liaison, f"/api/v1/cases/{referred.pk}/"),
        (mediator_a, "/api/v1/cases/?page_size=2"),
    ]

    # when each is answered by the compiled serializers, one after the other
    compiled = [_get(user, path) for user, path in requests]

    # then each is what DRF's own path answers
    monkeypatch.setattr(DirectFields, "to_representation", serializers.Serializer.to_representation)
    plain = [_get(user, path) for user, path in requests]
    for (user, path), mine, theirs in zip(requests, compiled, plain, strict=True):
        assert mine == theirs, (user.username, path)
    assert "张某".encode() in compiled[0]
    assert ID_NUMBER.encode() in compiled[0] and ID_NUMBER.encode() not in compiled[1]
