from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Improvement plan"

    def ready(self):
        from . import checks, logs  # noqa: F401 (importing checks registers the production system checks)

        logs.connect_signals()


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the tracker's own site as admin.site (see tracker/admin_site.py)."""

    default = False  # "tracker" in INSTALLED_APPS still means TrackerConfig
    default_site = "tracker.admin_site.TrackerAdminSite"
