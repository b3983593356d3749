"""The reference data a client needs to fill its forms, and the caller: committees, areas,
mediators, partner institutions, docking mechanisms, me."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, serializers
from committees.models import Area, Committee, Institution, Mechanism, Mediator


class MeView(APIView):
    """The caller and their roles, so a client knows what to show."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Area.objects.all()
    serializer_class = serializers.AreaSerializer
    filterset_class = filters.AreaFilter


class CommitteeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Committee.objects.all()
    serializer_class = serializers.CommitteeSerializer
    filterset_class = filters.CommitteeFilter


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Mediator.objects.all()
    serializer_class = serializers.MediatorSerializer
    filterset_class = filters.MediatorFilter


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Institution.objects.all()
    serializer_class = serializers.InstitutionSerializer
    filterset_class = filters.InstitutionFilter


class MechanismViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Mechanism.objects.all()
    serializer_class = serializers.MechanismSerializer
    filterset_class = filters.MechanismFilter
