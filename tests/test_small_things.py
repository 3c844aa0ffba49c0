"""Small things people noticed: the favicon, "You have signed out", the auditor's read-only sign-off queue,
the section 55 clocks' text in its column, durations in words, and signing in again after an idle timeout
back to the page they were on."""

import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.utils import timezone

from tests import factories
from tests.pages import main_text
from tests.test_mfa import code_for, with_app
from tests.test_sign_in_proxy import through_nginx
from tracker import clock, permissions

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password
LOGIN = "/accounts/login/"


# The favicon ------------------------------------------------------------------------------------


def test_every_page_links_the_favicon_and_the_files_are_served(client):
    page = client.get(LOGIN).content.decode()

    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert icons == ["/static/tracker/favicon.ico", "/static/tracker/favicon.svg"]
    assert finders.find("tracker/favicon.ico") and finders.find("tracker/favicon.svg")


def test_favicon_ico_answers_anyone_at_the_sites_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/tracker/favicon.ico"


# Signing out -----------------------------------------------------------------------------------


def test_signing_out_says_so_on_the_sign_in_page(client, owner):
    client.post(LOGIN, {"username": owner.username, "password": PASSWORD})

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain == [(LOGIN, 302)]
    assert "You have signed out" in main_text(response)
    assert "_auth_user_id" not in client.session
    assert "You have signed out" not in client.get(LOGIN).content.decode(), "said once"


# The sign-off queue, read-only for an auditor --------------------------------------------------


def test_an_auditor_reads_the_sign_off_queue_and_is_offered_no_decision(client, auditor, owner):
    action = factories.ActionFactory(owner=owner, submitted=True, title="Dip-sample risk assessments")
    client.force_login(auditor)

    page = client.get("/review/")

    html = main_text(page)
    assert page.status_code == 200
    assert "Dip-sample risk assessments" in html
    assert "Review and decide" not in html and ">Decide<" not in html
    assert "only a PCC reviewer decides" in html
    assert 'href="/review/"' in client.get("/").content.decode(), "the queue is in the auditor's navigation"
    assert client.post(f"/actions/{action.pk}/sign-off/", {"decision": "sign_off"}).status_code == 403


def test_a_reviewer_still_decides_from_the_queue(client, reviewer, owner):
    action = factories.ActionFactory(owner=owner, submitted=True)
    client.force_login(reviewer)

    html = main_text(client.get("/review/"))

    assert f'<a href="/actions/{action.pk}/">Review and decide' in html
    assert "only a PCC reviewer decides" not in html


@pytest.mark.parametrize(("role", "sees"), [("auditor", True), ("reviewer", True), ("owner", False), ("lead", False)])
def test_who_sees_the_queue_and_who_decides_in_it(request, role, sees):
    person = request.getfixturevalue(role)

    assert permissions.can_see_review_queue(person) is sees
    assert permissions.can_decide_from_queue(person) is (role == "reviewer")


# The section 55 clocks on the reviewer's dashboard --------------------------------------------------


def test_the_section_55_text_stays_in_its_own_column(client, reviewer):
    factories.InspectionFactory(title="Old report", published=datetime.date(2017, 3, 2))
    client.force_login(reviewer)

    html = main_text(client.get("/"))

    table = re.search(r'<table class="[^"]*table--wrapping[^"]*">.*?</table>', html, re.S).group(0)
    assert "colspan" not in table, "each column's text under its own heading"
    cell = '<td class="wrap-anywhere" data-label="PCC response due">'
    assert f"{cell}No statutory deadline (published before 2 May 2017)</td>" in table
    css = finders.find("tracker/tracker.css")
    with open(css) as stylesheet:
        assert ".table--wrapping .wrap-anywhere { overflow-wrap: anywhere;" in stylesheet.read()


# Durations in words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (datetime.timedelta(seconds=1), "1 second"),
        (datetime.timedelta(seconds=0.2), "1 second"),
        (datetime.timedelta(seconds=45), "45 seconds"),
        (datetime.timedelta(minutes=1), "1 minute"),
        (datetime.timedelta(minutes=30), "30 minutes"),
        (datetime.timedelta(minutes=90), "1 hour and 30 minutes"),
        (datetime.timedelta(days=1), "1 day"),
        (datetime.timedelta(days=2, hours=3, minutes=1), "2 days, 3 hours and 1 minute"),
    ],
)
def test_durations_are_named_in_words_with_the_right_plural(duration, words):
    assert clock.duration_in_words(duration) == words


def test_the_paused_sign_in_page_says_one_minute_not_one_minutes(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 50
    settings.TRACKER_SIGN_IN_THROTTLE_FAILURES = 2
    settings.TRACKER_SIGN_IN_THROTTLE_MINUTES = 1
    for number in range(2):
        client.post(LOGIN, {"username": f"guess-{number}", "password": "x"}, **through_nginx("192.0.2.7"))

    paused = client.post(
        LOGIN, {"username": "someone", "password": "x", "next": "/actions/"}, **through_nginx("192.0.2.7")
    )

    page = paused.content.decode()
    assert paused.status_code == 429
    assert "in the last 1 minute." in page and "Try again in 1 minute." in page
    assert f'<a href="{LOGIN}?next=/actions/">Go to the sign-in page</a>' in page, "where they were going is kept"


def test_a_setting_of_one_day_is_not_one_days(client, owner, settings):
    settings.TRACKER_INACTIVITY_DAYS = 1
    settings.TRACKER_DUE_SOON_DAYS = 1
    client.force_login(owner)

    html = main_text(client.get("/"))

    assert "<h3>No progress note for 1 day</h3>" in html
    assert "1 days" not in html


# Back to the page after an idle timeout ------------------------------------------------------------------


def idle_too_long(client) -> None:
    """SESSION_IDLE_MINUTES pass with no request: the session's expiry, pushed back by each request, goes by."""
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + datetime.timedelta(minutes=60), "SESSION_IDLE_MINUTES"
    session.expire_date = timezone.now() - datetime.timedelta(seconds=1)
    session.save()


def test_signing_in_after_an_idle_timeout_returns_to_the_page(client, owner, settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.post(LOGIN, {"username": owner.username, "password": PASSWORD})
    idle_too_long(client)

    sent = client.get(f"/actions/{action.pk}/progress/")
    assert sent.status_code == 302 and sent.url == f"{LOGIN}?next=/actions/{action.pk}/progress/"
    form = client.get(sent.url).content.decode()
    assert f'<input type="hidden" name="next" value="/actions/{action.pk}/progress/">' in form
    wrong = client.post(LOGIN, {"username": owner.username, "password": "wrong", "next": f"/actions/{action.pk}/"})
    assert f'name="next" value="/actions/{action.pk}/"' in wrong.content.decode(), "kept after a wrong password"

    back = client.post(LOGIN, {"username": owner.username, "password": PASSWORD, "next": f"/actions/{action.pk}/"})

    assert back.status_code == 302 and back.url == f"/actions/{action.pk}/"


def test_after_a_timeout_the_second_factor_step_also_returns_to_the_page(client, reviewer, settings):
    settings.TRACKER_MFA = "powers"
    device = with_app(reviewer)
    action = factories.ActionFactory(submitted=True)
    page = f"/actions/{action.pk}/"
    client.post(LOGIN, {"username": reviewer.username, "password": PASSWORD})
    client.post("/account/second-factor/", {"code": code_for(device)})
    idle_too_long(client)
    assert client.get(page).url == f"{LOGIN}?next={page}"

    signed_in = client.post(LOGIN, {"username": reviewer.username, "password": PASSWORD, "next": page})
    asked = client.get(signed_in.url)
    assert asked.url == f"/account/second-factor/?next=%2Factions%2F{action.pk}%2F"
    # The app's next code: the one given at the first sign-in is not taken twice.
    done = client.post(asked.url, {"code": code_for(device, steps_ahead=1), "next": page})

    assert done.status_code == 302 and done.url == page
    assert client.get(page).status_code == 200


def test_a_next_to_another_site_is_not_followed(client, owner):
    response = client.post(
        LOGIN, {"username": owner.username, "password": PASSWORD, "next": "https://elsewhere.example/"}
    )

    assert response.status_code == 302 and response.url == "/"
