"""The panel report as a PDF for the meeting pack, drawn by WeasyPrint from the same template parts as the page.

Rendering fetches nothing from the network: the only files a report may refer to are the site's own static
files, read from disk; any other address is refused (WeasyPrint then leaves that resource out).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# An address that is nobody's (.invalid): the fetcher below reads paths under STATIC_URL at it from disk, and
# refuses every other address.
BASE_URL = "https://tracker.invalid/"


class StaticFilesOnly(URLFetcher):
    """Serves the site's static files from disk (the report's CSS) and refuses every other address."""

    def fetch(self, url, headers=None):
        parts, base = urlsplit(url), urlsplit(BASE_URL)
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(prefix):
            raise ValueError(f"The report may not fetch {url}: only the site's own static files.")
        found = None if ".." in parts.path else finders.find(parts.path.removeprefix(prefix))
        if not found:
            raise ValueError(f"No static file at {parts.path}.")
        with open(found, "rb") as file:
            body = file.read()
        content_type = "text/css" if found.endswith(".css") else "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly()).write_pdf()
