"""The action lists (/actions/ and /actions/mine/) over five actions that differ in every filtered field:
filters, search, bad input, my actions, and the page itself."""

import copy
import re

import pytest
from django.test import override_settings

from tests import factories
from tests.action_lists import S, csv_rows, day, get_export, listed, make_action
from tests.shared_data import written_once
from tracker.exports import HEADER

# Built once, the five actions stay until the module's last test: every test here sees them.
pytestmark = pytest.mark.usefixtures("five_actions")


@pytest.fixture(scope="module")
def five_actions(django_db_setup, django_db_blocker):
    """Five actions that differ in every filtered field, written once for the module."""
    # The real password hasher is slow on purpose; the users made here need none of its strength.
    with written_once(django_db_blocker):
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            owner = factories.OwnerFactory(username="owner")
            other_owner = factories.OwnerFactory(username="other-owner")
            stalking_theme = factories.ThemeFactory(name="Stalking and harassment")
            victims_theme = factories.ThemeFactory(name="Victims")
            peel = factories.InspectionFactory(slug="peel-2016", title="PEEL effectiveness 2016")
            crime_data = factories.InspectionFactory(slug="crime-data-2019", title="Crime data integrity 2019")
            afi = factories.FindingFactory(
                inspection=peel, reference="AFI3", title="Stalking investigations", theme=stalking_theme
            )
            concern = factories.FindingFactory(
                inspection=crime_data,
                cause_of_concern=True,
                reference="CoC1",
                title="Risk at first contact",
                text="The force should assess risk consistently at first contact.",
                theme=victims_theme,
            )
            actions = {
                "afi": afi,
                "concern": concern,
                "stalking_theme": stalking_theme,
                "crime_data": crime_data,
                "owner": owner,
                "other_owner": other_owner,
                "not_started": make_action(title="Train call handlers", finding=afi, owner=owner, due_in=60),
                "in_progress": make_action(
                    S.IN_PROGRESS, title="Audit stalking cases", finding=afi, owner=other_owner, due_in=5
                ),
                "blocked": make_action(S.BLOCKED, title="Replace risk tool", finding=concern, owner=owner, due_in=-3),
                "signed_off": make_action(
                    S.SIGNED_OFF, title="Publish the policy", finding=concern, owner=other_owner, due_in=-30
                ),
                "withdrawn": make_action(S.WITHDRAWN, title="Old plan", finding=afi, owner=owner, due_in=-40),
            }
        yield actions


@pytest.fixture
def plan(db, five_actions):
    """The five actions: each test gets its own copy, and whatever it changes in the database is rolled back."""
    return copy.deepcopy(five_actions)


def test_list_requires_sign_in(client, db):
    response = client.get("/actions/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_account_with_no_role_finds_no_action_list(client, plan):
    client.force_login(factories.UserFactory(username="nobody"))

    assert client.get("/actions/").status_code == 404
    assert client.get("/actions/mine/").status_code == 404


def test_unfiltered_list_shows_every_action_in_due_date_order(signed_in, plan):
    response = signed_in.get("/actions/")

    titles = [action.title for action in response.context["page"]]
    assert titles == [
        "Old plan",
        "Publish the policy",
        "Replace risk tool",
        "Audit stalking cases",
        "Train call handlers",
    ]
    assert "5 actions" in response.content.decode()


FILTERS = [
    ("status=in_progress", {"Audit stalking cases"}),
    ("status=blocked&status=signed_off", {"Replace risk tool", "Publish the policy"}),
    ("owner={other_owner}", {"Audit stalking cases", "Publish the policy"}),
    ("inspection=crime-data-2019", {"Replace risk tool", "Publish the policy"}),
    ("theme={stalking_theme}", {"Train call handlers", "Audit stalking cases", "Old plan"}),
    ("kind=cause_of_concern", {"Replace risk tool", "Publish the policy"}),
    ("due_from={minus_30}", {"Publish the policy", "Replace risk tool", "Audit stalking cases", "Train call handlers"}),
    ("due_to={today}", {"Old plan", "Publish the policy", "Replace risk tool"}),
    ("due_from={minus_30}&due_to={today}", {"Publish the policy", "Replace risk tool"}),
    ("overdue=on", {"Replace risk tool"}),
    ("rag=red", {"Replace risk tool"}),
    ("rag=amber", {"Audit stalking cases"}),
    ("rag=green", {"Train call handlers"}),
    ("rag=complete", {"Publish the policy"}),
    ("owner={owner}&kind=area_for_improvement&status=not_started", {"Train call handlers"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_filter_narrows_the_list(signed_in, plan, query, expected):
    query = query.format(
        owner=plan["owner"].pk,
        other_owner=plan["other_owner"].pk,
        stalking_theme=plan["stalking_theme"].pk,
        minus_30=day(-30).isoformat(),
        today=day(0).isoformat(),
    )

    assert listed(signed_in.get(f"/actions/?{query}")) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("STALKING", {"Audit stalking cases", "Train call handlers", "Old plan"}),  # title or finding title
        ("afi3", {"Audit stalking cases", "Train call handlers", "Old plan"}),  # finding reference
        ("first contact", {"Replace risk tool", "Publish the policy"}),  # finding title and text
        ("policy", {"Publish the policy"}),
        ("tool consistently", {"Replace risk tool"}),  # every word, each in any field
        ("nothing-like-this", set()),
    ],
)
def test_search_looks_in_titles_findings_and_owners(signed_in, plan, words, expected):
    assert listed(signed_in.get("/actions/", {"q": words})) == expected


def test_search_finds_owner_and_description(signed_in, plan):
    owner = factories.OwnerFactory(username="dsupt", first_name="Priya", last_name="Okonkwo")
    make_action(title="Review MAPPA referrals", owner=owner, description="Sample of 50 referrals each quarter")

    assert listed(signed_in.get("/actions/", {"q": "okonkwo"})) == {"Review MAPPA referrals"}
    assert listed(signed_in.get("/actions/", {"q": "priya okonkwo"})) == {"Review MAPPA referrals"}
    assert listed(signed_in.get("/actions/", {"q": "quarter"})) == {"Review MAPPA referrals"}


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("due_from=notadate", "The start of the due range must be a real date"),
        ("owner=999999", "Select a valid choice"),
        ("owner=abc", "Select a valid choice"),
        ("status=bogus", "Select a valid choice. bogus is not one of the available choices."),
        ("rag=purple", "Select a valid choice"),
        ("inspection=no-such-inspection", "Select a valid choice"),
        ("theme=999999", "Select a valid choice"),
        ("due_from=2027-03-31&due_to=2027-01-01", "The end of the due range must be on or after its start"),
    ],
)
def test_bad_filter_values_are_reported_not_fatal(signed_in, plan, query, message):
    response = signed_in.get(f"/actions/?{query}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: Actions" in html


def test_a_bad_field_filters_nothing(signed_in, plan):
    assert len(listed(signed_in.get("/actions/?owner=999999&status=bogus"))) == 5


def test_bad_value_is_ignored_but_good_ones_still_apply(signed_in, plan):
    response = signed_in.get("/actions/?status=blocked&due_from=notadate")

    assert listed(response) == {"Replace risk tool"}


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_bad_page_numbers_do_not_fail(signed_in, plan, page):
    assert signed_in.get("/actions/", {"page": page}).status_code == 200


def test_export_with_a_bad_filter_still_exports(signed_in, plan):
    rows = csv_rows(get_export(signed_in, "/actions/?due_from=notadate&status=blocked&format=csv"))

    assert [row[HEADER.index("Action title")] for row in rows[1:]] == ["Replace risk tool"]


def test_unknown_format_shows_the_list(signed_in, plan):
    response = signed_in.get("/actions/?format=pdf")

    assert response.status_code == 200
    assert len(listed(response)) == 5


# My actions -------------------------------------------------------------------------------


def test_mine_shows_only_my_actions(client, plan, owner):
    client.force_login(owner)

    response = client.get("/actions/mine/")

    assert listed(response) == {"Train call handlers", "Replace risk tool", "Old plan"}
    assert "<h1>My actions</h1>" in response.content.decode()


def test_mine_filters_within_my_actions(client, plan, owner):
    client.force_login(owner)

    assert listed(client.get("/actions/mine/?overdue=on")) == {"Replace risk tool"}
    assert listed(client.get(f"/actions/mine/?owner={plan['other_owner'].pk}")) == set()


# The page ---------------------------------------------------------------------------------


def test_page_has_one_heading_a_filter_form_and_a_table(signed_in, plan):
    html = signed_in.get("/actions/").content.decode()

    assert html.count("<h1") == 1
    assert '<form method="get"' in html
    assert "Apply filters" in html
    assert '<a href="/actions/">Clear filters</a>' in html
    assert "<caption>Actions</caption>" in html
    assert html.count('<th scope="col">') == 6
    assert f'<a href="/actions/{plan["blocked"].pk}/">Replace risk tool</a>' in html
    assert "Red: overdue" in html  # the RAG tag
    assert "Download CSV" in html
    assert "Download Excel" in html


def test_empty_result_says_so(signed_in, plan):
    html = signed_in.get("/actions/?q=nothing-matches").content.decode()

    assert "0 actions" in html
    assert "No actions match these filters" in html


def test_the_owner_and_inspection_menus_offer_everyone_and_keep_the_choice(signed_in, plan):
    owner = plan["owner"]
    nameless = factories.OwnerFactory(username="j.doe", first_name="", last_name="")

    page = signed_in.get(f"/actions/?owner={owner.pk}&inspection=crime-data-2019").content.decode()

    selected = re.findall(r'<option value="([^"]*)" selected>([^<]*)', page)
    assert (str(owner.pk), str(owner)) in selected
    assert ("crime-data-2019", "Crime data integrity 2019") in selected
    assert '<option value="peel-2016">PEEL effectiveness 2016</option>' in page
    assert f'<option value="{nameless.pk}">j.doe</option>' in page  # named as everywhere else
    assert '<option value="">Anyone</option>' in page
