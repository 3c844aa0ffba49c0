"""The site's URLs, plus the floor: a signed-in page that does nothing but render the site's frame.

Only the benchmark uses this URLconf; the application is not changed for it.
"""

from django.shortcuts import render
from django.urls import include, path


def floor(request):
    return render(request, "tracker/base.html", {"nav": ""})


urlpatterns = [
    path("benchmark-floor/", floor, name="benchmark-floor"),
    path("", include("config.urls")),
]
