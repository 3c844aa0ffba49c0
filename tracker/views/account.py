"""Signing out; multi-factor sign-in's pages (tracker/mfa.py), and each person's own sign-in security page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .. import mfa
from ..forms import RecoveryCodeForm, SecondFactorCodeForm, TrackerForm
from . import posted


class SignOutView(LogoutView):
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
