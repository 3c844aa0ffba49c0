"""The Django admin: users and roles, reference data, and the full record for auditors.

Workflow fields (status, due dates, who submitted) are read-only here: they
move only through tracker/services.py. Sign-offs and progress notes are
append-only, and nothing with a sign-off can be deleted (PROTECT sees to the
rest). History is on every tracked model; reverting from it is disabled in
settings (SIMPLE_HISTORY_REVERT_DISABLED).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
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


class AppendOnlyAdmin(admin.ModelAdmin):
    """Records that are never edited or deleted once written: readable here, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoRevertHistoryAdmin(SimpleHistoryAdmin):
    # Links typed without a scheme are taken as https, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history hides the revert button when reverting is disabled,
        # but still saves a POST to this view, checking only view permission.
        if request.method == "POST":
            raise PermissionDenied("Reverting from history is disabled: history is a record, not an undo.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryAdmin(NoRevertHistoryAdmin):
    """Tracked records: deleting one would break the audit trail, so it is never offered."""

    def has_delete_permission(self, request, obj=None):
        return False


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


class JudgementInline(admin.TabularInline):
    model = Judgement
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(HistoryAdmin):
    list_display = ["title", "kind", "force", "published", "overall_grade", "response_published"]
    list_filter = ["kind", "overall_grade", "force", "published"]
    search_fields = ["title", "slug", "force"]
    date_hierarchy = "published"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [JudgementInline]


@admin.register(Judgement)
class JudgementAdmin(HistoryAdmin):
    list_display = ["question", "grade", "inspection", "position"]
    list_filter = ["grade"]
    list_select_related = ["inspection"]
    search_fields = ["question", "summary", "inspection__title"]


class RegisterEntryInline(admin.TabularInline):
    model = RegisterEntry
    extra = 0
    fields = ["date", "status", "comment", "recorded_by"]
    readonly_fields = ["recorded_by"]


@admin.register(Finding)
class FindingAdmin(HistoryAdmin):
    list_display = ["reference", "title", "kind", "inspection", "theme", "is_summary", "register_id"]
    list_filter = ["kind", "is_summary", "theme", "inspection"]
    list_select_related = ["inspection", "theme"]
    search_fields = ["reference", "title", "text", "register_id", "inspection__title"]
    raw_id_fields = ["parent"]
    inlines = [RegisterEntryInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.sign_offs.exists():
            return False  # Discharged: nothing signed off changes afterwards.
        return super().has_change_permission(request, obj)


@admin.register(RegisterEntry)
class RegisterEntryAdmin(HistoryAdmin):
    list_display = ["finding", "date", "status"]
    list_filter = ["status"]
    list_select_related = ["finding", "finding__inspection"]
    search_fields = ["finding__reference", "finding__title", "comment"]


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "note", "status_from", "status_to"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(HistoryAdmin):
    list_display = ["title", "status", "owner", "due_date", "original_due_date", "finding"]
    list_filter = ["status", "finding__inspection", "finding__kind", "finding__theme", "due_date"]
    list_select_related = ["owner", "finding", "finding__inspection"]
    search_fields = ["title", "description", "finding__reference", "finding__title", "owner__last_name"]
    date_hierarchy = "due_date"
    raw_id_fields = ["finding"]
    readonly_fields = [
        "status",
        "due_date",
        "original_due_date",
        "submitted_by",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [ProgressUpdateInline]

    def has_add_permission(self, request):
        # Actions are created by improvement leads on the site, through the workflow.
        return False

    def save_model(self, request, obj, form, change):
        obj.version += 1  # an edit here makes any form open on the site stale, as a site edit would
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False  # Signed off or withdrawn: final.
        return super().has_change_permission(request, obj)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AppendOnlyAdmin):
    list_display = ["action", "author", "created_at", "status_from", "status_to"]
    list_filter = ["status_to"]
    list_select_related = ["action", "author"]
    search_fields = ["note", "action__title"]


@admin.register(Evidence)
class EvidenceAdmin(HistoryAdmin):
    list_display = ["title", "action", "added_by", "added_at"]
    list_select_related = ["action", "added_by"]
    search_fields = ["title", "url", "action__title"]
    readonly_fields = ["action", "file", "url", "added_by", "added_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(HistoryAdmin):
    list_display = ["action", "proposed_date", "previous_due_date", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["action", "requested_by", "decided_by"]
    search_fields = ["action__title", "reason", "decision_comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # Requests and decisions are made on the site, through the workflow.


@admin.register(SignOff)
class SignOffAdmin(AppendOnlyAdmin):
    list_display = ["decided_at", "decision", "action", "finding", "decided_by", "record_hash"]
    list_filter = ["decision", "decided_at"]
    list_select_related = ["action", "finding", "decided_by"]
    search_fields = ["comment", "action__title", "finding__reference"]
    date_hierarchy = "decided_at"


@admin.register(SignOffChain)
class SignOffChainAdmin(AppendOnlyAdmin):
    list_display = ["length", "last_hash"]


@admin.register(ReminderSent)
class ReminderSentAdmin(AppendOnlyAdmin):
    list_display = ["sent_on", "recipient", "item"]
    list_filter = ["sent_on"]
    list_select_related = ["recipient"]
    search_fields = ["item", "recipient__username", "recipient__last_name"]
