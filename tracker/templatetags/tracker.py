from django import forms, template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.html import format_html

from .. import clock
from ..forms import DateInputs, DateParts
from ..models import RESPONSE_DEADLINE_DAYS, RESPONSE_DEADLINE_FROM, Rag
from ..views import breadcrumbs_to

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


@register.filter
def is_date_inputs(field) -> bool:
    return isinstance(field.field.widget, DateInputs)


@register.filter
def first_input_in_error(field) -> str:
    """The id the error summary links to: the field's input, its first radio or checkbox, or the first
    date box in error."""
    widget = field.field.widget
    if isinstance(widget, DateInputs):
        return f"{field.auto_id}_{DateParts.of(field.value()).boxes_in_error()[0]}"
    if getattr(widget, "input_type", "") == "radio" or getattr(widget, "allow_multiple_selected", False):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.filter
def moment_in_words(moment) -> str:
    """ "7 December 2026, 3:05pm": how every page names a record's time (clock.moment_in_words)."""
    return clock.moment_in_words(moment) if moment else ""


@register.filter
def time_of_day(moment) -> str:
    """ "3:05pm", "midday" (clock.time_of_day)."""
    return clock.time_of_day(moment) if moment else ""


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


@register.inclusion_tag("tracker/includes/breadcrumbs.html")
def breadcrumbs(*pages):
    """{% breadcrumbs "inspections" inspection finding %}: links to each page, as form pages have them."""
    return {"breadcrumbs": breadcrumbs_to(*pages)}


@register.simple_tag
def response_deadline_from() -> str:
    """The day the section 55 deadline began ("2 May 2017"): reports published before it have none."""
    return date_format(RESPONSE_DEADLINE_FROM, "j F Y")


@register.simple_tag
def response_deadline_days() -> int:
    """The days the PCC has to respond under section 55, the day of publication the first."""
    return RESPONSE_DEADLINE_DAYS


duration_in_words = clock.duration_in_words


@register.filter
def days(n: int) -> str:
    """ "1 day", "14 days": a number of days from a setting."""
    return clock.counted(n, "day")


@register.simple_tag
def sign_in_pause() -> str:
    """How long signing in stays paused after too many failures (AXES_COOLOFF_TIME), in words."""
    return duration_in_words(settings.AXES_COOLOFF_TIME)
