from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def content_security_policy(get_response):
    """Send the Content-Security-Policy from settings on every response that has none of its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware


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
