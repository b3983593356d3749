from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from api import auth, views
from api.views.documents import CaseDocumentListView, CaseDocumentView, CaseFileView

router = DefaultRouter()
router.register("areas", views.AreaViewSet)
router.register("committees", views.CommitteeViewSet)
router.register("mediators", views.MediatorRosterViewSet, basename="mediator")
router.register("institutions", views.InstitutionViewSet)
router.register("mechanisms", views.MechanismViewSet)
router.register("cases", views.CaseViewSet, basename="case")
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("screening-reports", views.ScreeningReportViewSet, basename="screeningreport")
router.register(
    "personal-data-access", views.PersonalDataAccessViewSet, basename="personaldataaccess"
)
router.register("imports", views.LedgerImportViewSet, basename="ledgerimport")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register(
    "statistics/submissions", views.StatisticsSubmissionViewSet, basename="statisticssubmission"
)

v1 = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("auth/refresh/", auth.RefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("ratings/<str:token>/", views.RatingView.as_view(), name="rating"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("statistics/summary/", views.StatisticsSummaryView.as_view(), name="stats-summary"),
    path("statistics/breakdown/", views.StatisticsBreakdownView.as_view(), name="stats-breakdown"),
    path(
        "statistics/mechanisms/", views.StatisticsMechanismsView.as_view(), name="stats-mechanisms"
    ),
    path("statistics/export/", views.StatisticsExportView.as_view(), name="stats-export"),
    path("imports/template.xlsx", views.ImportTemplateView.as_view(), name="import-template"),
    # Before the router, whose committees/<pk>/ would take the name for an id.
    path(
        "committees/composition-warnings/",
        views.CompositionWarningsView.as_view(),
        name="composition-warnings",
    ),
    # Before the router, whose cases/<pk>/ would take "export" for an id.
    path("cases/export/", views.CaseExportView.as_view(), name="case-export"),
    path("cases/<int:pk>/documents/", CaseDocumentListView.as_view(), name="case-documents"),
    path(
        "cases/<int:pk>/documents/<str:kind>/",
        CaseDocumentView.as_view(),
        name="case-document",
    ),
    path("cases/<int:pk>/file/", CaseFileView.as_view(), name="case-file"),
    path(
        "cases/<int:pk>/attachments/",
        views.CaseAttachmentsView.as_view(),
        name="case-attachments",
    ),
    path(
        "cases/<int:pk>/rights-notified/",
        views.RightsNotifiedView.as_view(),
        name="case-rights-notified",
    ),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Without the template's web fonts (Google Fonts): the page loads from this server only.
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
]
