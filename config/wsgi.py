import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to start, saying what to set, on the ones that make production wrong.
from tracker.checks import refuse_to_start_if_misconfigured  # noqa: E402 (needs Django set up above)

refuse_to_start_if_misconfigured()
