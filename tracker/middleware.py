from django.conf import settings
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
