"""The Django admin: people and roles, reference data, and the full record for auditors.

The plan (inspections, findings, actions and every record on them) changes
only through the site and tracker/services.py, where the rules live: here it
is read-only for everyone, superusers included, so the admin can never move
an action onto a discharged finding, give it an owner who may not own
actions, or skip its history. What the admin writes is people, their roles
and the reference themes, under the rules in permissions.py: only a superuser
grants powers or sets passwords, nobody changes their own roles, every role
change has a reason in history, and a role that signs off is not given by
someone who holds it. History is on every tracked model; reverting from
it is disabled in settings (SIMPLE_HISTORY_REVERT_DISABLED).
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from . import mfa, people, permissions
from .models import (
    Action,
    Evidence,
    ExtensionRequest,
    Finding,
    Inspection,
    Judgement,
    Notification,
    ProgressUpdate,
    PublicSummary,
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


# Bookkeeping no reader needs in a record's history: the edit counter that catches a stale form.
NOT_HISTORY = {"version"}


class ReadableChanges(HistoricalRecordContextHelper):
    """A change in the admin's history as people say it: a status by its label ("Submitted for sign-off",
    not `submitted`), and a person by name; an empty link is "(none)", not "Deleted user (pk=None)"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(value, DeletedObject) and value.pk is None:
            return "(none)"
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class NoRevertHistoryAdmin(SimpleHistoryAdmin, TrackerAdmin):
    # Links typed without a scheme are taken as https, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """simple-history's diff of each row against the one before it, without the bookkeeping fields."""
        previous = None
        for current in historical_records:
            if previous is not None:
                hidden = [name for name in NOT_HISTORY if hasattr(self.model, name)]
                delta = previous.diff_against(current, excluded_fields=hidden, foreign_keys_are_objs=True)
                previous.history_delta_changes = self.get_historical_record_context_helper(
                    request, previous
                ).context_for_delta_changes(delta)
            previous = current

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


class PersonForm(UserChangeForm):
    """A person's page in the admin: a role change is checked against the rules and needs a reason."""

    change_reason = forms.CharField(
        label="Reason for the role change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when roles change; kept in the person's history.",
    )
    by = None  # who is making the change: set for each request by UserAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "is_staff" in self.fields:  # shown to a superuser only
            staff = self.fields["is_staff"]
            staff.help_text = "Not what lets a person into the admin: the Auditor and Administrator roles do."

    def clean(self):
        cleaned = super().clean()
        if "groups" in self.fields and "groups" in self.changed_data:
            try:
                permissions.require_change_roles(self.by, self.instance, cleaned.get("groups") or [])
            except permissions.ActionRefused as refused:
                self.add_error("groups", str(refused))
            if not cleaned.get("change_reason", "").strip():
                self.add_error("change_reason", "Give the reason for the role change: it is kept in their history.")
        return cleaned


class NewPersonForm(forms.ModelForm):
    """A new account as an administrator makes it: no password (they set their own from a reset link)."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "job_title", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Where their password reset link goes."

    def save(self, commit=True):
        person = super().save(commit=False)
        person.set_unusable_password()
        if commit:
            person.save()
        return person


@admin.register(User)
class UserAdmin(NoRevertHistoryAdmin, BaseUserAdmin):
    form = PersonForm
    list_display = ["username", "first_name", "last_name", "job_title", "email", "roles", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email", "job_title"]
    actions = ["send_password_reset_link", "reset_second_factor"]

    def get_queryset(self, request):
        # The Roles column reads every person's groups in one query, however long the list.
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, person):
        return ", ".join(group.name for group in person.groups.all()) or "none"

    def get_list_filter(self, request):
        powers = ["is_superuser"] if permissions.can_grant_powers(request.user) else []
        return ["groups", "is_active", *powers]

    def get_fieldsets(self, request, obj=None):
        powers = permissions.can_grant_powers(request.user)
        if obj is None:
            # A superuser sets a password when setting up; anyone else makes an account without one.
            return super().get_fieldsets(request, obj) if powers else [(None, {"fields": NewPersonForm.Meta.fields})]
        access = (
            ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
            if powers
            else ["is_active", "groups"]
        )
        if self.has_change_permission(request, obj):
            access.append("change_reason")
        return [
            (None, {"fields": ["username", "password"] if powers else ["username"]}),
            ("Personal info", {"fields": ["first_name", "last_name", "job_title", "email"]}),
            ("Roles and access", {"fields": access}),
            ("Important dates", {"fields": ["last_login", "date_joined"]}),
            # Set by a first single sign-on (tracker/sso.py); never typed in.
            ("Single sign-on", {"fields": ["sso_subject"]}),
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not permissions.can_grant_powers(request.user):
            kwargs["form"] = NewPersonForm
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            # The form checks a role change against the rules for the person making it.
            form = type(form.__name__, (form,), {"by": request.user})
        return form

    def save_model(self, request, obj, form, change):
        if "groups" in form.changed_data:
            # Kept on the history row the save writes; the roles change in save_related.
            obj._change_reason = form.cleaned_data["change_reason"].strip()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # A change of roles goes through the same service as on the People page (tracker/people.py), which
        # checks the rule again with the person locked and keeps the reason on the history rows it writes.
        roles = list(form.cleaned_data["groups"]) if change and "groups" in form.changed_data else None
        if roles is not None:
            form.cleaned_data["groups"] = list(form.instance.groups.all())
        super().save_related(request, form, formsets, change)
        if roles is not None:
            reason = form.cleaned_data["change_reason"].strip()
            people.change_roles(form.instance, by=request.user, roles=roles, reason=reason)

    def response_add(self, request, obj, post_url_continue=None):
        if not obj.has_usable_password():
            self.message_user(
                request,
                f"{obj} has no password yet: give them their roles, then send them a password reset link "
                "(“Send a password reset link” on the list of people).",
                messages.INFO,
            )
        return super().response_add(request, obj, post_url_continue)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "sso_subject"]
        if obj is not None and not permissions.can_change_address(request.user, obj):
            readonly.append("email")
        if obj is not None and not permissions.can_grant_powers(request.user):
            # Deactivating has its rules (never yourself, never while owning open actions, a reason
            # kept): it is done on the site, at /people/<id>/deactivate/. The dates are records.
            readonly += ["is_active", "last_login", "date_joined"]
        return readonly

    def has_change_permission(self, request, obj=None):
        # An administrator may not change a superuser's account (its email, say, and then reset its password).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_change_person(request.user, obj))

    def user_change_password(self, request, id, form_url=""):
        person = self.get_object(request, unquote(id))
        if person is not None:
            permissions.require_set_password(request.user, person)
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Send a password reset link", permissions=["change"])
    def send_password_reset_link(self, request, queryset):
        sent = []
        for person in queryset:
            try:
                people.send_password_link(person, by=request.user)
            except permissions.ActionRefused as refused:
                self.message_user(request, str(refused), messages.WARNING)
                continue
            sent.append(str(person))
        if sent:
            self.message_user(request, f"Password reset link sent to {', '.join(sent)}.", messages.SUCCESS)

    @admin.action(
        description="Reset second factor (they set up their app again at next sign-in)", permissions=["change"]
    )
    def reset_second_factor(self, request, queryset):
        done = []
        for person in queryset:
            try:
                mfa.reset_second_factor(person, by=request.user)
            except permissions.ActionRefused as refused:
                self.message_user(request, str(refused), messages.WARNING)
                continue
            # In the admin's record of who did what (its log entries, "Recent actions"), as well as the site's log.
            self.log_change(request, person, "Reset their second factor: they set up their app again at next sign-in.")
            done.append(str(person))
        if done:
            self.message_user(request, f"Second factor reset for {', '.join(done)}.", messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        # People leave; their record of who did what stays. Deactivate instead.
        return False


admin.site.unregister(Group)
# Devices hold the keys of people's authenticator apps: never shown. "Reset second factor" on the list of people
# is what an administrator does with them.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(Group)
class RoleAdmin(BaseGroupAdmin):
    """The roles are read here; what each role may do is set up by a superuser, so that nobody who gives
    roles can add a power (signing off, say) to a role they hold."""

    def has_add_permission(self, request):
        return permissions.can_grant_powers(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_grant_powers(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_grant_powers(request.user)


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


@admin.register(PublicSummary)
class PublicSummaryAdmin(ReadOnlyAdmin):
    """Append-only, as progress notes are: a newer summary replaces an older one in the report."""

    list_display = ["finding", "action", "written_by", "written_at"]
    list_select_related = ["finding", "action", "written_by"]
    search_fields = ["text", "finding__reference", "action__title"]


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


# Sign-in records (django-axes): read by the roles permissions.can_read_sign_ins names, changed by nobody.


class SignInRecords(ReadOnly, TrackerAdmin):
    actions = None  # not even axes's "clean up expired attempts"

    def has_module_permission(self, request):
        return permissions.can_read_sign_ins(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_read_sign_ins(request.user)


for model, model_admin in [
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (AccessAttempt, AccessAttemptAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (SignInRecords, model_admin), {}))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: what send_notifications has sent, is still trying, or has given up (with why)."""

    list_display = ["created_at", "recipient", "kind", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username", "recipient__last_name"]
    exclude = ["claim"]
