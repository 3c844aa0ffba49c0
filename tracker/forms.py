"""One form per service, each rendered the GOV.UK way by the tracker's form renderer."""

import calendar
import copy
import datetime
import logging
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

import pypdf
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image

from . import people, permissions
from .models import OGL_ATTRIBUTION, Action, Finding, Grade, Inspection, Rag, RegisterStatus, Theme, User
from .permissions import possible_owners
from .services import PROGRESS_MOVES


class TrackerFormRenderer(DjangoTemplates):
    """Every form and field of the site in the GOV.UK pattern (settings.FORM_RENDERER).

    A form is its fields, each by `field.as_field_group`: label (marked "(optional)" when it
    is), hint, error message and the input, which Django links to the hint and the error
    with aria-describedby; radios and checkboxes in a fieldset with a legend.
    """

    form_template_name = "tracker/forms/form.html"
    field_template_name = "tracker/forms/field.html"


class UsernameWithinLimit:
    """For a sign-in form: a username longer than any account can have is a form error, before anyone is asked.

    Django's sign-in form passes whatever was typed to authenticate(), and the sign-in log
    (django-axes) cannot store a username longer than its column.
    """

    def clean_username(self):
        username = self.cleaned_data["username"]
        limit = User._meta.get_field("username").max_length
        if len(username) > limit:
            raise forms.ValidationError(f"Enter a username of {limit} characters or fewer")
        return username


class PasswordSignIn:
    """For a sign-in form: with TRACKER_LOCAL_PASSWORDS off it refuses before any password is checked."""

    def clean(self):
        try:
            permissions.require_password_sign_in()
        except permissions.ActionRefused as refused:
            logging.getLogger("tracker").warning(
                "Password sign-in refused: local passwords are off", extra={"event": "sign_in_refused"}
            )
            raise forms.ValidationError(str(refused), code="local_passwords_off") from None
        return super().clean()


class SignInForm(PasswordSignIn, UsernameWithinLimit, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class TrackerFormMixin:
    """What the field template reads from a form beyond its fields."""

    # Fields whose group spans the whole row where fields sit in a grid (the action list's filters).
    wide_fields: tuple[str, ...] = ()
    # Where every field is optional (filters), no label says "(optional)".
    every_field_optional = False


class TrackerForm(TrackerFormMixin, forms.Form):
    pass


class TrackerModelForm(TrackerFormMixin, forms.ModelForm):
    """A form that edits a model through a service: it validates against its own copy of the object.

    A ModelForm writes what was typed onto its instance as it validates; on a copy, the object
    the view holds stays as saved until the service changes it (and stays so if the service refuses).
    """

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=copy.copy(instance) if instance is not None else None, **kwargs)


# Dates, the GOV.UK way: a day, a month and a year box ----------------------------------------

DATE_PARTS = ("day", "month", "year")
MONTH_NAMES = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
# A date given as one value, as the dashboards' links to the action list give it (?due_from=2026-12-07).
ONE_VALUE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"]


class DateParts(NamedTuple):
    """A date as typed in the three boxes, each part stripped of spaces."""

    day: str
    month: str
    year: str

    @classmethod
    def of(cls, value) -> "DateParts":
        """The boxes' values for a date, for the parts typed, or for a date given as one value."""
        if isinstance(value, DateParts):
            return value
        if isinstance(value, str):
            value = one_value_date(value) or None
        if isinstance(value, datetime.date):
            return cls(str(value.day), str(value.month), str(value.year))
        return cls("", "", "")

    def month_number(self) -> int | None:
        if _is_number(self.month):
            return int(self.month)
        return MONTH_NAMES.get(self.month.lower().rstrip("."))

    def problem(self) -> tuple[str, tuple[str, ...]] | None:
        """What is wrong with the date typed, and which boxes are wrong, by GOV.UK's order of priority:
        ("missing", the empty boxes) when some but not all are given; ("year", ("year",)) for a year not
        of four digits; ("real", the boxes that cannot be right, or all three for a day the month has not).
        None when the date is real, or when no box is given (a missing date is the field's to judge)."""
        missing = tuple(part for part in DATE_PARTS if not getattr(self, part))
        if len(missing) == 3:
            return None
        if missing:
            return "missing", missing
        month = self.month_number()
        wrong = tuple(
            part
            for part, right in (
                ("day", _is_number(self.day) and 1 <= int(self.day) <= 31),
                ("month", month is not None and 1 <= month <= 12),
                ("year", _is_number(self.year)),
            )
            if not right
        )
        if wrong:
            return "real", wrong
        if len(self.year) != 4:
            return "year", ("year",)
        try:
            datetime.date(int(self.year), month, int(self.day))
        except ValueError:
            return "real", DATE_PARTS
        return None

    def boxes_in_error(self) -> tuple[str, ...]:
        """The boxes to mark when the field has an error: those the problem names, else all three
        (a real date the form refuses, such as one in the past)."""
        problem = self.problem()
        return problem[1] if problem else DATE_PARTS


def _is_number(text: str) -> bool:
    """Digits 0 to 9 only: not "²" or other characters Python calls digits, which int() refuses."""
    return re.fullmatch(r"[0-9]{1,9}", text) is not None


def one_value_date(text: str) -> datetime.date | None:
    for date_format in ONE_VALUE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), date_format).date()
        except ValueError:
            continue
    return None


class DateInputs(forms.Widget):
    """Three boxes, Day, Month and Year, in one fieldset whose legend is the field's label.

    Each box is posted as `<name>_day`, `<name>_month`, `<name>_year`. With `one_value`, a date given
    as the field's own name (a link: ?due_from=2026-12-07) is read when no box is.
    """

    template_name = "tracker/forms/date_inputs.html"
    use_fieldset = True

    def __init__(self, attrs=None, *, one_value: bool = False):
        super().__init__(attrs)
        self.one_value = one_value

    def value_from_datadict(self, data, files, name):
        parts = DateParts(*(str(data.get(f"{name}_{part}", "")).strip() for part in DATE_PARTS))
        if self.one_value and not any(parts) and data.get(name):
            return str(data.get(name))
        return parts

    def value_omitted_from_data(self, data, files, name):
        names = [f"{name}_{part}" for part in DATE_PARTS] + ([name] if self.one_value else [])
        return not any(key in data for key in names)

    def use_required_attribute(self, initial):
        return False  # a box left empty is the server's to explain, as the other boxes are kept

    def id_for_label(self, id_):
        return f"{id_}_day" if id_ else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        in_error = attrs.pop("aria-invalid", None) == "true"
        parts = DateParts.of(value)
        marked = parts.boxes_in_error() if in_error else ()
        widths = {"day": 2, "month": 2, "year": 4}
        context["widget"]["boxes"] = [
            {
                "name": f"{name}_{part}",
                "id": f"{attrs['id']}_{part}" if attrs.get("id") else "",
                "label": part.capitalize(),
                "value": getattr(parts, part),
                "width": widths[part],
                "in_error": part in marked,
            }
            for part in DATE_PARTS
        ]
        return context


class UkDateField(forms.Field):
    """A date typed as day, month and year (tracker/forms/date_inputs.html), read the UK way round.

    `called`: how a message names the date ("Due date must include a month"), the label unless given.
    """

    widget = DateInputs
    default_error_messages = {"required": "Enter a date"}

    def __init__(self, *, called: str = "", **kwargs):
        super().__init__(**kwargs)
        self.called = called or self.label or "The date"

    def to_python(self, value):
        if value is None or isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            if (date := one_value_date(value)) is None:
                raise forms.ValidationError(self._message("real"), code="invalid")
            return date
        parts = DateParts.of(value)
        if not any(parts):
            return None
        if problem := parts.problem():
            raise forms.ValidationError(self._message(*problem), code="invalid")
        return datetime.date(int(parts.year), parts.month_number(), int(parts.day))

    def _message(self, kind: str, parts: tuple[str, ...] = ()) -> str:
        called = self.called[0].upper() + self.called[1:]
        if kind == "missing":
            return f"{called} must include a {' and '.join(parts)}"
        if kind == "year":
            return f"{called} must have a year of 4 numbers, for example 2027"
        return f"{called} must be a real date"

    def has_changed(self, initial, data):
        try:
            data = self.to_python(data)
        except forms.ValidationError:
            return True
        return (initial or None) != data


def date_field(
    label: str, *, required: bool = True, help_text: str = "", missing: str = "", called: str = "", one_value=False
) -> UkDateField:
    """A date in three boxes. `missing`: the message when a required date is not given ("Enter a due date");
    `called`: the date's name in other messages, the label unless given; `one_value`: a link may give
    the date as one value (the filters)."""
    return UkDateField(
        label=label,
        required=required,
        called=called,
        widget=DateInputs(one_value=one_value),
        help_text=help_text or "For example, 31 3 2027",
        error_messages={"required": missing or f"Enter the {(called or label).lower()}"},
    )


def url_field(label: str, *, required: bool = False, help_text: str = "") -> forms.URLField:
    return forms.URLField(
        label=label,
        required=required,
        max_length=500,
        assume_scheme="https",
        help_text=help_text,
        error_messages={"invalid": "Enter a web address, for example https://intranet.example/report"},
    )


def text_area(
    label: str, *, required: bool = True, help_text: str = "", rows: int = 4, missing: str = ""
) -> forms.CharField:
    """`missing`: the message when a required text is not given, saying what to write."""
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=10_000,
        error_messages={"required": missing} if missing else None,
    )


# The action workflow ----------------------------------------------------------------------


class ProgressForm(TrackerForm):
    note = text_area(
        "Progress note",
        help_text="What has been done since the last note, and what comes next.",
        missing="Enter a progress note",
    )
    move_to = forms.ChoiceField(label="Status", required=False, widget=forms.RadioSelect)

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        moves = [Action.Status(end) for start, end in sorted(PROGRESS_MOVES) if start == action.status]
        self.fields["move_to"].choices = [("", f"Keep as {action.get_status_display().lower()}")] + [
            (status.value, f"Move to {status.label.lower()}") for status in moves
        ]
        self.fields["move_to"].initial = ""
        if not moves:
            del self.fields["move_to"]


def _is_pdf(upload) -> bool:
    """The file parses as a PDF and has at least one page."""
    try:
        return len(pypdf.PdfReader(upload).pages) > 0
    except Exception:  # a parser of hostile input may fail in any way: each means "not a PDF"
        return False


# An office file holds XML and pictures: one that carries a program is a disguise.
PROGRAM_NAMES = (".exe", ".dll", ".scr", ".com", ".bat", ".cmd", ".msi", ".js", ".vbs", ".ps1")
ZIP_ENTRIES_MAX = 10_000


def _office_zip(upload, has_its_parts) -> bool:
    """A zip holding the parts its kind needs (`has_its_parts(archive, names)`) and no program:
    no entry named like one, none starting with a Windows program's "MZ"."""
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if len(entries) > ZIP_ENTRIES_MAX or not has_its_parts(archive, names):
                return False
            for entry in entries:
                if entry.filename.lower().endswith(PROGRAM_NAMES):
                    return False
                with archive.open(entry) as part:
                    if part.read(2) == b"MZ":
                        return False
            return True
    except Exception:  # a damaged, encrypted or odd zip fails in many ways: each means "not this kind"
        return False


def _is_ooxml(part_folder: str):
    """A Word, Excel or PowerPoint file: a zip with the content types list and its own part folder."""

    def has_its_parts(archive, names) -> bool:
        return "[Content_Types].xml" in names and any(name.startswith(part_folder) for name in names)

    return lambda upload: _office_zip(upload, has_its_parts)


def _is_odf(mimetype: str):
    """An OpenDocument file: a zip whose `mimetype` entry names its kind."""

    def has_its_parts(archive, names) -> bool:
        if "mimetype" not in names:
            return False
        with archive.open("mimetype") as entry:  # read no more than a mimetype needs
            return entry.read(100).strip() == mimetype.encode()

    return lambda upload: _office_zip(upload, has_its_parts)


def _is_image(kind: str):
    """An image of that kind (Pillow's name for it) that decodes in full; Pillow refuses a
    decompression bomb on the way."""

    def check(upload) -> bool:
        try:
            with Image.open(upload, formats=[kind]) as image:
                image.load()
            return True
        except Exception:  # as for PDFs: any failure to decode means "not this kind of image"
            return False

    return check


# Text that a browser would run or show as a page, if the file were ever opened in one.
MARKUP_STARTS = re.compile(rb"<\s*(html|script|!doctype|svg|iframe|body|head)\b", re.IGNORECASE)


def _is_text(upload) -> bool:
    """Plain text: no NUL (so no UTF-16 or binary), and nothing like a web page near the start.

    Any other bytes are text to someone: UTF-8, or Latin-1, which reads every byte."""
    content = upload.read()
    return b"\x00" not in content and not MARKUP_STARTS.search(content[:4096])


EVIDENCE_TYPES = {
    # extension: how a real file of that kind is recognised, by its structure
    ".pdf": _is_pdf,
    ".png": _is_image("PNG"),
    ".jpg": _is_image("JPEG"),
    ".jpeg": _is_image("JPEG"),
    ".docx": _is_ooxml("word/"),
    ".xlsx": _is_ooxml("xl/"),
    ".pptx": _is_ooxml("ppt/"),
    ".odt": _is_odf("application/vnd.oasis.opendocument.text"),
    ".ods": _is_odf("application/vnd.oasis.opendocument.spreadsheet"),
    ".txt": _is_text,
    ".csv": _is_text,
}


def evidence_limit_in_words() -> str:
    """The evidence size limit as people say it: "10 MB", not "10.0\xa0MB"."""
    return filesizeformat(settings.TRACKER_EVIDENCE_MAX_BYTES).replace("\xa0", " ").replace(".0 ", " ")


# A file system takes names of up to 255 bytes; storage may add a few characters to make one unique.
FILE_NAME_MAX_BYTES = 200


def check_file_name_length(upload) -> None:
    """A name the file system cannot hold is refused here, not by a failed save (letters such as é
    take two bytes or more, so the limit is counted in bytes)."""
    if len(upload.name.encode()) > FILE_NAME_MAX_BYTES:
        raise forms.ValidationError("The file's name is too long to keep: rename it to something shorter")


def check_evidence_file(upload) -> None:
    """Size and type, judged from the content as well as the name."""
    extension = Path(upload.name).suffix.lower()
    if extension not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(ext.lstrip(".").upper() for ext in EVIDENCE_TYPES))
        raise forms.ValidationError(f"The file must be one of these types: {allowed}")
    if upload.size > settings.TRACKER_EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(f"The file must be smaller than {evidence_limit_in_words()}")
    if upload.size == 0:
        raise forms.ValidationError("The file is empty")
    upload.seek(0)
    try:
        matches = EVIDENCE_TYPES[extension](upload)
    finally:
        upload.seek(0)
    if not matches:
        kind = extension.lstrip(".").upper()
        if EVIDENCE_TYPES[extension] is _is_text:
            raise forms.ValidationError(
                f"The file's content is not a {kind} file: it holds binary data or looks like a web page or script"
            )
        raise forms.ValidationError(f"The file's content is not a {kind} file: check it is the file you meant")


class EvidenceForm(TrackerForm):
    title = forms.CharField(
        label="What the evidence shows",
        max_length=200,
        error_messages={"required": "Enter what the evidence shows"},
    )
    file = forms.FileField(
        label="File",
        required=False,
        help_text="Attach a file or give a link below: one of the two is needed. "
        "PDF, Word, Excel, PowerPoint, OpenDocument, image, text or CSV.",
        validators=[check_file_name_length, check_evidence_file],
    )
    url = url_field("Or a link", help_text="A link to the evidence on the force intranet, for example")

    def clean(self):
        cleaned = super().clean()
        if "file" in self.errors or "url" in self.errors:
            return cleaned
        if not cleaned.get("file") and not cleaned.get("url"):
            self.add_error("file", "Attach a file or give a link")
        elif cleaned.get("file") and cleaned.get("url"):
            self.add_error("file", "Attach a file or give a link, not both")
        return cleaned


# Findings from a file (tracker/views/imports.py) --------------------------------------------------


def check_findings_file_size(upload) -> None:
    """Within the upload limit. Whether it is a findings file, CSV or Excel, findings_csv.read_findings says
    on the next page, line by line, as import_findings does."""
    if upload.size > settings.TRACKER_EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(f"The file must be smaller than {evidence_limit_in_words()}")


class FindingsFileForm(TrackerForm):
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="A CSV file (CSV UTF-8) or an Excel workbook (.xlsx, the findings on its first sheet) with the "
        "columns reference, kind, text, parent_reference and theme, and optionally addressee, register_id "
        "and title. The first row names the columns.",
        validators=[check_file_name_length, check_findings_file_size],
        error_messages={"required": "Choose a CSV or Excel file", "empty": "The file is empty"},
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class FindingsImportForm(TrackerForm):
    """Confirms the import the check page shows. token names the file that page was made from (a newer upload
    replaces it); add_themes is there only when the file names themes not known yet."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=100)
    add_themes = forms.BooleanField(
        label="Add these themes",
        required=False,
        help_text="They join the list of themes every finding is chosen from.",
    )

    def __init__(self, *args, new_themes: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not new_themes:
            del self.fields["add_themes"]


class SubmitForm(TrackerForm):
    note = text_area("Note for the reviewer", required=False, help_text="How the evidence shows the action is done.")


class VersionField(forms.IntegerField):
    """The version of the action the page was made from, so that a decision taken on a stale page is refused
    (services.EditConflict). Hidden; a post without it is taken as made on the action as it is now."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, **kwargs)


class SignOffDecisionForm(TrackerForm):
    """The PCC reviewer's one question about a submitted action; the check page comes before the decision."""

    SIGN_OFF, RETURN = "sign_off", "return"

    decision = forms.ChoiceField(
        label="What is your decision?",
        choices=[(SIGN_OFF, "Sign off"), (RETURN, "Return to the owner")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to sign off the action or return it to the owner"},
    )
    comment = text_area(
        "Comment",
        required=False,
        help_text="Needed to return it: the owner sees it and answers it before submitting again. "
        "With a sign-off, it is recorded with the decision.",
    )
    version = VersionField()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter a reason for returning it, so the owner knows what to do next")
        return cleaned


class WithdrawForm(TrackerForm):
    reason = text_area(
        "Why is this action being withdrawn?",
        help_text="Recorded in the action's history.",
        missing="Enter the reason for withdrawing this action",
    )
    version = VersionField()


class ExtensionRequestForm(TrackerForm):
    proposed_date = date_field("New due date", missing="Enter the new due date you are asking for")
    reason = text_area("Why is more time needed?", missing="Enter why more time is needed")

    def __init__(self, *args, action: Action, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action

    def clean_proposed_date(self):
        proposed = self.cleaned_data["proposed_date"]
        if proposed <= self.action.due_date:
            raise forms.ValidationError(
                f"The new due date must be after the current one, {self.action.due_date:%-d %B %Y}"
            )
        return proposed


class ExtensionDecisionForm(TrackerForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve: move the due date"), ("refuse", "Refuse: keep the due date")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse the extension"},
    )
    comment = text_area("Comment", required=False, help_text="Required when you refuse.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter why the extension is refused")
        return cleaned


class EmailSettingsForm(TrackerForm):
    email_preference = forms.ChoiceField(
        label="When do you want to hear what happens to your actions?",
        help_text="For example, when an action is assigned or returned to you, or is waiting for your sign-off.",
        choices=User.EmailPreference.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when you want to get emails",
            "invalid_choice": "Choose one of the options",
        },
    )


class PublicSummaryForm(TrackerForm):
    text = text_area(
        "Public summary",
        help_text="Published as you write it, in the panel's public report. Write it for the public: "
        "name no victims, witnesses or officers.",
        rows=5,
        missing="Enter a public summary",
    )


class DischargeForm(TrackerForm):
    comment = text_area("Comment", required=False, help_text="Recorded with the discharge.")


# The plan ---------------------------------------------------------------------------------


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} ({user.job_title})" if user.job_title else str(user)


ACTION_TITLE = {"required": "Enter a title"}
ACTION_OWNER = {"required": "Choose an owner", "invalid_choice": "Choose an owner from the list"}


class ActionCreateForm(TrackerForm):
    title = forms.CharField(label="Title", max_length=200, error_messages=ACTION_TITLE)
    description = text_area("Description", required=False, help_text="What will be done, and how we will know.")
    owner = OwnerChoiceField(
        label="Owner", queryset=User.objects.none(), empty_label="Choose an owner", error_messages=ACTION_OWNER
    )
    due_date = date_field("Due date", missing="Enter a due date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners()

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError("Enter a due date in the future, or today's date")
        return due


class ActionEditForm(TrackerForm):
    title = forms.CharField(label="Title", max_length=200, error_messages=ACTION_TITLE)
    description = text_area("Description", required=False)
    owner = OwnerChoiceField(label="Owner", queryset=User.objects.none(), empty_label=None, error_messages=ACTION_OWNER)
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        help_text="Recorded in the history.",
        error_messages={"required": "Enter the reason for the change"},
    )
    # The version the form was made from: a save from a stale page is refused.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This page was out of date: open the action again, then make your changes",
            "invalid": "This page was out of date: open the action again, then make your changes",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The owner it has stays on the list even without the Action owner role any more, so an edit that
        # does not choose another owner keeps them, rather than the list's first name taking the action.
        owner = self.initial.get("owner")
        kept = User.objects.filter(pk=owner.pk).distinct() if owner else User.objects.none()
        self.fields["owner"].queryset = possible_owners() | kept


class InspectionForm(TrackerModelForm):
    published = date_field("Published", missing="Enter the date the report was published", called="Date published")
    link = url_field("Link to the report")

    class Meta:
        model = Inspection
        fields = ["title", "slug", "kind", "force", "published", "link", "overall_grade", "attribution"]
        help_texts = {"slug": "Used in the page's address: lower-case letters, numbers and hyphens."}
        widgets = {"attribution": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "title": {"required": "Enter the report's title"},
            "slug": {
                "required": "Enter a short name for the page's address, for example peel-2016-effectiveness",
                "invalid": "Enter a short name of lower-case letters, numbers and hyphens only",
                "unique": "Another inspection already has this address: choose another",
            },
            "kind": {"required": "Choose the kind of inspection", "invalid_choice": "Choose a kind from the list"},
            "overall_grade": {"invalid_choice": "Choose a grade from the list"},
            "force": {"required": "Enter the force the report is about"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["attribution"].initial = OGL_ATTRIBUTION

    def clean(self):
        cleaned = super().clean()
        grade, published = cleaned.get("overall_grade"), cleaned.get("published")
        if grade and published and grade != Grade.NOT_GRADED:
            scale = dict(Inspection(published=published).grade_scale)
            if grade not in scale:
                self.add_error(
                    "overall_grade",
                    f"“{Grade(grade).label}” was not a grade for reports published then: "
                    f"use one of {', '.join(scale.values())}",
                )
        return cleaned


class PccResponseForm(TrackerForm):
    comments_invited = date_field(
        "Chief constable's comments invited", required=False, called="Date the comments were invited"
    )
    comments_received = date_field(
        "Chief constable's comments received", required=False, called="Date the comments were received"
    )
    response_published = date_field(
        "PCC response published", required=False, called="Date the PCC's response was published"
    )
    response_link = url_field("Link to the published response")

    def __init__(self, *args, recommendations=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Section 55(5B): for each recommendation, the action taken or proposed, or why none.
        self.recommendations = list(recommendations)
        for finding in self.recommendations:
            self.fields[f"explanation_{finding.pk}"] = forms.CharField(
                label=f"Recommendation {finding.display_name}",
                required=False,
                initial=finding.response_explanation,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="The action taken or proposed in response, or why none is.",
            )

    @property
    def explanations(self) -> dict[int, str]:
        return {finding.pk: self.cleaned_data[f"explanation_{finding.pk}"] for finding in self.recommendations}

    def clean(self):
        cleaned = super().clean()
        invited, received = cleaned.get("comments_invited"), cleaned.get("comments_received")
        if invited and received and received < invited:
            self.add_error("comments_received", "The comments cannot be received before they were invited")
        return cleaned


class RegisterEntryForm(TrackerForm):
    date = date_field("Date of the inspectorate's update", missing="Enter the date of the inspectorate's update")
    status = forms.ChoiceField(
        label="The inspectorate's status",
        choices=RegisterStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the status the inspectorate gave"},
    )
    comment = text_area("Comment", required=False, help_text="What the register says, in its words.")


class FindingForm(TrackerModelForm):
    class Meta:
        model = Finding
        fields = ["kind", "reference", "title", "text", "is_summary", "theme", "parent", "addressee", "register_id"]
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 8})}
        labels = {"is_summary": "The text is a summary, not the inspectorate's own words"}
        error_messages = {
            "kind": {"required": "Choose the kind of finding", "invalid_choice": "Choose a kind from the list"},
            "reference": {"required": "Enter the finding's reference, for example AFI3"},
            "text": {"required": "Enter the inspectorate's words, or a summary of them"},
        }

    def __init__(self, *args, inspection: Inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.inspection = inspection
        parents = inspection.findings.filter(kind=Finding.Kind.CAUSE_OF_CONCERN)
        if self.instance.pk:
            parents = parents.filter(pk__lt=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["theme"].queryset = Theme.objects.all()
        self.fields["kind"].choices = Finding.Kind.choices  # radios need no blank choice

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        clashes = self.instance.inspection.findings.exclude(pk=self.instance.pk).filter(reference__iexact=reference)
        if clashes.exists():
            raise forms.ValidationError(f"This inspection already has a finding with reference {reference}")
        return reference

    def clean(self):
        cleaned = super().clean()
        parent, kind = cleaned.get("parent"), cleaned.get("kind")
        if parent and kind != Finding.Kind.RECOMMENDATION:
            self.add_error("parent", "Only a recommendation sits under a cause of concern")
        if kind and (refusal := self.instance.kind_change_refusal(kind)):
            self.add_error("kind", refusal)
        return cleaned


# Filters ----------------------------------------------------------------------------------


class LongSelect(forms.Select):
    """A select for lists that grow with the plan (every inspection, every owner).

    Its options are written by one loop in one template, not a template each, so a long list
    costs little more to render than a short one. No option groups, which these never have.
    """

    template_name = "tracker/forms/long_select.html"

    def optgroups(self, name, value, attrs=None):
        """Each option as value, label and whether it is chosen: the fields the template reads.

        Django builds a whole widget context for each option, for templates that may use any of it;
        this builds only what ours reads.
        """
        chosen = set(value)
        options = [
            {"value": option_value, "label": label, "selected": str(option_value) in chosen}
            for option_value, label in self.choices
        ]
        return [(None, options, 0)]


class PanelReportForm(TrackerForm):
    """What the panel report covers: one inspection, or every one.

    A panel usually takes one report at a meeting, and one inspection's report costs the
    same however large the plan; every inspection is there for the whole plan at once,
    and costs what the whole plan holds, as an export does.
    """

    EVERY = "all"

    inspection = forms.ChoiceField(
        label="Inspections in this report",
        help_text="One inspection, as a panel usually takes them, or every inspection in the plan.",
        widget=LongSelect,
        error_messages={
            "required": "Choose an inspection, or every inspection",
            "invalid_choice": "Choose an inspection from the list, or every inspection",
        },
    )

    def __init__(self, *args, inspections: list[tuple[str, str]], **kwargs):
        """`inspections`: (slug, title) of each inspection the viewer may see, in the order to offer them."""
        super().__init__(*args, **kwargs)
        self.fields["inspection"].choices = [(self.EVERY, "Every inspection"), *inspections]

    @property
    def covers_every(self) -> bool:
        return self.is_valid() and self.cleaned_data["inspection"] == self.EVERY

    def chosen(self, inspections):
        """The inspections asked for, from the queryset of those the viewer may see."""
        return inspections if self.covers_every else inspections.filter(slug=self.cleaned_data["inspection"])


class RowsChoiceIterator(ModelChoiceIterator):
    """Options as (value, label) rows read straight from the database: no model instance for each."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.field.choice_rows(self.queryset)


class InspectionFilterField(forms.ModelChoiceField):
    iterator = RowsChoiceIterator

    def choice_rows(self, inspections):
        return inspections.values_list("slug", "title")


class OwnerFilterField(forms.ModelChoiceField):
    iterator = RowsChoiceIterator

    def choice_rows(self, people):
        for pk, first_name, last_name, username in people.values_list("pk", "first_name", "last_name", "username"):
            yield pk, User.name_of(first_name, last_name, username)


class ActionFilterForm(TrackerForm):
    """Filters for the action list. Every field is optional; bad values are reported, not fatal."""

    # For the field template: no label says "(optional)" when every field is, and these span the row.
    every_field_optional = True
    wide_fields = ("q", "status", "overdue")

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Words in the title, description, finding or owner's name",
    )
    status = forms.MultipleChoiceField(
        label="Status", required=False, choices=Action.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    rag = forms.ChoiceField(
        label="RAG",
        required=False,
        choices=[("", "Any"), *((rag.value, rag.short_label) for rag in Rag)],
    )
    owner = OwnerFilterField(
        label="Owner", required=False, queryset=User.objects.none(), empty_label="Anyone", widget=LongSelect
    )
    inspection = InspectionFilterField(
        label="Inspection",
        required=False,
        queryset=Inspection.objects.all(),
        to_field_name="slug",
        empty_label="Any",
        widget=LongSelect,
    )
    theme = forms.ModelChoiceField(label="Theme", required=False, queryset=Theme.objects.all(), empty_label="Any")
    kind = forms.ChoiceField(label="Finding kind", required=False, choices=[("", "Any"), *Finding.Kind.choices])
    due_from = date_field("Due from", required=False, called="The start of the due range", one_value=True)
    due_to = date_field("Due by", required=False, called="The end of the due range", one_value=True)
    overdue = forms.BooleanField(label="Only overdue actions", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners()

    def clean(self):
        cleaned = super().clean()
        due_from, due_to = cleaned.get("due_from"), cleaned.get("due_to")
        if due_from and due_to and due_to < due_from:
            self.add_error("due_to", "The end of the due range must be on or after its start")
        return cleaned


# Multi-factor sign-in (tracker/mfa.py) ----------------------------------------------------------


class SecondFactorCodeForm(TrackerForm):
    """A code from an authenticator app (tracker/mfa.py checks it): six digits, spaces forgiven."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 digits your app shows now for the Improvement Plan Tracker.",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app, numbers only")
        return code


class RecoveryCodeForm(TrackerForm):
    code = forms.CharField(
        label="Recovery code",
        help_text="One of the recovery codes you kept when you set up your authenticator app. Each works once.",
        max_length=40,
        error_messages={"required": "Enter one of your recovery codes"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_code(self):
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()


# People (/people/, tracker/people.py) ----------------------------------------------------------


def role_field(label: str) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Group.objects.filter(name__in=permissions.ROLES).order_by("name"),
        to_field_name="name",  # posted by name: nothing to overflow a number column, and readable
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one role"},
    )


def reason_field(label: str, help_text: str) -> forms.CharField:
    field = text_area(label, help_text=help_text, rows=3)
    field.error_messages["required"] = "Give the reason: it is kept in their history"
    return field


class PersonCreateForm(TrackerForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What they sign in with. For single sign-on, their user name at the force (often their email).",
        error_messages={"required": "Enter a username"},
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Where their link to set a password goes.",
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address, like name@force.police.uk",
        },
    )
    job_title = forms.CharField(label="Job title", max_length=150, required=False)
    roles = role_field("Roles")
    sign_in = forms.ChoiceField(
        label="How will they sign in?",
        choices=[("password", "With a password: email them a link to set one"), ("sso", "With single sign-on")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they will sign in"},
    )

    def __init__(self, *args, offer_sign_on: bool, **kwargs):
        """`offer_sign_on`: single sign-on is set up and passwords are allowed too, so the choice is theirs."""
        super().__init__(*args, **kwargs)
        if not offer_sign_on:
            del self.fields["sign_in"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("Someone already has this username: choose another")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone already has this email address")
        return email


class RolesForm(TrackerForm):
    roles = role_field("Roles")
    reason = reason_field("Reason for the change", "Kept in their history, with your name.")


class DeactivateForm(TrackerForm):
    reason = reason_field("Why are they leaving?", "Kept in their history, with your name.")


class UnlinkSignOnForm(TrackerForm):
    reason = reason_field("Why unlink it?", "For example: their user name has been given to someone new.")


class ConfirmForm(TrackerForm):
    """A button and nothing else (but a hidden field, so a bad post has something to be refused by): for a
    step with nothing to choose."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes", required=False, max_length=10)


class StaffFileForm(TrackerForm):
    file = forms.FileField(
        label="Staff CSV file",
        help_text="Columns username,first_name,last_name,email,job_title,roles; roles separated by ;",
        error_messages={"required": "Choose a CSV file to upload"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > STAFF_FILE_LIMIT:
            raise forms.ValidationError(f"The file must be smaller than {filesizeformat(STAFF_FILE_LIMIT)}")
        return upload


STAFF_FILE_LIMIT = 512 * 1024


class PeopleFilterForm(TrackerForm):
    every_field_optional = True

    q = forms.CharField(label="Search", required=False, max_length=200, help_text="Name, username, email or job title")
    role = forms.ModelChoiceField(
        label="Role",
        required=False,
        queryset=Group.objects.filter(name__in=permissions.ROLES).order_by("name"),
        to_field_name="name",
        empty_label="Any",
    )
    active = forms.ChoiceField(
        label="Account",
        required=False,
        choices=[("", "Active"), ("no", "Deactivated"), ("all", "Active or not")],
    )


# Forgotten passwords (Django's reset views, in the site's look) -------------------------------------


class ForgottenPasswordForm(TrackerFormMixin, PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address your account has. If it has one, we email you a link to choose a new password.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address, like name@force.police.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, *, request=None, domain_override=None, use_https=False, **kwargs):
        # Links go to TRACKER_SITE_URL, never to whatever Host header the request came with.
        domain, https = people.site_address(request)
        return super().save(request=request, domain_override=domain, use_https=https, **kwargs)


class NewPasswordForm(TrackerFormMixin, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Type the new password again"
        self.fields["new_password2"].error_messages["required"] = "Type the new password again"
