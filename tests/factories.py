import factory
from django.contrib.auth import get_user_model

from committees.models import Committee, Institution, Mediator, Role


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
