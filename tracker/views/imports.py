"""Findings from a file: a lead uploads a CSV file or an Excel workbook, checks every finding it holds
with every problem by line, and confirms the import.

The file is read and written with the same two calls as import_findings (findings_csv.read_findings,
then services.add_findings), so the page and the command take and refuse the same files, in the same
words. Between the check and the import the file is kept server-side (tracker/import_files.py) and read
again on confirming: whatever changed meanwhile is checked again, and add_findings checks once more
under its lock. Nothing is written unless every row goes in.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import findings_csv, import_files, permissions, services
from ..findings_csv import LineError
from ..forms import FindingsFileForm, FindingsImportForm
from . import breadcrumbs_to, form_page, posted
from .inspections import get_inspection

STALE = "A newer file was uploaded for this inspection since that page was made: check this one before importing it."
GONE = "There is no file waiting to be imported: it was imported already, or your session ended. Upload it again."
RACE = "Someone else changed the findings or themes at the same moment: nothing was imported. Try again."


@require_http_methods(["GET", "POST"])
def findings_import(request, slug: str):
    inspection = get_inspection(request, slug)
    permissions.require_import_findings(request.user, inspection)
    form = FindingsFileForm(posted(request), request.FILES if request.method == "POST" else None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        import_files.keep(request.session, inspection, upload.read(), upload.name)
        return redirect("tracker:findings-import-check", inspection.slug)
    return form_page(
        request,
        form,
        heading="Import findings",
        button="Upload and check",
        caption=inspection.title,
        intro="Nothing is imported yet: the next page shows every finding in the file, with any problem by line, "
        "for you to check and confirm.",
        cancel_url=inspection.get_absolute_url(),
        breadcrumbs=breadcrumbs_to(inspection),
    )


@dataclass
class Checked:
    """What findings_csv.read_findings made of the kept file: the rows and every error, by line."""

    rows: list[dict]
    errors: list[LineError]
    theme_errors: list[LineError]  # those that adding the new themes clears

    @property
    def new_themes(self) -> dict[str, list[int]]:
        """The themes not known yet, each with the lines that name it."""
        named: dict[str, list[int]] = {}
        for row in self.rows:
            if row["theme"] is not None and row["theme"].pk is None:
                named.setdefault(row["theme"].name, []).append(row["line"])
        return named

    @property
    def can_confirm(self) -> bool:
        """Nothing wrong but new themes, which the "Add these themes" box adds."""
        return bool(self.rows) and all(error in self.theme_errors for error in self.errors)


def check(kept: import_files.KeptFile, inspection, *, add_themes: bool) -> Checked:
    try:
        rows = findings_csv.read_findings(kept.data, inspection, add_themes=add_themes, name=kept.name)
    except findings_csv.InvalidFindingsFile as invalid:
        return Checked(invalid.rows, invalid.errors, invalid.theme_errors)
    return Checked(rows, [], [])


@require_http_methods(["GET", "POST"])
def findings_import_check(request, slug: str):
    inspection = get_inspection(request, slug)
    permissions.require_import_findings(request.user, inspection)
    kept = import_files.kept(request.session, inspection)
    if kept is None:
        if request.method == "POST":
            messages.error(request, GONE)
        return redirect("tracker:findings-import", inspection.slug)
    if request.method == "POST":
        return confirm_import(request, inspection, kept)
    checked = check(kept, inspection, add_themes=False)
    form = FindingsImportForm(initial={"token": kept.token}, new_themes=bool(checked.new_themes))
    # Themes not known yet are listed with the box that adds them: errors only if confirmed without it.
    shown = [error for error in checked.errors if error not in checked.theme_errors]
    return check_page(request, inspection, kept, checked, form, shown)


def confirm_import(request, inspection, kept: import_files.KeptFile):
    """The file read again (the plan may have changed since the check), then written, all of it or nothing."""
    form = FindingsImportForm(request.POST, new_themes=True)
    if not form.is_valid() or form.cleaned_data["token"] != kept.token:
        messages.error(request, STALE)
        return redirect("tracker:findings-import-check", inspection.slug)
    checked = check(kept, inspection, add_themes=form.cleaned_data["add_themes"])
    if checked.errors:
        return check_page(request, inspection, kept, checked, form, checked.errors)
    message = imported(checked)  # before the write, which saves the new themes
    try:
        services.add_findings(inspection, checked.rows, by=request.user, reason=f"Imported from {kept.name}")
    except services.RowsRefused as refusal:  # what changed between this check and the write
        return check_page(request, inspection, kept, checked, form, refused=refusal.problems)
    except ValidationError as error:
        return check_page(request, inspection, kept, checked, form, refused=error.messages)
    except IntegrityError:  # as import_findings: a clash the database caught first
        return check_page(request, inspection, kept, checked, form, refused=[RACE])
    import_files.discard(request.session, inspection)
    messages.success(request, message)
    return redirect(inspection)


def findings(count: int) -> str:
    return f"{count} finding{'' if count == 1 else 's'}"


def imported(checked: Checked) -> str:
    message = f"Imported {findings(len(checked.rows))}"
    if new_themes := list(checked.new_themes):
        message += f", with the new theme{'' if len(new_themes) == 1 else 's'} {', '.join(new_themes)}"
    return message


def check_page(request, inspection, kept, checked: Checked, form, errors=(), *, refused=()):
    """The check page: every row with its errors, every error in the summary, and the button to confirm
    (or, while the file has errors, a form to upload the corrected file). A 400 when it shows errors."""
    in_table = {row["line"] for row in checked.rows}
    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.line, []).append(error.reason)
    context = {
        "inspection": inspection,
        "breadcrumbs": breadcrumbs_to(inspection),
        "name": kept.name,
        "rows": [(row, reasons.get(row["line"], [])) for row in checked.rows],
        "errors": [(error, error.line in in_table) for error in errors],
        "refused": refused,
        "new_themes": checked.new_themes,
        "form": form if checked.can_confirm else None,
        "confirm_button": f"Confirm and import {findings(len(checked.rows))}",
        "upload_form": None if checked.can_confirm else FindingsFileForm(),
        "upload_url": reverse("tracker:findings-import", args=[inspection.slug]),
        "nav": "inspections",
    }
    status = 400 if errors or refused else 200
    return render(request, "tracker/findings_import_check.html", context, status=status)
