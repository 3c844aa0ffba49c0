"""The admin: every model there with its history; the record read-only where it must be."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from tests import factories
from tracker.models import Action, SignOff


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
    inspection = factories.InspectionFactory(title="Old title")
    client.force_login(administrator)
    data = {
        "slug": inspection.slug,
        "title": "Corrected title",
        "kind": inspection.kind,
        "force": inspection.force,
        "published": "02/03/2017",
        "judgements-TOTAL_FORMS": "0",
        "judgements-INITIAL_FORMS": "0",
    }

    response = client.post(admin_url(inspection), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert inspection.history.order_by("-history_id").first().history_user == administrator


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
