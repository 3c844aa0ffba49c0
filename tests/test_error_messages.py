"""Error messages name what is wrong, as GOV.UK asks ("Enter a title", "Choose an owner"), never a bare
"This field is required.", and each one in the error summary links to the field it is about."""

import copy
import html
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories
from tests.pages import date_boxes
from tests.test_access import MATRIX, Form
from tests.workflow import S, action_in

BARE = "This field is required"
SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.DOTALL)


def summary_messages(page: str) -> list[tuple[str, str]]:
    """The error summary's messages, each as (the id it links to, or "", the message)."""
    summary = SUMMARY.search(page)
    assert summary, "no error summary"
    items = re.findall(r"<li>(.*?)</li>", summary.group(0), re.DOTALL)
    found = []
    for item in items:
        link = re.match(r'<a href="#([^"]+)">(.*)</a>$', item.strip(), re.DOTALL)
        found.append((link.group(1), link.group(2)) if link else ("", item.strip()))
    return found


def assert_named_and_linked(page: str) -> list[str]:
    """Every message says what is wrong, and every link lands on an element of the page."""
    messages = summary_messages(page)
    assert messages
    for target, message in messages:
        assert BARE not in message
        if target:
            assert f'id="{target}"' in page, f"the summary links to #{target}, which is not on the page"
    assert BARE not in page
    return [html.unescape(message) for _, message in messages]


@pytest.fixture
def world(db, access_world, settings):
    settings.MEDIA_ROOT = access_world["media_root"]
    return copy.deepcopy(access_world["world"])


EMPTY_FORMS = [name for name, rule in MATRIX.items() if isinstance(rule, Form) and rule.empty_post == 400]


@pytest.mark.parametrize("name", EMPTY_FORMS)
def test_every_form_sent_empty_says_what_is_wrong_and_links_to_the_field(client, world, name):
    rule = MATRIX[name]
    client.force_login(world["people"]["lead" if "lead" in rule.allowed else sorted(rule.allowed)[0]])
    args = [world[key] for key in rule.args.split(",")] if rule.args else []

    response = client.post(reverse(name, args=args), {})

    assert response.status_code == 400
    assert_named_and_linked(response.content.decode())


def test_the_forms_with_something_to_say_are_all_walked():
    assert len(EMPTY_FORMS) >= 12


@pytest.mark.django_db
def test_a_new_action_sent_empty_asks_for_a_title_an_owner_and_a_due_date(client, lead):
    finding = factories.FindingFactory()
    client.force_login(lead)

    page = client.post(f"/findings/{finding.pk}/actions/new/", {}).content.decode()

    messages = assert_named_and_linked(page)
    assert messages == ["Enter a title", "Choose an owner", "Enter a due date"]
    assert ("id_owner", "Choose an owner") in summary_messages(page)


@pytest.mark.django_db
def test_a_due_date_in_the_past_asks_for_one_in_the_future(client, lead, owner):
    finding = factories.FindingFactory()
    client.force_login(lead)
    data = {"title": "Audit", "owner": owner.pk, **date_boxes("due_date", "1/1/2020")}

    page = client.post(f"/findings/{finding.pk}/actions/new/", data).content.decode()

    assert ("id_due_date_day", "Enter a due date in the future, or today&#x27;s date") in summary_messages(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Register"}, "Attach a file or give a link"),
        ({"title": "Register", "url": "https://intranet.example/a"}, None),
    ],
)
def test_evidence_without_a_file_or_a_link_asks_for_one_of_them(client, owner, data, message, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    action = action_in(S.IN_PROGRESS, owner)
    client.force_login(owner)

    response = client.post(f"/actions/{action.pk}/evidence/", data)

    if message is None:
        assert response.status_code == 302
        return
    page = response.content.decode()
    assert summary_messages(page) == [("id_file", message)]
    assert "Attach a file or give a link below: one of the two is needed." in html.unescape(page)
    assert 'aria-describedby="id_file_helptext id_file_error"' in page


@pytest.mark.django_db
def test_the_sign_in_form_sent_empty_asks_for_both(client):
    page = client.post("/accounts/login/", {}).content.decode()

    assert summary_messages(page) == [("id_username", "Enter your username"), ("id_password", "Enter your password")]
    assert_named_and_linked(page)


@pytest.mark.django_db
def test_the_sign_in_form_without_a_password_asks_for_it(client):
    factories.OwnerFactory(username="owner")

    page = client.post("/accounts/login/", {"username": "owner"}).content.decode()

    assert summary_messages(page) == [("id_password", "Enter your password")]


@pytest.mark.django_db
def test_choosing_a_password_sent_empty_says_what_to_enter(client):
    person = factories.OwnerFactory()
    link = reverse(
        "password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(person.pk)), default_token_generator.make_token(person)],
    )
    form_page = client.get(link, follow=True)

    page = client.post(form_page.redirect_chain[-1][0], {}).content.decode()

    assert "Enter a new password" in page
    assert "Type the new password again" in page
    assert BARE not in page


@pytest.mark.django_db
def test_an_edit_sent_without_the_pages_version_says_the_page_was_out_of_date(client, lead, owner):
    action = action_in(S.IN_PROGRESS, owner)
    client.force_login(lead)
    data = {"title": "Audit", "owner": owner.pk, "reason": "Clearer"}

    page = client.post(f"/actions/{action.pk}/edit/", data).content.decode()

    assert ("", "This page was out of date: open the action again, then make your changes") in summary_messages(page)
