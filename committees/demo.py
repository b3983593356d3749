"""Demo accounts for a laptop or a training server (never production).

Pattern, all with password `tiaojie-demo`:
- `district` — the district office;
- `office.<judicial office code>` — each judicial office named in committees.csv;
- `director.<committee code>` and `mediator.<committee code>` — for every committee;
- `liaison.<institution code>` — for every partner institution.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from committees.models import Committee, Institution, Mediator, Role

DEMO_PASSWORD = "tiaojie-demo"


@transaction.atomic
def demo_accounts_create(*, password: str = DEMO_PASSWORD) -> int:
    """Create (or refresh) every demo account; idempotent. Returns how many logins exist.

    The password is hashed once and the hash shared: hashing ~250 times would take minutes.
    """
    User = get_user_model()
    password_hash = make_password(password)

    def login(username: str, display_name: str):
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = display_name[:150]
        user.password = password_hash
        user.is_active = True
        user.save()
        return user

    count = 0
    district = login("district", "区司法局")
    Role.objects.get_or_create(user=district, kind=Role.Kind.DISTRICT_OFFICE, institution=None)
    count += 1

    office_ids = Committee.objects.exclude(judicial_office=None).values("judicial_office")
    for office in Institution.objects.filter(id__in=office_ids):
        user = login(f"office.{office.code}", office.name)
        Role.objects.get_or_create(user=user, kind=Role.Kind.JUDICIAL_OFFICE, institution=office)
        count += 1

    for committee in Committee.objects.all():
        for prefix, role, name in (
            ("director", Mediator.Role.DIRECTOR, f"{committee.short_name}主任"),
            ("mediator", Mediator.Role.MEDIATOR, f"{committee.short_name}调解员"),
        ):
            user = login(f"{prefix}.{committee.code}", name)
            Mediator.objects.update_or_create(
                committee=committee,
                user=user,
                defaults={"name": name, "role": role, "is_active": True},
            )
            count += 1

    for institution in Institution.objects.all():
        user = login(f"liaison.{institution.code}", f"{institution.name}联络员")
        Role.objects.get_or_create(user=user, kind=Role.Kind.LIAISON, institution=institution)
        count += 1
    return count
