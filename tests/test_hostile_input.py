"""No 500 from bad input anywhere: every URL of the site and of the admin (for each of our models:
change list, add, change, history, one history entry, delete) is sent hostile query strings, and
every form of the site hostile posts, signed in as a lead and as a superuser (the admin as the
superuser: a lead never gets past its sign-in page), on either database.

A NUL anywhere is answered 400 with a page that says why (PostgreSQL refuses a NUL in any text it
is sent); an id in the admin's address that could not be one is a 404.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse, reverse_lazy
from simple_history.admin import SimpleHistoryAdmin

from tests import factories
from tests.conftest import FAST_HASHERS
from tests.shared_data import written_once
from tests.test_access import MATRIX, Form, world  # noqa: F401 - world is a fixture

# The access matrix's plan, built once, stays until the module's last test: every test here sees it.
pytestmark = pytest.mark.usefixtures("access_world")

NUL = "\x00"
LONG = "x" * 5_000
# Not a number, with a quote and markup in it; a number past any column's range.
VALUES = [NUL, LONG, "abc'<script>alert(1)</script>", "99999999999999999999"]
# The site's filter and page names, and names nothing knows.
SITE_NAMES = [
    *["q", "page", "status", "rag", "owner", "inspection", "theme", "kind", "due_from", "due_to", "overdue"],
    *["format", "public", "returned", "drifting", "inactive", "pending_extension", "next", "nosuch"],
]
# What the admin's pages other than its lists read from the query string.
ADMIN_PAGE_NAMES = ["_changelist_filters", "_popup", "_to_field", "q", "p", "nosuch"]
# A bad name stops the admin's list reading the rest (it answers ?e=1): these go to it alone too.
ALONE = [{"status__exact": NUL}, {NUL: "1"}, {"q": LONG}, {"nosuch": "1"}]


def hostile_queries(names: list[str]) -> list[dict]:
    """Every name at once, with each hostile value."""
    return [dict.fromkeys(names, value) for value in VALUES]


SITE = sorted(MATRIX)
ADMIN = [
    (model._meta.label_lower, view)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label == "tracker"
    for view in ["changelist", "add", "change", "history", "delete"]
    + (["history-item"] if isinstance(model_admin, SimpleHistoryAdmin) else [])
]
USERS = ["lead", "superuser"]


@pytest.fixture(scope="module")
def superuser(access_world, django_db_blocker):
    with written_once(django_db_blocker), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield factories.UserFactory(username="superuser", is_staff=True, is_superuser=True)


@pytest.fixture
def signed_in_as(client, world, superuser):  # noqa: F811
    def sign_in(who: str):
        client.force_login(superuser if who == "superuser" else world["people"][who])
        return client

    return sign_in


def site_url(plan: dict, name: str) -> str:
    rule = MATRIX[name]
    return reverse(name, args=[plan[key] for key in rule.args.split(",")] if rule.args else [])


def admin_urls(label: str, view: str) -> tuple[str, list[str]]:
    """The admin's page `view` of the first record of this model, and the same page with ids that
    could not be one (letters, a number past any column's range)."""
    model = next(model for model in admin.site._registry if model._meta.label_lower == label)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    if view in ("changelist", "add"):
        return reverse(f"{prefix}_{view}"), []
    record = model.objects.order_by("pk").first()
    pk = str(record.pk) if record else "1"
    if view == "history-item":
        entry = record.history.order_by("history_id").first() if record else None
        version = str(entry.history_id) if entry else "1"
        urls = [
            reverse(f"{prefix}_simple_history", args=args)
            for args in [(pk, version), (pk, "abc"), ("abc", version), (pk, "9" * 20)]
        ]
    else:
        urls = [reverse(f"{prefix}_{view}", args=[key]) for key in (pk, "abc", "9" * 20, "%00")]
    return urls[0], urls[1:]


# /healthz is answered before any other middleware and reads nothing of the request but its path.
READS_NO_QUERY = {reverse_lazy("tracker:healthz")}


def assert_never_a_server_error(client, url: str, queries: list[dict]) -> None:
    for query in queries:
        response = client.get(f"{url}?{urlencode(query)}")
        assert response.status_code < 500, f"GET {url} {list(query)[:3]}: {response.status_code}"
        if NUL in "".join([*query, *query.values()]) and url not in READS_NO_QUERY:
            assert response.status_code == 400


def changelist_names(client, url: str) -> list[str]:
    """The names the admin's list reads: its search, page and order, each filter's, the date drill-down."""
    response = client.get(url)
    if response.status_code != 200:
        return ADMIN_PAGE_NAMES  # not for this person: the sign-in page answers
    changelist = response.context["cl"]
    names = ["q", "p", "o"]
    for spec in changelist.filter_specs:
        names += spec.expected_parameters()
    if changelist.date_hierarchy:
        names += [f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("name", SITE)
def test_every_site_url_survives_hostile_query_strings(signed_in_as, world, who, name):  # noqa: F811
    assert_never_a_server_error(signed_in_as(who), site_url(world, name), hostile_queries(SITE_NAMES))


# The admin lets in only staff: a lead is sent to its sign-in page before any of its views runs
# (test_admin.py), so these are tried as the superuser, who sees every page of it.
@pytest.mark.parametrize(("label", "view"), ADMIN)
def test_every_admin_url_of_our_models_survives_hostile_query_strings(signed_in_as, label, view):
    client = signed_in_as("superuser")
    url, with_bad_ids = admin_urls(label, view)
    if view == "changelist":
        assert_never_a_server_error(client, url, hostile_queries(changelist_names(client, url)) + ALONE)
    else:
        assert_never_a_server_error(client, url, hostile_queries(ADMIN_PAGE_NAMES))
    for bad in with_bad_ids:
        assert client.get(bad).status_code < 500, bad


def test_an_id_that_could_not_be_one_is_not_found_in_the_admins_history(signed_in_as, world):  # noqa: F811
    client = signed_in_as("superuser")
    action = world["open_action"]

    assert client.get(f"/admin/tracker/action/{action}/history/abc/").status_code == 404
    assert client.get("/admin/tracker/action/abc/history/1/").status_code == 404
    assert client.get("/admin/tracker/action/abc/history/").status_code == 404


def test_a_nul_in_an_admin_filter_is_refused_with_a_reason(signed_in_as):
    response = signed_in_as("superuser").get("/admin/tracker/action/?status__exact=%00")

    assert response.status_code == 400
    assert "null character" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_drill_down_year_past_any_date_is_a_bad_filter(signed_in_as):
    response = signed_in_as("superuser").get("/admin/tracker/action/", {"due_date__year": "9" * 20})

    assert (response.status_code, response.url) == (302, "/admin/tracker/action/?e=1")


# Forms --------------------------------------------------------------------------------------

FORMS = sorted(name for name, rule in MATRIX.items() if isinstance(rule, Form))
FORM_VALUES = [NUL, LONG, "abc'<script>alert(1)</script>", "99999999999999999999"]


def form_fields(client, url: str) -> list[str]:
    """The form's fields, for someone who may use it; for anyone else the post is refused anyway."""
    response = client.get(url)
    return list(response.context["form"].fields) if response.status_code == 200 else []


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("name", FORMS)
def test_every_form_survives_hostile_posts(signed_in_as, world, who, name):  # noqa: F811
    client = signed_in_as(who)
    url = site_url(world, name)
    fields = form_fields(client, url)
    for value in FORM_VALUES:
        data = dict.fromkeys([*fields, "nosuch"], value)
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")

        assert response.status_code < 500, f"POST {name} {value[:10]!r}: {response.status_code}"
        if value == NUL:
            assert response.status_code == 400
            # Sent multipart, as a form with a file input is: the middleware leaves such a body to
            # the upload checks, and the form's own fields refuse the NUL (or the person is refused).
            assert client.post(url, data).status_code in (400, 403)


@pytest.mark.parametrize("file_name", ["é" * 300 + ".txt", "a" * 5_000 + ".txt", "../../etc/passwd", "nul\x00.txt"])
def test_evidence_with_a_hostile_file_name_is_not_a_server_error(signed_in_as, world, file_name):  # noqa: F811
    client = signed_in_as("lead")
    url = site_url(world, "tracker:action-evidence")

    response = client.post(url, {"title": "Audit", "file": SimpleUploadedFile(file_name, b"Audit notes\n")})

    assert response.status_code in (302, 400)


def test_a_file_name_too_long_to_keep_is_explained(signed_in_as, world):  # noqa: F811
    client = signed_in_as("lead")
    upload = SimpleUploadedFile("é" * 120 + ".txt", b"Audit notes\n")

    response = client.post(site_url(world, "tracker:action-evidence"), {"title": "Audit", "file": upload})

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The file's name is too long to keep: rename it to something shorter"
    ]


@pytest.mark.parametrize("value", [NUL, "'", "<script>alert(1)</script>", "a" * 5000])
def test_signing_in_with_hostile_input_is_not_a_server_error(client, world, value):  # noqa: F811
    response = client.post(
        reverse("login"),
        urlencode({"username": value, "password": value}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (200, 400)
