"""The one place that turns a user into what they may see (docs/design.md principle 3).

The rule:

- a **member** of a committee (a `Mediator` row with their login) sees that committee's
  cases, with personal data unmasked; a **director** or **deputy director** may also
  decide for it (accept, decline, assign, answer transfers);
- a **judicial office** (a `Role` of kind judicial_office whose institution is a 司法所 or
  the justice bureau) sees the cases of the committees it supervises
  (`Committee.judicial_office`), masked;
- the **district office** sees every committee's cases, masked, and all statistics;
- a **liaison** of a partner institution sees the referrals of its institution and the
  cases those referrals created, masked — no committee as such;
- superusers are treated as the district office, and may act for any committee or
  institution (`acts_anywhere`). This module is the only one that reads `is_superuser`.

Everything that lists, reads, filters or counts goes through `scope_for(user)` and the
`visible_to(user)` querysets built on it (`scoped` below); out of scope reads as 404.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from committees.models import Area, Committee, Mediator, Role


@dataclass(frozen=True)
class Scope:
    """What one user may see. Sets hold primary keys."""

    sees_everything: bool = False
    member_of: frozenset[int] = frozenset()
    director_of: frozenset[int] = frozenset()
    supervised: frozenset[int] = frozenset()
    liaison_of: frozenset[int] = frozenset()
    # A superuser: passes every member, director and liaison check (the admin's operator).
    acts_anywhere: bool = False

    @property
    def committee_ids(self) -> frozenset[int]:
        """Committees whose cases the user may read (ignored when sees_everything)."""
        return self.member_of | self.supervised

    def sees_committee(self, committee_id: int) -> bool:
        return self.sees_everything or committee_id in self.committee_ids

    def is_member(self, committee_id: int) -> bool:
        """Members of the holding committee see personal data unmasked; nobody else does."""
        return committee_id in self.member_of

    def is_director(self, committee_id: int) -> bool:
        return committee_id in self.director_of

    def may_act_as_member(self, committee_id: int) -> bool:
        """May do what a mediator of the committee does (a member, or a superuser)."""
        return self.acts_anywhere or self.is_member(committee_id)

    def may_act_as_director(self, committee_id: int) -> bool:
        """May decide for the committee (a director or deputy, or a superuser)."""
        return self.acts_anywhere or self.is_director(committee_id)

    def may_act_for_institution(self, institution_id: int) -> bool:
        """May act as the partner institution's liaison (its liaison, or a superuser)."""
        return self.acts_anywhere or institution_id in self.liaison_of

    @property
    def is_liaison_only(self) -> bool:
        """A liaison with no committee in scope: sees referrals and their cases only."""
        return not self.sees_everything and bool(self.liaison_of) and not self.committee_ids

    @property
    def has_committees(self) -> bool:
        """Has some committee in scope (committees, judicial offices, the district office):
        statistics and ledger exports are theirs; a liaison has none."""
        return self.sees_everything or bool(self.committee_ids)

    @property
    def importable(self) -> frozenset[int]:
        """Committees whose old ledgers the user may import (ignored when sees_everything):
        the ones a judicial office supervises and the ones a director decides for."""
        return self.supervised | self.director_of

    @property
    def is_district_office(self) -> bool:
        return self.sees_everything


EMPTY_SCOPE = Scope()

_CACHE_ATTRIBUTE = "_tiaojie_scope"


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached

    memberships = Mediator.objects.filter(
        user=user, is_active=True, committee__is_active=True
    ).values_list("committee_id", "role")
    member_of = {committee_id for committee_id, _ in memberships}
    director_of = {
        committee_id for committee_id, role in memberships if role in Mediator.DIRECTOR_ROLES
    }

    roles = list(Role.objects.filter(user=user).values_list("kind", "institution_id"))
    office_ids = {inst for kind, inst in roles if kind == Role.Kind.JUDICIAL_OFFICE}
    supervised = (
        set(
            Committee.objects.filter(judicial_office_id__in=office_ids).values_list("id", flat=True)
        )
        if office_ids
        else set()
    )

    scope = Scope(
        sees_everything=user.is_superuser
        or any(kind == Role.Kind.DISTRICT_OFFICE for kind, _ in roles),
        acts_anywhere=user.is_superuser,
        member_of=frozenset(member_of),
        director_of=frozenset(director_of),
        supervised=frozenset(supervised),
        liaison_of=frozenset(inst for kind, inst in roles if kind == Role.Kind.LIAISON),
    )
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope (after roles change within one request or test)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def scoped(queryset, user, *committee_fields, institution_field=None, committees=None):
    """`queryset` narrowed to what `user` may see: the rows whose `committee_fields` (any
    of them) name a committee in scope, or whose `institution_field` names an institution
    the user is liaison of. The district office (and superusers) see every row.

    `committees(scope)` picks another set of committees than those whose cases the user
    reads (e.g. `Scope.importable`). This is the body of every model's `visible_to(user)`.
    """
    scope = scope_for(user)
    if scope.sees_everything:
        return queryset
    ids = scope.committee_ids if committees is None else committees(scope)
    conditions = [Q(**{f"{field}__in": ids}) for field in committee_fields if ids]
    if institution_field and scope.liaison_of:
        conditions.append(Q(**{f"{institution_field}__in": scope.liaison_of}))
    if not conditions:
        return queryset.none()
    return queryset.filter(reduce(or_, conditions))


def visible_committees(user):
    """Committees whose cases the user may read."""
    return scoped(Committee.objects.all(), user, "id")


def visible_committee_ids(user) -> frozenset[int] | None:
    """The ids of `visible_committees(user)` without a query; None means every committee."""
    scope = scope_for(user)
    return None if scope.sees_everything else scope.committee_ids


def committees_in_area(area_id: int) -> set[int]:
    """Committees of an area: those located in it or one level below it, and those its
    judicial office supervises; the district (the root area) covers every committee."""
    if Area.objects.filter(pk=area_id, parent=None).exists():
        return set(Committee.objects.values_list("id", flat=True))
    return set(
        Committee.objects.filter(
            Q(judicial_office__area_id=area_id) | Q(area_id=area_id) | Q(area__parent_id=area_id)
        ).values_list("id", flat=True)
    )
