from django import forms, template
from django.utils.html import format_html

from ..models import Rag

register = template.Library()

STATUS_COLOURS = {
    "not_started": "grey",
    "in_progress": "",
    "blocked": "amber",
    "submitted": "purple",
    "signed_off": "green",
    "withdrawn": "grey",
    "awaiting_allocation": "amber",
    "open": "",
    "ready_to_discharge": "purple",
    "discharged": "green",
    "pending": "purple",
    "approved": "green",
    "refused": "red",
}


@register.filter
def is_choice_group(field) -> bool:
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.filter
def is_checkbox_group(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag
def rag_tag(rag: str):
    """An action's RAG rating as a coloured tag; nothing for a withdrawn action, which has none."""
    if not rag:
        return ""
    rag = Rag(rag)
    return format_html('<strong class="tag tag--{}">{}</strong>', rag.tag_colour, rag.label)


@register.simple_tag
def status_tag(value: str, label: str):
    colour = STATUS_COLOURS.get(value, "")
    return format_html('<strong class="tag{}">{}</strong>', f" tag--{colour}" if colour else "", label)
