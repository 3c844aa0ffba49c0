"""Single sign-on with OpenID Connect (a force's Microsoft Entra ID, say), on mozilla-django-oidc.

Off unless OIDC_RP_CLIENT_ID is set (docs/sso.md). The library runs the code flow (state, nonce,
PKCE, the token request, the ID token's signature against the provider's keys); this module adds
what the tracker needs on top:

- the provider's endpoints from its discovery document (OIDC_OP_DISCOVERY), fetched when first
  needed and kept for an hour, unless they are set one by one;
- the ID token's audience and issuer checked, and its claims (where Entra ID puts `groups`) merged
  with the userinfo endpoint's, whose `sub` must be the same person's;
- a person is found by the subject claim kept on their account (User.sso_subject), never by email.
  On a first sign-in an account with the same username as `preferred_username` (Entra's user
  principal name, which only the force's directory administrators set) is linked, unless it is a
  superuser's or is already linked to someone else; otherwise an account is made, with no password;
- roles from the claim TRACKER_SSO_ROLE_CLAIM through TRACKER_SSO_ROLE_MAP on every sign-in
  (services.set_roles_from_sign_on). With no mapping, roles are given in the admin as for anyone.

Every refusal is a sentence on the sign-in page and a warning line in the log.
"""

import json
import logging
import time
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .forms import SignInForm

log = logging.getLogger("tracker")

BACKEND = "tracker.sso.SingleSignOnBackend"
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_ISSUER": "issuer",
}
DISCOVERY_KEPT_SECONDS = 3600
_discovered: dict[str, tuple[float, dict]] = {}

GENERIC_FAILURE = "Single sign-on did not sign you in. Try again; if it fails again, ask the IT service desk."


class SignOnRefused(SuspiciousOperation):
    """This sign-in is refused: the message is what the person reads on the sign-in page."""


class ProviderUnreachable(Exception):
    pass


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def discovery() -> dict:
    """The provider's discovery document, fetched once an hour at most (with no DISCOVERY URL, empty)."""
    url = settings.OIDC_OP_DISCOVERY
    if not url:
        return {}
    kept = _discovered.get(url)
    if kept and time.monotonic() - kept[0] < DISCOVERY_KEPT_SECONDS:
        return kept[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnreachable(f"The provider's discovery document at {url} could not be read: {error}") from error
    if not isinstance(document, dict):
        raise ProviderUnreachable(f"The provider's discovery document at {url} is not a JSON object")
    _discovered[url] = (time.monotonic(), document)
    return document


def setting(name: str, *default):
    """A setting as the library asks for it: an endpoint set one by one, else from discovery."""
    value = getattr(settings, name, "")
    if name in ENDPOINTS and not value:
        value = discovery().get(ENDPOINTS[name], "")
    if value in ("", None) and default:
        return default[0]
    return value


# The role mapping ---------------------------------------------------------------------------------


def parse_role_map(text: str) -> dict[str, set[str]]:
    """TRACKER_SSO_ROLE_MAP: "group-id=Role name;other-id=Role name", or a JSON object of group id to
    role name (or list of names). A group may give several roles; several groups the same role."""
    text = text.strip()
    if not text:
        return {}
    mapping: dict[str, set[str]] = {}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as error:
            raise ValueError(f"TRACKER_SSO_ROLE_MAP is not valid JSON: {error}") from error
        if not isinstance(loaded, dict):
            raise ValueError("TRACKER_SSO_ROLE_MAP in JSON must be an object of group id to role name")
        pairs = [
            (key, role) for key, value in loaded.items() for role in (value if isinstance(value, list) else [value])
        ]
    else:
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(";"))):
            key, equals, role = item.rpartition("=")
            if not equals:
                raise ValueError(f"TRACKER_SSO_ROLE_MAP: {item!r} is not group-id=Role name")
            pairs.append((key, role))
    for key, role in pairs:
        if not isinstance(key, str) or not isinstance(role, str) or not key.strip() or not role.strip():
            raise ValueError(f"TRACKER_SSO_ROLE_MAP: {key!r}={role!r} needs a group id and a role name")
        mapping.setdefault(key.strip(), set()).add(role.strip())
    return mapping


def role_map() -> dict[str, set[str]]:
    return parse_role_map(settings.TRACKER_SSO_ROLE_MAP)


def groups_in(claims: dict) -> list[str]:
    """The group ids in the role claim: a list of strings, a single string, or absent (no groups)."""
    name = settings.TRACKER_SSO_ROLE_CLAIM
    if name not in claims and name in (claims.get("_claim_names") or {}):
        # Entra ID's "groups overage": more groups than fit in a token. Roles cannot be read from it.
        raise SignOnRefused(
            "Your account is in too many groups for single sign-on to read your role. Ask the IT service desk "
            "to send only the groups assigned to this application."
        )
    value = claims.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SignOnRefused(f"The identity provider's {name} claim could not be read, so you could not be signed in.")
    return value


def mapped_roles(claims: dict, mapping: dict[str, set[str]]) -> set[str]:
    return {role for group in groups_in(claims) for role in mapping.get(group, ())}


# Authentication -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    subject: str
    username: str
    first_name: str
    last_name: str
    email: str
    # The user name came from preferred_username, which only the force's directory administrators set (Entra's
    # UPN): only then may a first sign-in link an existing account. An email claim makes a new account only.
    username_from_directory: bool = False

    @classmethod
    def from_claims(cls, claims: dict) -> "Identity":
        from .models import User

        subject = claims.get(settings.TRACKER_SSO_SUBJECT_CLAIM)
        limit = User._meta.get_field("sso_subject").max_length
        if not isinstance(subject, str) or not subject or len(subject) > limit:
            raise SignOnRefused(
                f"The identity provider sent no usable {settings.TRACKER_SSO_SUBJECT_CLAIM} claim, so you could not "
                "be signed in."
            )

        def text(name: str, field: str) -> str:
            value = claims.get(name)
            return value.strip()[: User._meta.get_field(field).max_length] if isinstance(value, str) else ""

        directory_name = text("preferred_username", "username")
        return cls(
            subject,
            directory_name or text("email", "username"),
            text("given_name", "first_name"),
            text("family_name", "last_name"),
            text("email", "email"),
            username_from_directory=bool(directory_name),
        )


class SingleSignOnBackend(OIDCAuthenticationBackend):
    """Signs a person in from the provider's answer; never checks a password, never grants permissions itself
    (ModelBackend does, for every session), so a permission is not looked up twice."""

    get_settings = staticmethod(setting)

    def __init__(self, *args, **kwargs):
        # Endpoints are read when a sign-on happens, not here: Django makes every backend for each password
        # sign-in too, which must not wait for (or fail with) the provider.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def _load(self) -> None:
        for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
            setattr(self, name, setting(name, None))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        # Only the callback view signs on: it passes the nonce it kept. A password sign-in never gets here.
        if request is None or "nonce" not in kwargs or not enabled():
            return None
        self._load()
        try:
            return super().authenticate(request, **kwargs)
        except SignOnRefused:
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is for another application (aud)")
        issuer = setting("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token is from another issuer (iss)")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims (Entra ID's groups are there), with the userinfo endpoint's under them."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("The userinfo endpoint answered for someone else (sub)")
            claims = {**userinfo, **payload}
        return claims

    def verify_claims(self, claims):
        return True  # Identity.from_claims says what is missing, in a sentence

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            identity = Identity.from_claims(claims)
            person = find_or_make_account(identity)
            if not person.is_active:
                raise SignOnRefused("Your account has been switched off. Ask an administrator if you need it again.")
            mapping = role_map()
            if mapping:
                from . import services

                services.set_roles_from_sign_on(person, mapped_roles(claims, mapping), mapping=mapping)
        except SignOnRefused as refused:
            log.warning("Single sign-on refused", extra={"event": "sso_refused", "reason": str(refused)})
            messages.error(self.request, str(refused))
            self.request.sso_refusal_shown = True
            raise
        return person

    def get_user(self, user_id):
        """The person of a single sign-on session, while their account is active: deactivating someone
        ends their session at its next request, as it does for a password session."""
        person = super().get_user(user_id)
        return person if person is not None and person.is_active else None

    # Authentication only: permissions come from ModelBackend, once.
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False


def find_or_make_account(identity: Identity):
    """The person this subject signed in as before; else a first sign-in: link or make their account."""
    from .models import User

    person = User.objects.filter(sso_subject=identity.subject).first()
    if person is not None:
        changed = [
            field
            for field in ("first_name", "last_name")
            if getattr(identity, field) and getattr(person, field) != getattr(identity, field)
        ]
        for field in changed:
            setattr(person, field, getattr(identity, field))
        if changed:
            person._change_reason = "Single sign-on: name from the identity provider"
            person.save(update_fields=changed)
        return person
    if not identity.username:
        raise SignOnRefused("The identity provider sent no user name or email address, so no account could be made.")
    same_name = list(User.objects.filter(username__iexact=identity.username)[:2])
    linkable = identity.username_from_directory and len(same_name) == 1 and same_name[0].is_active
    if linkable and not same_name[0].sso_subject and not same_name[0].is_superuser:
        person = same_name[0]
        person.sso_subject = identity.subject
        person._change_reason = "Single sign-on: first sign-in, linked by user name"
        person.save(update_fields=["sso_subject"])
        log.info("Single sign-on linked an account", extra={"event": "sso_linked", "user_id": person.pk})
        return person
    if same_name:
        raise SignOnRefused(
            f"An account named {identity.username} already exists and cannot be linked to your sign-in. "
            "Ask an administrator to sort it out."
        )
    return make_account(identity)


def make_account(identity: Identity):
    """A first sign-in's new account: no password, no role (the mapping may give one next)."""
    from .models import User

    person = User(
        username=identity.username,
        first_name=identity.first_name,
        last_name=identity.last_name,
        email=identity.email,
        sso_subject=identity.subject,
    )
    person.set_unusable_password()
    person._change_reason = "Single sign-on: first sign-in, account made"
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # The same person's first sign-in in two tabs at once: the other made the account.
        raise SignOnRefused("Your account was being made by another sign-in at the same moment: try again.") from None
    log.info("Single sign-on made an account", extra={"event": "sso_account_made", "user_id": person.pk})
    return person


def not_a_password_attempt(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: a refused single sign-on is not a guessed password, so django-axes neither
    counts it towards a lockout nor keeps the callback's code; it is logged here instead (sso_refused)."""
    return bool(credentials) and "nonce" in credentials


# Views --------------------------------------------------------------------------------------------


def sign_in_context() -> dict:
    """What both sign-in pages (the site's and the admin's) show: the button, and whether the password form."""
    return {
        "sso_label": settings.TRACKER_SSO_LABEL if enabled() else "",
        "local_passwords": settings.TRACKER_LOCAL_PASSWORDS,
    }


class SignInView(LoginView):
    form_class = SignInForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **sign_in_context()}


def _back_to_sign_in(request, message: str) -> HttpResponseRedirect:
    messages.error(request, message)
    return HttpResponseRedirect(reverse("login"))


@method_decorator(login_not_required, name="dispatch")
class SignOnStart(OIDCAuthenticationRequestView):
    """The sign-in button: off to the provider with state, nonce and PKCE kept in the session."""

    get_settings = staticmethod(setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not enabled():
            raise Http404("Single sign-on is not set up")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnreachable as error:
            log.error("Single sign-on: provider unreachable", extra={"event": "sso_unreachable", "reason": str(error)})
            return _back_to_sign_in(request, "The force's sign-in service could not be reached. Try again later.")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SignOnCallback(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: signed in, or back at the sign-in page told why not."""

    get_settings = staticmethod(setting)

    @property
    def failure_url(self):
        return reverse("login")

    def get(self, request):
        if not enabled():
            raise Http404("Single sign-on is not set up")
        if request.GET.get("error"):
            log.warning(
                "Single sign-on refused by the provider",
                extra={"event": "sso_refused", "reason": request.GET.get("error")[:100]},
            )
            super().get(request)
            return _back_to_sign_in(request, "Sign-in at the force's identity provider was cancelled or refused.")
        try:
            response = super().get(request)
        except (requests.RequestException, jwt.InvalidTokenError, ProviderUnreachable, SuspiciousOperation) as error:
            log.warning("Single sign-on failed", extra={"event": "sso_refused", "reason": str(error)[:300]})
            return _back_to_sign_in(request, GENERIC_FAILURE)
        if response.url == self.failure_url and not getattr(request, "sso_refusal_shown", False):
            log.warning("Single sign-on failed", extra={"event": "sso_refused", "reason": "no account signed in"})
            messages.error(request, GENERIC_FAILURE)
        return response


urlpatterns = [
    path("oidc/authenticate/", SignOnStart.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", SignOnCallback.as_view(), name="oidc_authentication_callback"),
]
