"""Placeholder: being written."""


def filter_actions(queryset, form, today):
    return queryset.for_list()
