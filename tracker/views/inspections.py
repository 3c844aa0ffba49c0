"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("Not yet built", status=501)


inspection_list = inspection_create = inspection_detail = inspection_edit = inspection_response = _todo
