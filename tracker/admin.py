"""The Django admin: people and roles, reference data, and the full record for auditors.

The plan (inspections, findings, actions and every record on them) changes
only through the site and tracker/services.py, where the rules live: here it
is read-only for everyone, superusers included, so the admin can never move
an action onto a discharged finding, give it an owner who may not own
actions, or skip its history. What the admin writes is people, their roles
and the reference themes. History is on every tracked model; reverting from
it is disabled in settings (SIMPLE_HISTORY_REVERT_DISABLED).
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    ProgressUpdate,
    RegisterEntry,
    ReminderSent,
    SignOff,
    SignOffChain,
    Theme,
    User,
)


class DrillDownChangeList(ChangeList):
    """Django's list, with a date drill-down year too large for a date (?due_date__year=99999999999999999999)
    taken as a bad filter, as a year in letters already is, not a server error."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class TrackerAdmin(admin.ModelAdmin):
    """What every admin page of ours shares: the list above."""

    def get_changelist(self, request, **kwargs):
        return DrillDownChangeList


class ReadOnly:
    """Readable here, nothing more: for the plan's records and the append-only logs."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, TrackerAdmin):
    pass


def require_id_of(model, value: str) -> None:
    """404 for an id in the address that could not be one of this model's: simple-history's views
    pass it straight to a query, where "abc" for a number is a server error, not a missing page."""
    try:
        model._meta.pk.to_python(unquote(value))
    except ValidationError:
        raise Http404(f"No {model._meta.verbose_name} has the id {value!r}") from None


class NoRevertHistoryAdmin(SimpleHistoryAdmin, TrackerAdmin):
    # Links typed without a scheme are taken as https, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def history_view(self, request, object_id, extra_context=None):
        require_id_of(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history hides the revert button when reverting is disabled,
        # but still saves a POST to this view, checking only view permission.
        if request.method == "POST":
            raise PermissionDenied("Reverting from history is disabled: history is a record, not an undo.")
        require_id_of(self.model, object_id)
        require_id_of(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryAdmin(NoRevertHistoryAdmin):
    """Tracked records: deleting one would break the audit trail, so it is never offered."""

    def has_delete_permission(self, request, obj=None):
        return False


class PlanAdmin(ReadOnly, NoRevertHistoryAdmin):
    """The plan's tracked records: read with their history, changed only on the site."""


@admin.register(User)
class UserAdmin(NoRevertHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "job_title", "email", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email", "job_title"]
    fieldsets = [
        *BaseUserAdmin.fieldsets[:1],
        ("Personal info", {"fields": ["first_name", "last_name", "job_title", "email"]}),
        *BaseUserAdmin.fieldsets[2:],
    ]

    def has_delete_permission(self, request, obj=None):
        # People leave; their record of who did what stays. Deactivate instead.
        return False


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "description"]


class JudgementInline(ReadOnly, admin.TabularInline):
    model = Judgement
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(PlanAdmin):
    list_display = ["title", "kind", "force", "published", "overall_grade", "response_published"]
    list_filter = ["kind", "overall_grade", "force", "published"]
    search_fields = ["title", "slug", "force"]
    date_hierarchy = "published"
    inlines = [JudgementInline]


@admin.register(Judgement)
class JudgementAdmin(PlanAdmin):
    list_display = ["question", "grade", "inspection", "position"]
    list_filter = ["grade"]
    list_select_related = ["inspection"]
    search_fields = ["question", "summary", "inspection__title"]


class RegisterEntryInline(ReadOnly, admin.TabularInline):
    model = RegisterEntry
    extra = 0
    fields = ["date", "status", "comment", "recorded_by"]


@admin.register(Finding)
class FindingAdmin(PlanAdmin):
    list_display = ["reference", "title", "kind", "inspection", "theme", "is_summary", "register_id"]
    list_filter = ["kind", "is_summary", "theme", "inspection"]
    list_select_related = ["inspection", "theme"]
    search_fields = ["reference", "title", "text", "register_id", "inspection__title"]
    inlines = [RegisterEntryInline]


@admin.register(RegisterEntry)
class RegisterEntryAdmin(PlanAdmin):
    list_display = ["finding", "date", "status"]
    list_filter = ["status"]
    list_select_related = ["finding", "finding__inspection"]
    search_fields = ["finding__reference", "finding__title", "comment"]


class ProgressUpdateInline(ReadOnly, admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "note", "status_from", "status_to"]
    readonly_fields = fields


@admin.register(Action)
class ActionAdmin(PlanAdmin):
    list_display = ["title", "status", "owner", "due_date", "original_due_date", "finding"]
    list_filter = ["status", "finding__inspection", "finding__kind", "finding__theme", "due_date"]
    list_select_related = ["owner", "finding", "finding__inspection"]
    search_fields = ["title", "description", "finding__reference", "finding__title", "owner__last_name"]
    date_hierarchy = "due_date"
    # The internal edit counter is how the site catches a stale form; nobody reads it.
    exclude = ["version"]
    inlines = [ProgressUpdateInline]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["action", "author", "created_at", "status_from", "status_to"]
    list_filter = ["status_to"]
    list_select_related = ["action", "author"]
    search_fields = ["note", "action__title"]


@admin.register(Evidence)
class EvidenceAdmin(PlanAdmin):
    list_display = ["title", "action", "added_by", "added_at"]
    list_select_related = ["action", "added_by"]
    search_fields = ["title", "url", "action__title"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(PlanAdmin):
    list_display = ["action", "proposed_date", "previous_due_date", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["action", "requested_by", "decided_by"]
    search_fields = ["action__title", "reason", "decision_comment"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["decided_at", "decision", "action", "finding", "decided_by", "record_hash"]
    list_filter = ["decision", "decided_at"]
    list_select_related = ["action", "finding", "decided_by"]
    search_fields = ["comment", "action__title", "finding__reference"]
    date_hierarchy = "decided_at"


@admin.register(SignOffChain)
class SignOffChainAdmin(ReadOnlyAdmin):
    list_display = ["length", "last_hash"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["sent_on", "recipient", "item"]
    list_filter = ["sent_on"]
    list_select_related = ["recipient"]
    search_fields = ["item", "recipient__username", "recipient__last_name"]
