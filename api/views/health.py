"""The health check."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from api.auth import lockout_figures
from committees.scope import scope_for
from mediation import health


class HealthView(APIView):
    """`ok` or `degraded` to anyone (503 when degraded); the details — database, broker,
    follow-up backlog, sign-in lock-outs — only to staff and the district office. No
    personal data either way."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: serializers.HealthSerializer,
            503: OpenApiResponse(serializers.HealthSerializer, description="A part is down."),
        }
    )
    def get(self, request):
        report = health.health_report()
        code = 200 if report["status"] == "ok" else 503
        user = request.user
        if not (user.is_authenticated and (user.is_staff or scope_for(user).is_district_office)):
            return Response({"status": report["status"]}, status=code)
        report["login_lockouts"] = lockout_figures()
        return Response(report, status=code)
