"""Nothing private is cached: every page, export and download a signed-in person gets says
Cache-Control: no-store, so neither a shared proxy nor the browser's back button keeps a copy."""

import pytest
from django.urls import reverse

from tests.test_access import MATRIX, ROLES, expected, world  # noqa: F401 - world is a fixture
from tracker.models import Action

# The access matrix's plan, built once, stays until the module's last test: every test here sees it.
pytestmark = pytest.mark.usefixtures("access_world")

SIGNED_IN = [role for role in ROLES if role != "anonymous"]


def url_of(plan: dict, name: str) -> str:
    rule = MATRIX[name]
    return reverse(name, args=[plan[key] for key in rule.args.split(",")] if rule.args else [])


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_url_says_no_store_to_a_signed_in_person(client, world, name, role):  # noqa: F811
    client.force_login(world["people"][role])

    response = client.get(url_of(world, name))

    assert response.status_code == expected(MATRIX[name], role, "GET")  # the page itself, a refusal or a 404
    assert "no-store" in response.headers.get("Cache-Control", ""), f"{name} as {role}"


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_exports_say_no_store(client, world, export):  # noqa: F811
    client.force_login(world["people"]["lead"])

    response = client.get(reverse("tracker:action-list"), {"format": export})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_the_public_panel_report_says_no_store(client, world):  # noqa: F811
    client.force_login(world["people"]["auditor"])

    response = client.get(reverse("tracker:panel-report"), {"public": "1"})

    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_a_post_answer_says_no_store(client, world):  # noqa: F811
    client.force_login(world["people"]["reviewer"])

    response = client.post(reverse("tracker:action-sign-off", args=[world["submitted_action"]]), {})

    assert response.status_code == 400
    assert "no-store" in response.headers.get("Cache-Control", "")
    assert Action.objects.get(pk=world["submitted_action"]).status == Action.Status.SUBMITTED


def test_the_health_check_keeps_its_own_header(client, world):  # noqa: F811
    client.force_login(world["people"]["lead"])

    response = client.get(reverse("tracker:healthz"))

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_static_files_keep_their_own_caching(client, world):  # noqa: F811
    client.force_login(world["people"]["lead"])

    response = client.get("/static/tracker/tracker.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
