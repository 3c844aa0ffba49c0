"""The page after too many failed sign-ins names the pause in words."""

import datetime

import pytest
from django.urls import reverse

from tests import factories
from tracker.templatetags.tracker import duration_in_words


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (30, "30 minutes"),
        (1, "1 minute"),
        (60, "1 hour"),
        (90, "1 hour and 30 minutes"),
        (150, "2 hours and 30 minutes"),
    ],
)
def test_durations_are_named_in_words(minutes, words):
    assert duration_in_words(datetime.timedelta(minutes=minutes)) == words


@pytest.mark.django_db
def test_the_lockout_page_says_30_minutes_not_an_iso_duration(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    factories.OwnerFactory(username="locked")
    login = reverse("login")

    for _ in range(3):
        response = client.post(login, {"username": "locked", "password": "wrong"})

    page = response.content.decode()
    assert "Signing in is paused" in page
    assert "paused for 30 minutes." in page
    assert "PT30M" not in page
