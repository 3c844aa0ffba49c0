"""The one settings module: every deployment difference comes from the environment.

SECRET_KEY      required unless DEBUG is on
AUDIT_KEY       signs the sign-off chain; its own secret, required unless DEBUG is on
DEBUG           "1"/"true" for local development; off by default
DATABASE_URL    e.g. postgres://user@host:5432/name; default a SQLite file in the project
ALLOWED_HOSTS   comma-separated host names
Email           EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
                EMAIL_USE_TLS, DEFAULT_FROM_EMAIL; console email when EMAIL_HOST is unset
LOG_LEVEL       INFO by default; one JSON line per event on standard output
Single sign-on  OIDC_* and TRACKER_SSO_*, TRACKER_LOCAL_PASSWORDS: see docs/sso.md
TRACKER_MFA     who needs a second factor: "powers" (default), "everyone" or "off"

With DEBUG off, tracker/checks.py refuses to run without a mail server, a real
TRACKER_SITE_URL, a MEDIA_ROOT outside the checkout and an AUDIT_KEY (see the README).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. "
            "Set DEBUG=1 for local development, or export a long random SECRET_KEY."
        )
    # Only ever used with DEBUG on, on a developer's own machine.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (DEBUG only, never deployed)

# The key each sign-off's link in the tamper-evident chain is signed with (tracker/audit.py): its own
# secret, kept outside the database and its backups. Only development has a default; with DEBUG off it
# must be set, at least 32 characters and not SECRET_KEY (tracker.E004).
AUDIT_KEY = os.environ.get("AUDIT_KEY", "") or ("django-insecure-audit-key-local-development-only" if DEBUG else "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    # django.contrib.admin, with admin.site the tracker's own: a role, not is_staff, lets a person in.
    "tracker.apps.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "tracker.apps.SignInRecordsConfig",  # django-axes, its admin section named for its readers
    # Multi-factor sign-in (tracker/mfa.py): authenticator apps (TOTP) and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tracker",
]

MIDDLEWARE = [
    # First: /healthz answers before the host check and the HTTPS redirect (load balancers
    # ask by IP address over plain HTTP); every other path goes through both as usual.
    "tracker.middleware.health_check",
    # A request id for every log line, and one line per request (tracker/logs.py).
    "tracker.middleware.RequestLog",
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.content_security_policy",
    # The app serves its own static files: no CDN, no separate web server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session has passed its second factor; and, where one is needed and not yet
    # passed, every page but signing out and the second factor's own sends the person to it.
    "django_otp.middleware.OTPMiddleware",
    "tracker.middleware.second_factor",
    # Whatever a signed-in person is shown says Cache-Control: no-store.
    "tracker.middleware.private_never_cached",
    # A POST larger than the evidence limit is refused with a 413 before its body is read (and
    # its files are no longer read once they pass the limit): before any view, and before the
    # CSRF check reads the form.
    "tracker.middleware.refuse_oversized_uploads",
    # A NUL character anywhere in a request is refused with a 400 before any view sees it.
    "tracker.middleware.refuse_null_characters",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Admin saves record who made them in history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: refuses sign-in attempts once an account is locked out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.permissions.template_context",
            ],
        },
    },
]
# Forms and their fields are laid out by the tracker's templates (tracker/forms/): see tracker.forms.
FORM_RENDERER = "tracker.forms.TrackerFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people at once on one SQLite file: WAL lets readers and the
    # writer work together, IMMEDIATE takes the write lock when a transaction
    # starts (so two writers queue instead of failing on lock upgrade), and the
    # timeout is how long a writer waits for the lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

AUTH_USER_MODEL = "tracker.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["tracker.formats"]  # dates shown as "7 December 2026" (tracker/formats/en_GB)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies after collectstatic; works without it too (tests, make run).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (tests, make run), find static files where they live.
WHITENOISE_USE_FINDERS = True

# Evidence files: outside every static folder, served only through a view.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Reference data (themes.json) lives at the top beside seeds/, not inside the app (README, "What each folder holds").
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "improvement-plan@localhost")

# Security. These are production defaults; with DEBUG on (local development
# over plain HTTP) the HTTPS-only ones are off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # behind a TLS-terminating proxy
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
# No inline script or style anywhere: every asset comes from the app itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# A session ends after this many minutes without a request.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # each request pushes the expiry back: it is an idle timeout

# Sign-in: lock out a username from an address after repeated failures
# (django-axes), and keep every sign-in, sign-out and failure for audit.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# A refused single sign-on is no password guess: not counted towards a lockout (tracker/sso.py).
AXES_WHITELIST_CALLABLE = "tracker.sso.not_a_password_attempt"

# How many proxies stand in front of the app: 0, the connection's address is the client's; 1, one
# nginx sending the client's address in X-Forwarded-For (docs/deploy.md). tracker/client_address.py
# reads it, for the lockout, the throttle below and the log. AXES_PROXY_COUNT is its old name.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or os.environ.get("AXES_PROXY_COUNT") or "0")
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES is the number of proxies in front of the app: 0, 1 or more.")
AXES_CLIENT_IP_CALLABLE = "tracker.client_address.client_address"
# Beside the lockout: this many failed sign-ins from one address within this many minutes pause
# signing in from there, whatever the usernames (tracker/sign_in_throttle.py). 0 turns it off.
TRACKER_SIGN_IN_THROTTLE_FAILURES = int(os.environ.get("TRACKER_SIGN_IN_THROTTLE_FAILURES", "20"))
TRACKER_SIGN_IN_THROTTLE_MINUTES = int(os.environ.get("TRACKER_SIGN_IN_THROTTLE_MINUTES", "15"))

# Multi-factor sign-in (tracker/mfa.py), for a session signed in with a local password (a single
# sign-on provider does its own): "powers" for anyone who signs off, decides extensions, manages
# people or uses the admin; "everyone"; or "off" (make run's demo only).
TRACKER_MFA = os.environ.get("TRACKER_MFA", "").strip().lower() or "powers"
if TRACKER_MFA not in {"powers", "everyone", "off"}:
    raise ImproperlyConfigured(f'TRACKER_MFA must be "powers", "everyone" or "off", not "{TRACKER_MFA}".')
# The sign-in backends that check a password kept here: a session one of them began needs the second factor.
TRACKER_LOCAL_PASSWORD_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
OTP_TOTP_ISSUER = "Improvement Plan Tracker"

# History: reasons can be long (a return comment, a withdrawal reason).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Reverting from the admin would rewrite the record; it is never allowed.
SIMPLE_HISTORY_REVERT_DISABLED = True

# The tracker's own rules.
TRACKER_DUE_SOON_DAYS = int(os.environ.get("TRACKER_DUE_SOON_DAYS", "14"))
# "Take immediate steps" becomes a suggested due date this many days after publication.
TRACKER_IMMEDIATE_DAYS = int(os.environ.get("TRACKER_IMMEDIATE_DAYS", "30"))
# An open action with no progress note for this many days is flagged as inactive.
TRACKER_INACTIVITY_DAYS = int(os.environ.get("TRACKER_INACTIVITY_DAYS", "30"))
TRACKER_EVIDENCE_MAX_BYTES = int(os.environ.get("TRACKER_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
# Where reminder emails link to. Only development has a default: with DEBUG off it must be set (tracker.E002).
TRACKER_SITE_URL = os.environ.get("TRACKER_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
# The force this site serves, e.g. "Hertfordshire Constabulary": import_findings creates its inspections for it.
TRACKER_FORCE = os.environ.get("TRACKER_FORCE", "").strip()
# send_notifications (tracker/notifications.py): attempts at an email before it is given up as failed
# (retried with back-off from a minute, doubling, to an hour apart), and how often --loop looks for new ones.
TRACKER_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("TRACKER_NOTIFY_MAX_ATTEMPTS", "12"))
TRACKER_NOTIFY_POLL_SECONDS = float(os.environ.get("TRACKER_NOTIFY_POLL_SECONDS", "5"))
# Only for a throwaway copy on loopback (make screenshots, make loadtest): never in production.
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")

# Single sign-on with OpenID Connect (tracker/sso.py, docs/sso.md): off unless OIDC_RP_CLIENT_ID is set.
# The provider's endpoints come from OIDC_OP_DISCOVERY, or are set one by one. The secret comes only from here.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_DISCOVERY = os.environ.get("OIDC_OP_DISCOVERY", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
TRACKER_SSO_SUBJECT_CLAIM = os.environ.get("TRACKER_SSO_SUBJECT_CLAIM", "sub")
TRACKER_SSO_ROLE_CLAIM = os.environ.get("TRACKER_SSO_ROLE_CLAIM", "groups")
TRACKER_SSO_ROLE_MAP = os.environ.get("TRACKER_SSO_ROLE_MAP", "")
TRACKER_SSO_LABEL = os.environ.get("TRACKER_SSO_LABEL", "Sign in with your force account")
# Off: no password sign-in on the site or in the admin, only single sign-on.
TRACKER_LOCAL_PASSWORDS = env_bool("TRACKER_LOCAL_PASSWORDS", True)
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("tracker.sso.SingleSignOnBackend")

# One JSON line per event on standard output (tracker/logs.py): requests, sign-ins, refusals, errors.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "tracker.logs.JsonFormatter"}},
    "filters": {
        "request": {"()": "tracker.logs.RequestContext"},
        "one_line_warning": {"()": "tracker.logs.OneLineWarning"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "level": os.environ.get("LOG_LEVEL", "INFO").upper(),
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # django-axes logs every sign-out at INFO; its warnings (lockouts) still show. Sign-ins are logged by us.
        "axes": {"level": "WARNING"},
        # WeasyPrint (the panel report's PDF) tells every step of each rendering at INFO; its warnings still show.
        "weasyprint.progress": {"level": "WARNING"},
        # Our request line already carries each 4xx (with a refusal's reason); errors still come through here.
        "django.request": {"level": "ERROR"},
        # A bad Host header is someone else's mistake: one warning line, not an error with a traceback.
        "django.security.DisallowedHost": {"filters": ["one_line_warning"]},
    },
}
