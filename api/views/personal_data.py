"""The record of who saw which case's personal data unmasked."""

from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from api import serializers
from api.pagination import CaseCursorPagination
from committees.scope import scope_for
from mediation import selectors
from mediation.models import PersonalDataAccess


class PersonalDataAccessViewSet(viewsets.ReadOnlyModelViewSet):
    """Who saw which case's personal data unmasked, and when (district office only)."""

    serializer_class = serializers.PersonalDataAccessSerializer
    pagination_class = CaseCursorPagination
    filterset_fields = ["case", "user", "kind", "for_case"]
    queryset = PersonalDataAccess.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalDataAccess.objects.none()
        if not scope_for(self.request.user).is_district_office:
            raise PermissionDenied("个人信息查看记录仅向区司法局开放。")
        return selectors.personal_data_access_list(self.request.user)
