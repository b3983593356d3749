from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

    def ready(self):
        # Imported here, not at the top: models load only once the registry is ready.
        from api.idempotency import purge_after_scan
        from mediation.followups import scan_finished

        scan_finished.connect(purge_after_scan, dispatch_uid="api.idempotency.purge_after_scan")
