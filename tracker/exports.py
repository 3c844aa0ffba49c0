"""Placeholder: being written."""


def export_response(actions, export_format, today):
    raise NotImplementedError
