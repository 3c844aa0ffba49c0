"""Signing out; multi-factor sign-in's pages (tracker/mfa.py); each person's own sign-in security and email
settings pages; and the forgotten-password pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods

from .. import mfa, permissions, services
from ..forms import (
    EmailSettingsForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    RecoveryCodeForm,
    SecondFactorCodeForm,
    TrackerForm,
)
from . import form_page, posted, run_form


class SignOutView(auth_views.LogoutView):
    """Signs out (a POST), then the sign-in page says so: "You have signed out"."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out")  # kept past the ended session, for the next page
        return response


def _next(request) -> str:
    """Where the person was going when they were asked for their second factor: a page of this site only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if local else reverse("tracker:home")


def _to(name: str, request):
    return redirect(f"{reverse(name)}?{urlencode({'next': _next(request)})}")


def _form_page(request, template: str, form, **context):
    # The form posts back here with where the person was going kept in the address.
    action = f"{request.path}?{urlencode({'next': _next(request)})}"
    context.update(form=form, next=_next(request), action=action)
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


def _check(form, check) -> tuple[bool, object]:
    """Run check(code) on a valid form: (passed, what it returned). A refused code becomes the field's error."""
    if not form.is_valid():
        return False, None
    try:
        return True, check(form.cleaned_data["code"])
    except ValidationError as error:
        form.add_error("code", error)
        return False, None


def second_factor(request):
    if not mfa.still_to_pass(request):
        return HttpResponseRedirect(_next(request))
    device = mfa.authenticator(request.user)
    if device is None:
        return _to("tracker:second-factor-set-up", request)
    form = SecondFactorCodeForm(posted(request))
    passed, _ = _check(form, lambda code: mfa.verify_code(request, device, code))
    if passed:
        return HttpResponseRedirect(_next(request))
    return _form_page(request, "tracker/second_factor.html", form)


def second_factor_recovery(request):
    if not mfa.still_to_pass(request):
        return HttpResponseRedirect(_next(request))
    form = RecoveryCodeForm(posted(request))
    passed, left = _check(form, lambda code: mfa.verify_recovery_code(request, code))
    if passed:
        messages.warning(
            request,
            f"You signed in with a recovery code, which now will not work again: you have {left} left. "
            "Make new ones on your sign-in security page if you are running low.",
        )
        return HttpResponseRedirect(_next(request))
    return _form_page(request, "tracker/second_factor_recovery.html", form)


def second_factor_set_up(request):
    if not mfa.still_to_pass(request):
        return HttpResponseRedirect(_next(request))
    if mfa.authenticator(request.user) is not None:
        # An app already set up is replaced only after an administrator's reset, never with a password alone.
        return _to("tracker:second-factor", request)
    device = mfa.authenticator_to_confirm(request.user)
    form = SecondFactorCodeForm(posted(request))
    passed, codes = _check(form, lambda code: mfa.confirm_authenticator(request, device, code))
    if passed:
        return render(request, "tracker/recovery_codes.html", {"codes": codes, "next": _next(request)})
    key = mfa.key_for_typing(device)
    return _form_page(request, "tracker/second_factor_set_up.html", form, key=key, qr=mfa.qr_code_data_uri(device))


def security(request):
    """What protects the person's sign-in, how many recovery codes they have left, and new ones (POST)."""
    app = mfa.authenticator(request.user)
    if request.method == "POST":
        if app is None:  # recovery codes go with an authenticator app
            return redirect("tracker:account-security")
        codes = mfa.make_recovery_codes(request.user)
        return render(request, "tracker/recovery_codes.html", {"codes": codes, "next": reverse("tracker:home")})
    context = {
        "app": app,
        "codes_left": mfa.recovery_codes_left(request.user),
        "required": mfa.second_factor_required(request),
        "mfa_off": settings.TRACKER_MFA == "off",
        "local_password": mfa.signed_in_with_local_password(request),
        "form": TrackerForm(),  # no fields: the button that makes new recovery codes
    }
    return render(request, "tracker/account_security.html", context)


@require_http_methods(["GET", "POST"])
def email_settings(request):
    """How the person hears of what happens to their actions: each email straight away, or once a day."""

    def run(data):
        services.set_email_preference(request.user, by=request.user, preference=data["email_preference"])
        return "Your email settings are saved", reverse("tracker:account-email")

    form = EmailSettingsForm(posted(request), initial={"email_preference": request.user.email_preference})
    return run_form(request, form, run) or form_page(
        request,
        form,
        heading="Email settings",
        button="Save email settings",
        cancel_url=reverse("tracker:home"),
        breadcrumbs=[],
        intro=f"Emails go to {request.user.email or 'your email address, once an administrator has added it'}.",
        hint="Reminders about actions that are due, overdue or waiting for you come once a day whichever you choose.",
        nav="",
    )


# Forgotten passwords: Django's views, our pages and email -------------------------------------------


class LocalPasswordsOnly:
    """With TRACKER_LOCAL_PASSWORDS off nobody has a password to reset: each page says so (403)."""

    @method_decorator(login_not_required)
    def dispatch(self, request, *args, **kwargs):
        permissions.require_password_sign_in()
        return super().dispatch(request, *args, **kwargs)


class ForgottenPasswordView(LocalPasswordsOnly, auth_views.PasswordResetView):
    form_class = ForgottenPasswordForm
    template_name = "registration/forgotten_password.html"
    email_template_name = "registration/forgotten_password_email.txt"
    subject_template_name = "registration/forgotten_password_subject.txt"


class ForgottenPasswordSentView(LocalPasswordsOnly, auth_views.PasswordResetDoneView):
    template_name = "registration/forgotten_password_sent.html"


class NewPasswordView(LocalPasswordsOnly, auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "registration/new_password.html"


class NewPasswordSetView(LocalPasswordsOnly, auth_views.PasswordResetCompleteView):
    template_name = "registration/new_password_set.html"
