from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Improvement plan"

    def ready(self):
        from . import checks, logs  # noqa: F401 (importing checks registers the production system checks)

        logs.connect_signals()
