"""Multi-factor sign-in: a code from an authenticator app (TOTP), with recovery codes for a lost phone.

Who needs it is a rule in permissions.py (needs_second_factor, by settings.TRACKER_MFA). It is asked of
a session signed in with a local password only: a session another backend began (single sign-on, whose
identity provider asks for its own second factor) is never asked, with no change here.

After the password, the middleware (tracker.middleware.second_factor) sends the person here: to set up
an authenticator app when they have none (a QR code and the key written out, then a code to confirm,
then ten recovery codes shown once), or else to give a code from it or a recovery code. django-otp keeps
the devices, refuses a code already used (a TOTP code once, a recovery code once) and slows down guessing
(each wrong code doubles the wait before the next try is looked at).
"""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import clock, permissions
from .logs import log

RECOVERY_CODES = 10
APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


# Who is asked ---------------------------------------------------------------------------------------


def signed_in_with_local_password(request) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) in settings.TRACKER_LOCAL_PASSWORD_BACKENDS


def second_factor_required(request) -> bool:
    """This session needs a second factor: the person needs one, and signed in with a password kept here."""
    return (
        request.user.is_authenticated
        and signed_in_with_local_password(request)
        and permissions.needs_second_factor(request.user)
    )


def still_to_pass(request) -> bool:
    """Signed in, needs a second factor and has not given it in this session."""
    return second_factor_required(request) and not request.user.is_verified()


def open_before_second_factor() -> set[str]:
    """The only addresses a person who still owes their second factor may visit."""
    names = ["logout", "tracker:second-factor", "tracker:second-factor-recovery", "tracker:second-factor-set-up"]
    return {reverse(name) for name in names}


# Devices --------------------------------------------------------------------------------------------


def authenticator(user) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def authenticator_to_confirm(user) -> TOTPDevice:
    """The authenticator being set up: the same key on every visit until it is confirmed."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def key_for_typing(device: TOTPDevice) -> str:
    """The secret key as an authenticator app takes it typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The set-up address (otpauth://) as a QR code, an SVG image in a data: address (no script, no request)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = io.BytesIO()
    image.save(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()


# Checking a code ------------------------------------------------------------------------------------


def _slowed_down(device) -> ValidationError | None:
    """After wrong codes, the next one is looked at only after a wait that doubles each time (django-otp)."""
    allowed, why = device.verify_is_allowed()
    if allowed or not why or "locked_until" not in why:
        return None
    wait = clock.duration_in_words(why["locked_until"] - timezone.now())
    return ValidationError(f"Too many wrong codes: wait {wait} and try again.", code="throttled")


def _check(request, device, code: str, wrong: str):
    """Check the code on this device, which django-otp locks for the check (so a code cannot be used twice at
    once) and uses up. Raises ValidationError saying why not."""
    device.refresh_from_db()
    slowed_down = _slowed_down(device)
    if slowed_down:
        raise slowed_down
    verified = django_otp.verify_token(request.user, device.persistent_id, code)
    if verified is None:
        log.warning("Second factor refused", extra={"event": "second_factor_failed", "user_id": request.user.pk})
        raise ValidationError(wrong, code="wrong")
    return verified


def _passed(request, device) -> None:
    django_otp.login(request, device)
    request.session.cycle_key()  # more power from here on: a new session id, as at sign-in
    log.info("Second factor passed", extra={"event": "second_factor_passed", "user_id": request.user.pk})


WRONG_CODE = (
    "That code is not right: enter the 6-digit code your authenticator app shows now. A code that "
    "has been used once is not accepted again: wait for the next one."
)


def verify_code(request, device: TOTPDevice, code: str) -> None:
    """The code from the person's authenticator app; raises ValidationError saying why not."""
    _passed(request, _check(request, device, code, WRONG_CODE))


def verify_recovery_code(request, code: str) -> int:
    """A recovery code, used up by this; raises ValidationError saying why not. Returns how many are left."""
    device = StaticDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if device is None:
        raise ValidationError("You have no recovery codes: ask an administrator to reset your second factor.")
    _passed(
        request,
        _check(request, device, code, "That recovery code is not right, or has been used already: each works once."),
    )
    return recovery_codes_left(request.user)


# Setting up -----------------------------------------------------------------------------------------


@transaction.atomic
def make_recovery_codes(user) -> list[str]:
    """New recovery codes for this person; every code they had before stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    log.info("Recovery codes made", extra={"event": "recovery_codes_made", "user_id": user.pk})
    return codes


def confirm_authenticator(request, device: TOTPDevice, code: str) -> list[str]:
    """The first code from the new authenticator app: it is kept, the session has passed, and here are
    the person's recovery codes (to show them once). Raises ValidationError for a wrong code."""
    _check(request, device, code, WRONG_CODE)  # first, so that a wrong code's count of failures is kept
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = make_recovery_codes(request.user)
    log.info("Second factor set up", extra={"event": "second_factor_set_up", "user_id": request.user.pk})
    _passed(request, device)
    return codes


@transaction.atomic
def reset_second_factor(person, *, by) -> None:
    """An administrator's reset: the person's app and recovery codes go, and they set up again at next sign-in
    (a session of theirs that had passed is asked again, as its device is gone)."""
    permissions.require_reset_second_factor(by, person)
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    log.warning(
        "Second factor reset by an administrator",
        extra={"event": "second_factor_reset", "user_id": by.pk, "username": person.get_username()},
    )
