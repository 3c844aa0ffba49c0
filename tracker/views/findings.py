"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("Not yet built", status=501)


finding_create = finding_detail = finding_edit = action_create = finding_discharge = _todo
