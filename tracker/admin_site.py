"""The tracker's admin site: who gets in is a rule in permissions.py, not a "staff status" box.

Django's own site lets in anyone active with is_staff, and its sign-in form
refuses anyone without it. Here both ask permissions.can_use_admin, so giving
someone the Auditor or Administrator role, however it is given, is what lets
them in, and taking the role away shuts them out. What they may do inside is
still their role's permissions, model by model.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from . import mfa, permissions, sso
from .forms import PasswordSignIn, UsernameWithinLimit
from .sign_in_throttle import refuse_when_paused


class TrackerAdminAuthenticationForm(PasswordSignIn, UsernameWithinLimit, AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        # The checks of AuthenticationForm (an active account), then ours instead of is_staff.
        super(AdminAuthenticationForm, self).confirm_login_allowed(user)
        if not permissions.can_use_admin(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class TrackerAdminSite(admin.AdminSite):
    login_form = TrackerAdminAuthenticationForm
    # Django's sign-in page, with the single sign-on button above it (and no form with passwords off).
    login_template = "admin/tracker_login.html"

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # The per-address pause on signing in holds here as on the site's own form.
        sign_in = refuse_when_paused(super().login)
        return sign_in(request, {**sso.sign_in_context(), **(extra_context or {})})

    def has_permission(self, request):
        # And the second factor given, where this session needs one (tracker/mfa.py).
        return permissions.can_use_admin(request.user) and not mfa.still_to_pass(request)
