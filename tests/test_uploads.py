"""Evidence files: kept privately, named safely, served only through the site."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import evidence_files, factories
from tracker.models import Evidence

PDF = evidence_files.pdf()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, action, name: str, content: bytes = PDF):
    return client.post(
        reverse("tracker:action-evidence", args=[action.pk]),
        {"title": "Audit", "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/passwd.pdf",
        "..\\..\\windows\\evil.pdf",
        "audit <script>alert(1)</script>.pdf",
        "ünïcödé report.pdf",
    ],
)
def test_uploaded_file_names_are_made_safe_and_kept_inside_the_actions_folder(client, owner, name):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    assert upload(client, action, name).status_code == 302

    stored = Path(Evidence.objects.get().file.path).resolve()
    folder = (Path(settings.MEDIA_ROOT) / "evidence" / str(action.pk)).resolve()
    assert stored.parent == folder
    assert not set(stored.name) & set("/\\<>\"'")
    download = client.get(reverse("tracker:evidence-download", args=[action.pk, Evidence.objects.get().pk]))
    assert "<" not in download["Content-Disposition"] and ".." not in download["Content-Disposition"]


def test_evidence_is_stored_outside_every_static_folder():
    media = Path(settings.MEDIA_ROOT).resolve()
    static_folders = [Path(settings.STATIC_ROOT).resolve(), Path(settings.BASE_DIR, "tracker", "static").resolve()]

    for folder in static_folders:
        assert not media.is_relative_to(folder) and not folder.is_relative_to(media)


@pytest.mark.django_db
def test_the_media_folder_is_not_served_directly(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)
    upload(client, action, "audit.pdf")

    response = client.get(f"/media/{Evidence.objects.get().file.name}")

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_file_renamed_to_look_like_a_pdf_is_refused(client, owner):
    action = factories.ActionFactory(owner=owner, in_progress=True)
    client.force_login(owner)

    response = upload(client, action, "invoice.pdf", b"MZ\x90\x00\x03 this is a Windows program")

    assert response.status_code == 400
    assert b"content is not a PDF file" in response.content
    assert not Evidence.objects.exists()
