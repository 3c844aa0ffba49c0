import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied

from . import logs


def content_security_policy(get_response):
    """Send the Content-Security-Policy from settings on every response that has none of its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware


# Health check (issue 15) -----------------------------------------------------------------------


def health_check(get_response):
    """Answer GET/HEAD /healthz here, before SecurityMiddleware and CommonMiddleware.

    Load balancers ask by IP address over plain HTTP, which the host check (ALLOWED_HOSTS)
    and the HTTPS redirect would refuse; no other path skips either. The URL pattern
    stays, so the path is reversed from it and the view does the work.
    """
    from django.urls import reverse

    from .views.dashboards import healthz

    path = reverse("tracker:healthz")

    def middleware(request):
        if request.path_info == path and request.method in {"GET", "HEAD"}:
            return healthz(request)
        return get_response(request)

    return middleware


# Request log (issue 15) ---------------------------------------------------------------------------


class RequestLog:
    """Give each request an id (the proxy's X-Request-ID when sane), echo it, and log one line for it.

    The line has the method, path (no query string), status, time taken and the person's id;
    for a refusal (403) also the reason the person was given. Never the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.request_id_for(request)
        token = logs.current_request.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response.headers["X-Request-ID"] = request.request_id
            level = logging.WARNING if response.status_code >= 400 else logging.INFO
            logs.log.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000),
                    "reason": getattr(request, "refusal", None),
                },
            )
            return response
        finally:
            logs.current_request.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            request.refusal = str(exception) or "Permission denied"
