"""The address a request comes from: one rule, for the sign-in lockout (django-axes calls it, through
AXES_CLIENT_IP_CALLABLE), the per-address sign-in throttle and the log.

TRUSTED_PROXIES is the number of proxies in front of the app:

0  none (the default): the address is the connection's, REMOTE_ADDR. An X-Forwarded-For header
   is then the client's own words and is never read.
1  one, such as the nginx of docs/deploy.md: it connects to the app, so REMOTE_ADDR is its own
   address, and it passes the client's address in X-Forwarded-For. Ours sends it as the single
   entry, replacing whatever the client sent; a proxy that appends instead leaves the client's
   words to the left of it. Either way the client's address is the last entry.
n  n proxies, each appending the address it was reached from: the n-th entry from the right.

Entries to the left of that one were written by the client or by a hop nobody trusts, and are
never read, so no one chooses the address they are locked out or throttled at. A request with
fewer entries than that did not come through every proxy: its address is REMOTE_ADDR.

django-ipware reads the header. It counts differently: its proxy_count is the proxies *listed in
the header*, and the nearest proxy is REMOTE_ADDR, not listed, so one nginx in front is ipware's
proxy_count 0. Its strict mode would refuse a header holding more entries than that (a client's
forged entry in front of a real one) and fall back to the proxy's own address, where everyone
refused so would share one lockout; non-strict, the entry at the counted place is taken.
"""

import ipaddress

from django.conf import settings
from ipware import get_client_ip

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def client_address(request) -> str | None:
    """The client's address, as the trusted proxies give it; None when the request carries none."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        address, _routable = get_client_ip(
            request, proxy_count=proxies - 1, request_header_order=[FORWARDED_FOR], strict=False
        )
        if address is not None:
            return address
    return _address_or_none(request.META.get("REMOTE_ADDR"))


def _address_or_none(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None
