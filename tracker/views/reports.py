"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("Not yet built", status=501)


review_queue = panel_report = _todo
