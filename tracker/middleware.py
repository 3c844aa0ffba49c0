from django.conf import settings


def content_security_policy(get_response):
    """Send the Content-Security-Policy from settings on every response that has none of its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware
