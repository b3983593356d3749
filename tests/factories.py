import factory
from django.contrib.auth import get_user_model

from committees.models import Committee, Institution, Mechanism, Mediator, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-123")


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mediator

    committee = factory.LazyFunction(lambda: Committee.objects.order_by("id").first())
    name = factory.Sequence(lambda n: f"调解员{n}")
    role = Mediator.Role.MEDIATOR
    user = factory.SubFactory(UserFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = Role.Kind.DISTRICT_OFFICE
    institution = None


def institution(code: str) -> Institution:
    return Institution.objects.get(code=code)


def committee(code: str) -> Committee:
    return Committee.objects.get(code=code)


class ReferenceFactory(factory.django.DjangoModelFactory):
    """Reference data (committees, institutions, mechanisms) is loaded from the published
    lists (committees.reference_data), never invented: the factory finds the row by code."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, code, **kwargs):
        return model_class.objects.get(code=code, **kwargs)


class CommitteeFactory(ReferenceFactory):
    class Meta:
        model = Committee

    code = "C640106001001"  # tests.conftest.COMMITTEE_A


class InstitutionFactory(ReferenceFactory):
    class Meta:
        model = Institution

    code = "CRT640106"  # tests.conftest.COURT


class MechanismFactory(ReferenceFactory):
    class Meta:
        model = Mechanism

    code = "court"


class PartyFactory(factory.DictFactory):
    """A party as the services and the API take it (a dict)."""

    role = "applicant"
    name = factory.Sequence(lambda n: f"当事人{n}")


class CaseFactory(factory.Factory):
    """A registered case, through services.case_register (tests.builders.make_case): the
    registrar is a new mediator of the committee unless `actor` is given."""

    class Meta:
        model = dict  # built by _create below, never by calling the model

    committee = factory.SubFactory(CommitteeFactory)
    actor = factory.LazyAttributeSequence(
        lambda o, n: MediatorFactory(committee=o.committee, name=f"登记员{n}").user
    )
    title = factory.Sequence(lambda n: f"楼上漏水纠纷{n}")
    parties = factory.LazyFunction(
        lambda: [PartyFactory(role="applicant"), PartyFactory(role="respondent")]
    )

    @classmethod
    def _create(cls, model_class, *args, actor, committee, **kwargs):
        from tests.builders import make_case  # builders import these factories

        return make_case(actor, committee, **kwargs)
