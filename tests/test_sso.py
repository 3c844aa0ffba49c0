"""Single sign-on with OpenID Connect: the whole flow against a real provider, and its rules one by one.

The flow tests run panva's oidc-provider (tests/oidc_provider.py) and go through its sign-in pages
over HTTP; the tracker's side is Django's test client, so the callback, the token request and the
ID token's check against the provider's keys are all real.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessLog
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import SuspiciousOperation

from tests import factories
from tests.oidc_provider import (
    CANTEEN,
    CLIENT_ID,
    CLIENT_SECRET,
    OWNERS,
    REVIEWERS,
    ROLE_MAP,
    sign_in_at_provider,
    start_provider,
)
from tests.test_logs import events, log_output  # noqa: F401 (a fixture)
from tracker import permissions, sso
from tracker.models import User

CALLBACK = "http://testserver/oidc/callback/"


@pytest.fixture(scope="module")
def provider():
    with start_provider(CALLBACK) as running:
        yield running


def configure(settings, issuer: str, *, role_map: str = ROLE_MAP) -> None:
    """The tracker set up for a provider, as a force sets it up from the environment (docs/sso.md)."""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_DISCOVERY = f"{issuer}/.well-known/openid-configuration"
    settings.TRACKER_SSO_ROLE_MAP = role_map
    settings.TRACKER_SSO_LABEL = "Sign in with Hertfordshire Constabulary account"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, sso.BACKEND]
    sso._discovered.clear()


@pytest.fixture
def sso_on(settings, provider):
    configure(settings, provider.issuer)
    return settings


def sign_on(client, login: str, next_url: str = ""):
    """Press the button, sign in at the provider as `login`, and come back: the callback's response."""
    start = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    back = sign_in_at_provider(start["Location"], login, callback_prefix=CALLBACK)
    return client.get(back.removeprefix("http://testserver"))


# The flow, against the provider ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_sign_on_makes_the_account_with_the_mapped_role(client, sso_on):
    response = sign_on(client, "rita.reviewer")

    assert response.status_code == 302 and response["Location"] == "/"
    person = User.objects.get(sso_subject="rita.reviewer")
    assert (person.username, person.first_name, person.last_name) == ("rita.reviewer", "Rita", "Reviewer")
    assert person.email == "rita.reviewer@herts.example.police.uk"
    assert not person.has_usable_password()
    assert [role.name for role in person.groups.all()] == [permissions.REVIEWER]
    assert client.session[BACKEND_SESSION_KEY] == sso.BACKEND
    assert client.get("/").context["reviewer"] is not None
    reasons = set(person.history.values_list("history_change_reason", flat=True))
    assert "Single sign-on: groups claim" in reasons


@pytest.mark.django_db
def test_someone_whose_groups_map_to_no_role_is_signed_in_with_none_and_told_whom_to_ask(client, sso_on):
    factories.AdministratorFactory(username="admin1", first_name="Ada", last_name="Admin", email="ada@example.org")

    sign_on(client, "nora.nogroup")

    page = client.get("/")
    assert not User.objects.get(username="nora.nogroup").groups.exists()
    assert "You do not have a role yet" in page.text and "ada@example.org" in page.text


@pytest.mark.django_db
def test_the_role_follows_the_claim_at_every_sign_on_and_other_roles_stay(client, sso_on):
    person = factories.LeadFactory(username="olly.owner", sso_subject="olly.owner")
    factories.ReviewerFactory(username="someone-else")  # the role exists and someone else holds it
    person.groups.add(User.groups.field.related_model.objects.get(name=permissions.REVIEWER))

    sign_on(client, "olly.owner")

    # Action owner from the claim; PCC reviewer (mapped, not in the claim) taken away; lead (not mapped) kept.
    assert sorted(role.name for role in person.groups.all()) == [permissions.OWNER, permissions.LEAD]


@pytest.mark.django_db
def test_a_first_sign_on_links_an_account_made_in_the_admin_by_its_username(client, sso_on):
    person = factories.UserFactory(username="rita.reviewer", email="old@example.org")

    sign_on(client, "rita.reviewer")

    person.refresh_from_db()
    assert person.sso_subject == "rita.reviewer" and person.email == "old@example.org"
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["superuser", "linked to someone else"])
def test_an_account_that_may_not_be_linked_is_not_taken_over(client, sso_on, taken):
    if taken == "superuser":
        factories.UserFactory(username="rita.reviewer", is_superuser=True)
    else:
        factories.UserFactory(username="rita.reviewer", sso_subject="someone-who-left")

    response = sign_on(client, "rita.reviewer")

    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert "An account named rita.reviewer already exists and cannot be linked" in page.text
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(sso_subject="rita.reviewer").exists()


@pytest.mark.django_db
def test_a_switched_off_account_is_not_signed_in(client, sso_on):
    factories.UserFactory(username="rita", sso_subject="rita.reviewer", is_active=False)

    response = sign_on(client, "rita.reviewer")

    assert response["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session
    assert "Your account has been switched off" in client.get("/accounts/login/").text


@pytest.mark.django_db
def test_the_next_page_is_kept_through_the_provider(client, sso_on, inspection):
    response = sign_on(client, "rita.reviewer", next_url=f"/inspections/{inspection.slug}/")

    assert response["Location"] == f"/inspections/{inspection.slug}/"


@pytest.mark.django_db
def test_a_sign_on_is_logged_and_recorded_for_auditors(client, sso_on, log_output):  # noqa: F811
    sign_on(client, "rita.reviewer")

    [line] = events(log_output(), "sign_in")
    assert line["sign_in_with"] == "single sign-on" and line["user_id"] == User.objects.get().pk
    assert AccessLog.objects.filter(username="rita.reviewer").exists()


@pytest.mark.django_db
def test_a_callback_with_a_forged_state_signs_nobody_in(client, sso_on):
    start = client.get("/oidc/authenticate/")
    back = sign_in_at_provider(start["Location"], "rita.reviewer", callback_prefix=CALLBACK)
    query = parse_qs(urlsplit(back).query)

    response = client.get("/oidc/callback/", {"code": query["code"][0], "state": "forged"})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session and not User.objects.exists()


@pytest.mark.django_db
def test_cancelling_at_the_provider_says_so(client, sso_on):
    client.get("/oidc/authenticate/")
    state = next(iter(client.session["oidc_states"]))

    response = client.get("/oidc/callback/", {"error": "access_denied", "state": state}, follow=True)

    assert "cancelled or refused" in response.text and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_sentence_not_a_server_error(client, settings):
    configure(settings, "http://127.0.0.1:9")  # nothing listens on the discard port

    response = client.get("/oidc/authenticate/", follow=True)

    assert response.status_code == 200 and "could not be reached" in response.text


@pytest.mark.django_db
def test_a_password_sign_in_never_asks_the_provider(client, settings):
    configure(settings, "http://127.0.0.1:9")
    factories.OwnerFactory(username="dsupt")

    response = client.post("/accounts/login/", {"username": "dsupt", "password": "correct horse battery staple"})

    assert response.status_code == 302 and client.session[BACKEND_SESSION_KEY].endswith("ModelBackend")


# Off unless set up -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_single_sign_on_there_is_no_button_and_no_sign_on_pages(client):
    page = client.get("/accounts/login/")

    assert 'id="sso-sign-in"' not in page.text and 'id="id_password"' in page.text
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/").status_code == 404


@pytest.mark.django_db
def test_the_button_is_above_the_password_form_on_both_sign_in_pages(client, settings):
    configure(settings, "http://127.0.0.1:9")

    site = client.get("/accounts/login/?next=/actions/").text
    admin = client.get("/admin/login/?next=/admin/").text

    for page in (site, admin):
        assert "Sign in with Hertfordshire Constabulary account" in page
        assert page.index('id="sso-sign-in"') < page.index('id="id_password"')
    assert 'href="/oidc/authenticate/?next=/actions/"' in site
    assert 'href="/oidc/authenticate/?next=/admin/"' in admin


# The claims ----------------------------------------------------------------------------------------


def test_the_role_map_reads_pairs_or_json():
    assert sso.parse_role_map("") == {}
    assert sso.parse_role_map(" a=PCC reviewer ; b=Action owner;a=Auditor;") == {
        "a": {"PCC reviewer", "Auditor"},
        "b": {"Action owner"},
    }
    assert sso.parse_role_map('{"a": "PCC reviewer", "b": ["Auditor", "Action owner"]}') == {
        "a": {"PCC reviewer"},
        "b": {"Auditor", "Action owner"},
    }


@pytest.mark.parametrize("text", ["no-equals-sign", "=PCC reviewer", "a=", "{not json", "[1]", '{"a": 1}'])
def test_a_role_map_that_cannot_be_read_is_refused_by_the_system_check(settings, text):
    from tracker.checks import check_single_sign_on

    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "client", "secret"
    settings.OIDC_OP_DISCOVERY = "https://login.example/.well-known/openid-configuration"
    settings.TRACKER_SSO_ROLE_MAP = text

    assert [error.id for error in check_single_sign_on()] == ["tracker.E011"]


def test_half_set_up_single_sign_on_is_refused_by_the_system_check(settings):
    from tracker.checks import check_single_sign_on

    settings.OIDC_RP_CLIENT_ID = "client"

    [error] = check_single_sign_on()
    assert error.id == "tracker.E010" and "OIDC_RP_CLIENT_SECRET" in error.msg and "OIDC_OP_TOKEN_ENDPOINT" in error.msg


def test_roles_come_from_the_groups_claim_in_any_of_its_forms():
    mapping = sso.parse_role_map(ROLE_MAP)

    assert sso.mapped_roles({"groups": [REVIEWERS, OWNERS, CANTEEN]}, mapping) == {"PCC reviewer", "Action owner"}
    assert sso.mapped_roles({"groups": OWNERS}, mapping) == {"Action owner"}
    assert sso.mapped_roles({}, mapping) == set()
    with pytest.raises(SuspiciousOperation, match="could not be read"):
        sso.mapped_roles({"groups": [{"id": REVIEWERS}]}, mapping)
    # Entra ID's "overage": too many groups for the token, a link to Graph in their place.
    with pytest.raises(SuspiciousOperation, match="too many groups"):
        sso.mapped_roles({"_claim_names": {"groups": "src1"}, "_claim_sources": {}}, mapping)


def test_the_role_claim_can_be_another(settings):
    settings.TRACKER_SSO_ROLE_CLAIM = "roles"

    assert sso.mapped_roles({"roles": ["a"], "groups": ["b"]}, {"a": {"Auditor"}, "b": {"Action owner"}}) == {"Auditor"}


@pytest.mark.parametrize("claims", [{}, {"sub": ""}, {"sub": 42}, {"sub": "x" * 256}])
def test_no_usable_subject_is_refused(claims):
    with pytest.raises(SuspiciousOperation, match="no usable sub claim"):
        sso.Identity.from_claims(claims)


@pytest.mark.django_db
def test_an_account_is_matched_by_its_subject_never_by_email():
    factories.UserFactory(username="victim", email="victim@example.org")
    claims = {"sub": "attacker", "email": "victim@example.org", "preferred_username": "attacker"}

    person = sso.find_or_make_account(sso.Identity.from_claims(claims))

    assert person.username == "attacker" and person.sso_subject == "attacker"
    assert User.objects.get(username="victim").sso_subject is None


@pytest.mark.django_db
def test_the_subject_can_be_entras_object_id(settings):
    settings.TRACKER_SSO_SUBJECT_CLAIM = "oid"

    identity = sso.Identity.from_claims({"sub": "pairwise", "oid": "00000000-aaaa", "preferred_username": "a@b"})

    assert identity.subject == "00000000-aaaa"


@pytest.mark.django_db
def test_refused_sign_ons_lock_nobody_out(client, sso_on):
    factories.UserFactory(username="rita", sso_subject="rita.reviewer", is_active=False)
    for _ in range(sso_on.AXES_FAILURE_LIMIT + 1):
        sign_on(client, "rita.reviewer")

    response = sign_on(client, "olly.owner")

    assert response["Location"] == "/" and client.session[BACKEND_SESSION_KEY] == sso.BACKEND


@pytest.mark.django_db
def test_the_admin_shows_the_subject_and_nobody_types_it(client, administrator):
    person = factories.UserFactory(username="linked", sso_subject="subject-abc-123")
    client.force_login(administrator)

    page = client.get(f"/admin/tracker/user/{person.pk}/change/")

    assert "subject-abc-123" in page.text and 'name="sso_subject"' not in page.text


@pytest.mark.django_db
def test_two_first_sign_ons_at_once_make_one_account_and_a_sentence():
    # The other tab's sign-in made the account between this one's look-up and its save.
    factories.UserFactory(username="twice", sso_subject="twice")

    with pytest.raises(SuspiciousOperation, match="at the same moment: try again"):
        sso.make_account(sso.Identity("twice", "twice-again", "", "", ""))
    assert User.objects.filter(sso_subject="twice").count() == 1


@pytest.mark.django_db
def test_an_id_token_from_another_issuer_signs_nobody_in(client, sso_on):
    sso_on.OIDC_OP_ISSUER = "https://login.example.org/another-tenant/v2.0"

    response = sign_on(client, "rita.reviewer")

    assert response["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session
    assert "Single sign-on did not sign you in" in client.get("/accounts/login/").text
    assert not User.objects.exists()


@pytest.mark.parametrize("aud", ["another-application", ["another-application"], None])
def test_an_id_token_for_another_application_is_refused(settings, monkeypatch, aud):
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    monkeypatch.setattr(sso.OIDCAuthenticationBackend, "verify_token", lambda self, token, **kw: {"aud": aud})
    backend = sso.SingleSignOnBackend()
    backend._load()

    with pytest.raises(SuspiciousOperation, match="another application"):
        backend.verify_token("a token")


def test_a_provider_reached_over_plain_http_is_refused_in_production(settings):
    from tracker.checks import check_single_sign_on

    settings.DEBUG = False
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "tracker", "a-secret"
    settings.OIDC_OP_DISCOVERY = "http://login.example.test/tenant/v2.0/.well-known/openid-configuration"

    errors = check_single_sign_on()

    assert [error.id for error in errors] == ["tracker.E013"]
    assert "OIDC_OP_DISCOVERY is plain HTTP" in errors[0].msg
    settings.OIDC_OP_DISCOVERY = settings.OIDC_OP_DISCOVERY.replace("http://", "https://")
    assert check_single_sign_on() == []
