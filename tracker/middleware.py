import logging
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from . import logs


def content_security_policy(get_response):
    """Send the Content-Security-Policy from settings on every response that has none of its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware


# Health check ---------------------------------------------------------------------------------------


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


# Private pages --------------------------------------------------------------------------------------


def private_never_cached(get_response):
    """Nothing a signed-in person is shown is kept by a shared proxy or the browser's history:
    every page, export and evidence download to them says Cache-Control: no-store, unless the
    view chose its own caching. Sits after the authentication middleware, so static files
    (answered earlier, by WhiteNoise) keep theirs."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response.headers:
            add_never_cache_headers(response)
        return response

    return middleware


# Second factor -------------------------------------------------------------------------------------


def second_factor(get_response):
    """Someone signed in with a password who still owes their second factor (tracker/mfa.py) sees only
    the second factor's pages and signing out: every other address, the admin's included, sends them
    to it, and back to where they were going once it is given. Static files and /healthz are answered
    before this (by WhiteNoise and health_check)."""
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    from . import mfa

    def middleware(request):
        if mfa.still_to_pass(request) and request.path_info not in mfa.open_before_second_factor():
            return redirect(f"{reverse('tracker:second-factor')}?{urlencode({'next': request.get_full_path()})}")
        return get_response(request)

    return middleware


# Request log ----------------------------------------------------------------------------------------


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


# NUL characters -------------------------------------------------------------------------------------


def _holds_null_character(request) -> bool:
    """A NUL anywhere in the address, the query string or a posted form (names or values).

    Multipart bodies (file uploads) are left unread here, for the upload checks to see
    first; their text fields are Django form fields, which refuse a NUL themselves.
    """
    if "\x00" in request.path_info:
        return True
    data = [request.GET]
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        data.append(request.POST)
    return any(
        "\x00" in name or any("\x00" in value for value in values) for query in data for name, values in query.lists()
    )


def refuse_null_characters(get_response):
    """Answer 400, with a page that says why, to a request holding a NUL character.

    PostgreSQL refuses a NUL in any text it is sent, so one in a filter of the admin's lists
    (or anywhere a value reaches a query unvalidated) would otherwise be a server error. No
    one types one: it is a mistake in a pasted address or someone probing, and is refused
    in one place, before any view.
    """

    def middleware(request):
        if _holds_null_character(request):
            return render(request, "tracker/null_character.html", status=400)
        return get_response(request)

    return middleware


# Upload size ----------------------------------------------------------------------------------------

# Room in a request for the form's other fields and the multipart framing around the file.
UPLOAD_FORM_ALLOWANCE = 64 * 1024


class UploadSizeLimit(FileUploadHandler):
    """Stop reading a request's files once they pass the evidence limit (in total), and say so
    on the request. Put first among the handlers, it sees every chunk before it is stored."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            # connection_reset: the rest of the body is left unread, not read and thrown away
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body for a Content-Length it cannot read either


def refuse_oversized_uploads(get_response):
    """Answer 413, with a page that gives the limit, to a POST larger than the evidence limit.

    Every POST, not only the evidence page's: that page is the only one that takes a file, so
    no other form comes near the limit, while Django would read (and store on disk) any file
    posted to any address when the CSRF check looks at the form. A request that says it is too
    large is refused before its body is read. Django never reads past the length a request
    says (nothing, when it says none), and within that UploadSizeLimit stops reading as soon
    as the files pass the limit, so a file just over it is not stored either. The form's own
    check of the size stays, for files that reach it another way.
    """
    from .forms import evidence_limit_in_words

    def too_large(request):
        return render(request, "tracker/upload_too_large.html", {"limit": evidence_limit_in_words()}, status=413)

    def middleware(request):
        if request.method == "POST":
            limit = settings.TRACKER_EVIDENCE_MAX_BYTES
            if _declared_length(request) > limit + UPLOAD_FORM_ALLOWANCE:
                return too_large(request)
            if request.content_type == "multipart/form-data":
                request.upload_handlers.insert(0, UploadSizeLimit(request, limit))
                request.POST  # noqa: B018 - read the form now, while the handler can stop it
                if getattr(request, "upload_too_large", False):
                    return too_large(request)
        return get_response(request)

    return middleware
