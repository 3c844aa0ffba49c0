"""The admin: every model there with its history; the plan read-only for everyone, people and themes kept there."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from tests import factories
from tracker.models import Action, Judgement, RegisterEntry, SignOff, Theme


def admin_url(obj, view="change", *args):
    return reverse(f"admin:tracker_{obj._meta.model_name}_{view}", args=[obj.pk, *args])


def test_every_model_is_in_the_admin():
    models = [
        m
        for m in apps.get_app_config("tracker").get_models()
        if not issubclass(m, HistoricalChanges) and not m._meta.model_name.startswith("historical")
    ]

    assert [m.__name__ for m in models if m not in admin.site._registry] == []


def test_every_tracked_model_shows_its_history_in_the_admin():
    tracked = [
        m
        for m in apps.get_app_config("tracker").get_models()
        if hasattr(m, "history") and not m._meta.model_name.startswith("historical")
    ]

    assert tracked
    assert [m.__name__ for m in tracked if not isinstance(admin.site._registry[m], SimpleHistoryAdmin)] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_name",
    [
        "inspection",
        "judgement",
        "finding",
        "registerentry",
        "action",
        "progressupdate",
        "evidence",
        "extensionrequest",
        "signoff",
        "theme",
        "user",
    ],
)
def test_change_lists_load_for_an_auditor(client, auditor, model_name):
    factories.SignOffFactory()
    client.force_login(auditor)

    response = client.get(reverse(f"admin:tracker_{model_name}_changelist"), {"q": "audit"})

    assert response.status_code == 200


@pytest.mark.django_db
def test_auditor_reads_an_actions_history_and_changes_nothing(client, auditor, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True, title="THRIVE refresher")
    history_id = action.history.get().history_id
    client.force_login(auditor)

    assert client.get(admin_url(action, "history")).status_code == 200
    assert client.get(admin_url(action, "simple_history", history_id)).status_code == 200
    change_page = client.get(admin_url(action))
    assert change_page.status_code == 200
    assert b'name="_save"' not in change_page.content

    assert client.post(admin_url(action), {"title": "Rewritten"}).status_code == 403
    assert client.post(admin_url(action, "delete"), {"post": "yes"}).status_code == 403
    action.refresh_from_db()
    assert action.title == "THRIVE refresher"


@pytest.mark.django_db
def test_history_cannot_be_reverted_from_the_admin(client, auditor, administrator, owner):
    action = factories.ActionFactory(owner=owner, title="First title")
    first = action.history.get().history_id
    action.title = "Second title"
    action.save()

    for user in (auditor, administrator):
        client.force_login(user)
        page = client.get(admin_url(action, "simple_history", first))
        assert b"Revert" not in page.content
        assert client.post(admin_url(action, "simple_history", first), {"title": "First title"}).status_code == 403

    action.refresh_from_db()
    assert action.title == "Second title"


@pytest.mark.django_db
def test_sign_offs_are_read_only_and_undeletable_in_the_admin(client, administrator):
    sign_off = factories.SignOffFactory(comment="Seen at panel")
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)

    for user in (administrator, superuser):
        client.force_login(user)
        assert client.get(admin_url(sign_off)).status_code == 200  # readable
        assert client.post(admin_url(sign_off), {"comment": "Changed"}).status_code == 403
        assert client.post(admin_url(sign_off, "delete"), {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:tracker_signoff_add")).status_code == 403

    sign_off.refresh_from_db()
    assert sign_off.comment == "Seen at panel"
    assert SignOff.objects.count() == 1


@pytest.mark.django_db
def test_workflow_fields_are_read_only_even_for_a_superuser(client):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    action = factories.ActionFactory(in_progress=True)

    page = client.get(admin_url(action))

    form_fields = page.context["adminform"].form.fields
    for field in ("status", "due_date", "original_due_date", "submitted_by"):
        assert field not in form_fields


@pytest.mark.django_db
def test_a_signed_off_action_cannot_be_changed_in_the_admin(client):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    action = factories.ActionFactory(signed_off=True, title="Done")

    response = client.post(admin_url(action), {"title": "Undone"})

    assert response.status_code == 403
    assert Action.objects.get(pk=action.pk).title == "Done"


@pytest.mark.django_db
def test_admin_saves_record_who_made_them(client, administrator):
    theme = factories.ThemeFactory(name="Old name")
    client.force_login(administrator)

    response = client.post(admin_url(theme), {"name": "Corrected name", "description": ""})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert theme.history.order_by("-history_id").first().history_user == administrator


def plan_records() -> dict:
    """One record of every kind the plan holds, the action on a finding that is not discharged."""
    action = factories.ActionFactory(in_progress=True, title="Kept")
    return {
        "inspection": action.finding.inspection,
        "finding": action.finding,
        "action": action,
        "judgement": Judgement.objects.create(
            inspection=action.finding.inspection, position=1, question="Preventing crime", grade="good"
        ),
        "registerentry": RegisterEntry.objects.create(
            finding=action.finding, date=datetime.date(2017, 6, 1), status="being-progressed"
        ),
        "progressupdate": factories.ProgressUpdateFactory(action=action),
        "evidence": factories.EvidenceFactory(action=action),
        "extensionrequest": factories.ExtensionRequestFactory(action=action),
        "signoff": factories.SignOffFactory(),
    }


@pytest.mark.django_db
def test_the_plan_is_read_only_in_the_admin_even_for_a_superuser(client, administrator):
    records = plan_records()
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    other_finding = factories.FindingFactory()
    no_role = factories.UserFactory()

    for user in (superuser, administrator):
        client.force_login(user)
        for name, record in records.items():
            assert client.get(admin_url(record)).status_code == 200, name  # readable
            assert b'name="_save"' not in client.get(admin_url(record)).content, name
            # What an attacker would post: a move onto another finding, an owner with no role, a version.
            tampered = {"title": "Changed", "finding": other_finding.pk, "owner": no_role.pk, "version": 99}
            assert client.post(admin_url(record), tampered).status_code == 403, name
            assert client.post(admin_url(record, "delete"), {"post": "yes"}).status_code == 403, name
            assert client.get(reverse(f"admin:tracker_{name}_add")).status_code == 403, name

    action = Action.objects.get(pk=records["action"].pk)
    assert (action.title, action.finding_id, action.owner_id, action.version) == (
        "Kept",
        records["finding"].pk,
        records["action"].owner_id,
        records["action"].version,
    )


@pytest.mark.django_db
def test_the_admin_still_writes_themes(client, administrator):
    client.force_login(administrator)

    response = client.post(reverse("admin:tracker_theme_add"), {"name": "Roads policing", "description": ""})

    assert response.status_code == 302
    assert Theme.objects.filter(name="Roads policing").exists()


@pytest.mark.django_db
def test_the_action_page_in_the_admin_does_not_show_the_internal_version(client, auditor):
    action = factories.ActionFactory()
    client.force_login(auditor)

    page = client.get(admin_url(action)).content.decode()

    assert "Version" not in page


@pytest.mark.django_db
def test_people_without_admin_access_are_sent_to_sign_in(client, owner):
    client.force_login(owner)

    response = client.get(reverse("admin:tracker_action_changelist"))

    assert response.status_code == 302


@pytest.mark.django_db
def test_role_changes_are_kept_in_the_users_history(owner):
    lead_group = factories.LeadFactory().groups.get()

    owner.groups.add(lead_group)

    latest = owner.history.order_by("-history_id").first()
    assert {row.group_id for row in latest.groups.all()} == set(owner.groups.values_list("pk", flat=True))
    assert not hasattr(latest, "password")
