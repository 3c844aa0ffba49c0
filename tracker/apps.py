from axes import apps as axes_apps
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


class SignInRecordsConfig(axes_apps.AppConfig):
    """django-axes, named for the people who read its records in the admin (tracker/admin.py)."""

    default = False
    verbose_name = "Sign-in records"
