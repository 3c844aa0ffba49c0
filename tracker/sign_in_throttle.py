"""A pause on signing in from one address that has failed too often, whatever the usernames.

django-axes locks out a username at an address (AXES_LOCKOUT_PARAMETERS), so a stranger elsewhere
cannot lock anyone out; on its own that would let a script at one address try a few passwords for
every username there is. So, beside it: once TRACKER_SIGN_IN_THROTTLE_FAILURES sign-ins have failed
from one address within TRACKER_SIGN_IN_THROTTLE_MINUTES, both sign-in forms (the site's and the
admin's) answer that address with a 429 page saying why and for how long, until enough of those
failures are older than the window. No account is locked: the same people sign in from elsewhere.

The failures are counted in axes's failure log (AccessFailureLog, one row per failure, kept in the
database), so every worker process counts the same ones. The address is client_address's.
"""

import datetime
import functools
import logging
import math

from axes.models import AccessFailureLog
from django.conf import settings
from django.shortcuts import render

from . import clock
from .client_address import client_address
from .templatetags.tracker import duration_in_words

log = logging.getLogger("tracker")


def paused_until(address: str | None) -> datetime.datetime | None:
    """When signing in from this address may start again, if it is paused now; None if it is not."""
    limit = settings.TRACKER_SIGN_IN_THROTTLE_FAILURES
    if limit <= 0 or address is None:
        return None
    window = datetime.timedelta(minutes=settings.TRACKER_SIGN_IN_THROTTLE_MINUTES)
    # The limit-th most recent failure in the window: the pause lasts until it leaves the window.
    nth = list(
        AccessFailureLog.objects.filter(ip_address=address, attempt_time__gt=clock.now() - window)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)[limit - 1 : limit]
    )
    return nth[0] + window if nth else None


def refuse_when_paused(view):
    """Wrap a sign-in view: from a paused address it answers 429 with the reason, and does nothing else."""

    @functools.wraps(view)
    def sign_in(request, *args, **kwargs):
        address = client_address(request)
        until = paused_until(address)
        if until is None:
            return view(request, *args, **kwargs)
        wait = datetime.timedelta(minutes=math.ceil((until - clock.now()).total_seconds() / 60))
        request.refusal = "Too many failed sign-ins from this address"  # for the request's log line
        log.warning(
            "Sign-in refused: too many failures from one address",
            extra={"event": "sign_in_throttled", "client_address": address},
        )
        context = {
            # Where the person was going (LoginRequiredMiddleware's ?next=): the sign-in link keeps it, and the
            # sign-in view checks it is a page of this site before it sends anyone there.
            "next": request.POST.get("next") or request.GET.get("next") or "",
            "wait": duration_in_words(wait),
            "window": duration_in_words(datetime.timedelta(minutes=settings.TRACKER_SIGN_IN_THROTTLE_MINUTES)),
        }
        response = render(request, "registration/sign_in_throttled.html", context, status=429)
        response.headers["Retry-After"] = str(int(wait.total_seconds()))
        return response

    return sign_in
