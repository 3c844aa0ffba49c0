"""Nobody where they don't belong: every URL x every role x GET and POST.

The matrix names every URL the site has; a URL added without an entry here
fails test_every_url_is_in_the_matrix. An empty POST is enough to tell the
outcomes apart: a form a person may use answers it with its errors (400),
a form they may not use refuses it (403), and a page that only shows
things does not take POSTs at all (405).
"""

import copy
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tracker.models import Action

WITH_A_ROLE = ["owner", "other_owner", "lead", "reviewer", "auditor", "administrator"]
ROLES = ["anonymous", *WITH_A_ROLE, "no_role"]


@dataclass
class Page:
    """Shows things: `allowed` may look (everyone with a role, by default); no page takes a POST.

    An account with no role finds nothing: 404, as if the page did not exist.
    """

    args: str = ""
    allowed: set[str] = field(default_factory=lambda: set(WITH_A_ROLE))
    no_role: tuple[int, int] = (404, 405)


@dataclass
class Form:
    """A form only `allowed` may use: 200 on GET for them, 403 for the rest.

    An empty POST from someone allowed gets the form's errors (400), or, for a
    form whose fields are all optional, does what it says (302).
    """

    allowed: set[str]
    args: str = ""
    empty_post: int = 400
    no_role: tuple[int, int] = (404, 404)


@dataclass
class Check:
    """The page that checks the answers to a decision's question before the decision: only `allowed` may
    use it, and they, with no answers given yet, are sent to the question (302), on GET and POST alike."""

    allowed: set[str]
    args: str = ""
    no_role: tuple[int, int] = (404, 404)


@dataclass
class Special:
    """Its own answers: role -> (GET status, POST status)."""

    codes: dict[str, tuple[int, int]]
    args: str = ""


MATRIX = {
    "tracker:home": Page(no_role=(200, 405)),  # explains to someone with no role whom to ask
    "tracker:healthz": Special(dict.fromkeys(ROLES, (200, 405))),
    "tracker:favicon": Special(dict.fromkeys(ROLES, (301, 405))),  # to the static file, for everyone
    "tracker:action-list": Page(),
    "tracker:action-mine": Page(),
    "tracker:action-detail": Page("open_action"),
    "tracker:action-edit": Form({"lead"}, "open_action"),
    "tracker:action-progress": Form({"owner", "lead"}, "open_action"),
    "tracker:action-evidence": Form({"owner", "lead"}, "open_action"),
    "tracker:evidence-download": Page("open_action,evidence"),
    "tracker:action-submit": Form({"owner", "lead"}, "open_action", empty_post=302),
    # A decision's question, then the page to check the answers (back to the question while there are none).
    "tracker:action-sign-off": Form({"reviewer"}, "submitted_action"),
    "tracker:action-sign-off-check": Check({"reviewer"}, "submitted_action"),
    "tracker:action-return": Form({"reviewer"}, "submitted_action"),
    "tracker:action-withdraw": Form({"lead"}, "open_action"),
    "tracker:action-withdraw-check": Check({"lead"}, "open_action"),
    "tracker:action-public-summary": Form({"lead", "reviewer"}, "open_action"),
    "tracker:extension-request": Form({"owner", "lead"}, "open_action"),
    "tracker:extension-decide": Form({"lead"}, "extension"),
    "tracker:inspection-list": Page(),
    "tracker:inspection-create": Form({"lead"}, no_role=(403, 403)),
    "tracker:inspection-detail": Page("inspection"),
    "tracker:inspection-edit": Form({"lead"}, "inspection"),
    "tracker:inspection-response": Form({"reviewer"}, "inspection", empty_post=302),
    "tracker:finding-create": Form({"lead"}, "inspection"),
    # Findings from a file: the upload, then the page that checks it (back to the upload while none is kept).
    "tracker:findings-import": Form({"lead"}, "inspection"),
    "tracker:findings-import-check": Check({"lead"}, "inspection"),
    "tracker:finding-detail": Page("finding"),
    "tracker:finding-edit": Form({"lead"}, "finding"),
    "tracker:action-create": Form({"lead"}, "finding"),
    "tracker:finding-discharge": Form({"reviewer"}, "ready_finding", empty_post=302),
    "tracker:finding-discharge-check": Check({"reviewer"}, "ready_finding"),
    "tracker:finding-register": Form({"lead"}, "finding"),
    "tracker:finding-public-summary": Form({"lead", "reviewer"}, "finding"),
    # The PCC's office works the queue; auditors and administrators read it (test_small_things.py: no decisions).
    "tracker:review-queue": Page(allowed={"reviewer", "auditor", "administrator"}, no_role=(403, 405)),
    # People: administrators change them; auditors, who read everything, read them (tests/test_people_pages.py).
    "tracker:people-list": Page(allowed={"administrator", "auditor"}, no_role=(403, 405)),
    "tracker:person-detail": Page("person", allowed={"administrator", "auditor"}, no_role=(403, 405)),
    "tracker:person-create": Form({"administrator"}, no_role=(403, 403)),
    "tracker:people-import": Form({"administrator"}, no_role=(403, 403)),
    "tracker:person-roles": Form({"administrator"}, "person", no_role=(403, 403)),
    "tracker:person-deactivate": Form({"administrator"}, "person", no_role=(403, 403)),
    "tracker:person-reset-link": Form({"administrator"}, "password_person", empty_post=302, no_role=(403, 403)),
    "tracker:person-reset-second-factor": Form({"administrator"}, "person", empty_post=302, no_role=(403, 403)),
    "tracker:person-unlink-sign-on": Form({"administrator"}, "person", no_role=(403, 403)),
    "tracker:panel-report": Page(),
    # Signing in: the form shows itself again with its errors (200) after a bad POST.
    "login": Special(dict.fromkeys(ROLES, (200, 200))),
    # Forgotten passwords: the request page shows its errors again (200) after a bad POST; the next only shows.
    "password_reset": Special(dict.fromkeys(ROLES, (200, 200))),
    "password_reset_done": Special(dict.fromkeys(ROLES, (200, 405))),
    # A password reset link (here a stale one) opens for anyone, signed in or not; the page after it only shows.
    "password_reset_confirm": Special(dict.fromkeys(ROLES, (200, 200)), "reset_uid,reset_token"),
    "password_reset_complete": Special(dict.fromkeys(ROLES, (200, 405))),
    # Single sign-on (tracker/sso.py, tests/test_sso.py): not set up here, so not found; GET only.
    "oidc_authentication_init": Special(dict.fromkeys(ROLES, (404, 405))),
    "oidc_authentication_callback": Special(dict.fromkeys(ROLES, (404, 405))),
    # Signing out takes a POST only; everyone then goes to the sign-in page.
    "logout": Special({**dict.fromkeys(ROLES, (405, 302)), "anonymous": (302, 302)}),
    # The second factor's pages (tests/test_mfa.py) send on anyone who does not owe one, as nobody does here.
    "tracker:second-factor": Special(dict.fromkeys(ROLES, (302, 302))),
    "tracker:second-factor-recovery": Special(dict.fromkeys(ROLES, (302, 302))),
    "tracker:second-factor-set-up": Special(dict.fromkeys(ROLES, (302, 302))),
    # Everyone's own sign-in security; a POST makes new recovery codes, for someone with an authenticator app.
    "tracker:account-security": Special({**dict.fromkeys(ROLES, (200, 302)), "anonymous": (302, 302)}),
    # Everyone's own email settings; an empty POST is a form with an error (tests/test_notification_settings.py).
    "tracker:account-email": Special({**dict.fromkeys(ROLES, (200, 400)), "anonymous": (302, 302)}),
}


def expected(rule, role: str, method: str) -> int:
    get_or_post = 0 if method == "GET" else 1
    if isinstance(rule, Special):
        return rule.codes[role][get_or_post]
    if role == "anonymous":
        return 302  # to the sign-in page
    if role == "no_role":
        return rule.no_role[get_or_post]
    if isinstance(rule, Check):
        return 302 if role in rule.allowed else 403
    if isinstance(rule, Page):
        if method == "POST":
            return 405
        return 200 if role in rule.allowed else 403
    if role in rule.allowed:
        return 200 if method == "GET" else rule.empty_post
    return 403


def tracker_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # the admin's own access is tested in test_admin.py
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_url_is_in_the_matrix():
    assert tracker_url_names() == set(MATRIX)


@pytest.fixture
def world(db, access_world, settings):
    """The plan of conftest's access_world, built once per module: each test gets its own copy of it,
    and whatever a test changes in the database is rolled back after it."""
    settings.MEDIA_ROOT = access_world["media_root"]
    return copy.deepcopy(access_world["world"])


CASES = [(name, role, method) for name in MATRIX for role in ROLES for method in ("GET", "POST")]


@pytest.mark.parametrize(("name", "role", "method"), CASES)
def test_access(client, world, name, role, method):
    rule = MATRIX[name]
    args = [world[key] for key in rule.args.split(",")] if rule.args else []
    if role != "anonymous":
        client.force_login(world["people"][role])

    response = getattr(client, method.lower())(reverse(name, args=args))

    assert response.status_code == expected(rule, role, method), f"{method} {name} as {role}"
    if role == "anonymous" and name != "logout" and response.status_code == 302:
        assert response.url.startswith("/accounts/login/?next=")
    if response.status_code != 302:
        # Nothing refused or invalid changed anything.
        assert Action.objects.get(pk=world["submitted_action"]).status == Action.Status.SUBMITTED
