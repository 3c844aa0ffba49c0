"""Uploads are refused before they cost anything, and evidence is judged by its structure.

A request larger than the evidence limit is answered 413 before its body is read; files are
no longer read once they pass the limit; and each kind of file must parse as that kind (a
PDF with pypdf, an image with Pillow, office files as zips with their parts), so a forgery
that merely starts with the right bytes is refused.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from PIL import Image

from tests import evidence_files, factories
from tracker import permissions
from tracker.models import Evidence

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def action(owner):
    return factories.ActionFactory(owner=owner, in_progress=True)


@pytest.fixture
def view_runs(monkeypatch):
    """Each time the evidence view gets as far as its permission check."""
    calls = []
    real = permissions.require_add_evidence

    def recorded(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(permissions, "require_add_evidence", recorded)
    return calls


class CountingBody(io.RawIOBase):
    """A request body that counts the bytes read from it: `content`, then padding up to `size`,
    made only as it is read (so a 300 MB body costs nothing unless it is read)."""

    def __init__(self, content: bytes, size: int | None = None):
        self.content = content
        self.size = len(content) if size is None else size
        self.bytes_read = 0

    def readable(self):
        return True

    def read(self, n=-1):
        n = self.size - self.bytes_read if n is None or n < 0 else min(n, self.size - self.bytes_read)
        chunk = self.content[self.bytes_read : self.bytes_read + n]
        chunk += b"x" * (n - len(chunk))
        self.bytes_read += n
        return chunk

    def readline(self, n=-1):
        return self.read(n)


def post_body(client, path, body: CountingBody, content_length: int | None):
    extra = {"wsgi.input": body, "CONTENT_TYPE": MULTIPART_CONTENT}
    if content_length is not None:
        extra["CONTENT_LENGTH"] = str(content_length)
    return client.generic("POST", path, b"", **extra)


def evidence_form(file_name: str, content: bytes) -> bytes:
    return encode_multipart(BOUNDARY, {"title": "Audit", "file": SimpleUploadedFile(file_name, content)})


def form_whose_file_runs_on(file_name: str) -> bytes:
    """The start of an evidence form whose file is still being sent: CountingBody's padding is
    the rest of the file, however large it says it is."""
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="title"\r\n\r\nAudit\r\n'
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + evidence_files.pdf()


def upload(client, action, file_name: str, content: bytes):
    return client.post(
        reverse("tracker:action-evidence", args=[action.pk]),
        {"title": "Audit", "file": SimpleUploadedFile(file_name, content)},
    )


# Size: refused before it costs anything -----------------------------------------------------------


@pytest.mark.django_db
def test_a_post_that_says_it_is_300_mb_is_refused_before_its_body_is_read(client, owner, action, view_runs):
    client.force_login(owner)
    body = CountingBody(form_whose_file_runs_on("huge.pdf"), size=300 * MB)

    response = post_body(client, reverse("tracker:action-evidence", args=[action.pk]), body, 300 * MB)

    assert response.status_code == 413
    assert "The file must be smaller than 10 MB" in response.content.decode()
    assert body.bytes_read == 0
    assert view_runs == []
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_every_post_is_held_to_the_limit_not_only_the_evidence_page(client):
    """Django would otherwise read (and keep on disk) a file posted to any page, for the CSRF check."""
    body = CountingBody(form_whose_file_runs_on("huge.pdf"), size=300 * MB)

    response = post_body(client, reverse("login"), body, 300 * MB)

    assert response.status_code == 413
    assert body.bytes_read == 0


@pytest.mark.django_db
def test_a_file_is_no_longer_read_once_it_passes_the_limit(client, owner, action, view_runs, settings):
    # The request says its size honestly and is within the limit and the allowance for the
    # form's other fields, but the file in it is over the limit.
    settings.TRACKER_EVIDENCE_MAX_BYTES = 100_000
    form = evidence_form("big.pdf", evidence_files.pdf() + b"x" * 160_000)
    body = CountingBody(form)
    client.force_login(owner)

    response = post_body(client, reverse("tracker:action-evidence", args=[action.pk]), body, len(form))

    assert response.status_code == 413
    assert "The file must be smaller than 97.7 KB" in response.content.decode()
    assert body.bytes_read < len(form)
    assert view_runs == []
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_body_without_a_content_length_is_not_read(client, owner, action):
    client.force_login(owner)
    body = CountingBody(form_whose_file_runs_on("huge.pdf"), size=300 * MB)

    response = post_body(client, reverse("tracker:action-evidence", args=[action.pk]), body, None)

    assert body.bytes_read == 0
    assert response.status_code == 400  # the form, empty, asks for a title and a file
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_file_exactly_at_the_limit_is_taken(client, owner, action, settings):
    pdf = evidence_files.pdf()
    settings.TRACKER_EVIDENCE_MAX_BYTES = len(pdf)
    client.force_login(owner)

    assert upload(client, action, "audit.pdf", pdf).status_code == 302
    assert Evidence.objects.get().file.read() == pdf


# Content: judged by structure ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("audit.pdf", evidence_files.pdf()),
        ("photo.png", evidence_files.png()),
        ("photo.jpg", evidence_files.jpeg()),
        ("photo.jpeg", evidence_files.jpeg()),
        ("report.docx", evidence_files.ooxml("word/")),
        ("figures.xlsx", evidence_files.ooxml("xl/")),
        ("briefing.pptx", evidence_files.ooxml("ppt/")),
        ("report.odt", evidence_files.odf("application/vnd.oasis.opendocument.text")),
        ("figures.ods", evidence_files.odf("application/vnd.oasis.opendocument.spreadsheet")),
        ("notes.txt", "Café audit: 3 < 4 and <b> is fine further on\n".encode()),
        ("figures.csv", "Ref,Owner\nC1,Zoë\n".encode("latin-1")),
    ],
)
def test_real_files_of_each_kind_are_taken(client, owner, action, file_name, content):
    client.force_login(owner)

    assert upload(client, action, file_name, content).status_code == 302
    assert Evidence.objects.get().file.read() == content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("invoice.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>\n", "not a PDF file"),
        ("invoice.pdf", evidence_files.pdf()[:200], "not a PDF file"),
        ("notes.txt", b"<!DOCTYPE html><p>Click here</p>", "looks like a web page or script"),
        ("notes.txt", b"\n  <HTML><body onload=alert(1)>", "looks like a web page or script"),
        ("figures.csv", b"Ref,Owner\n<script>alert(1)</script>\n", "looks like a web page or script"),
        ("notes.txt", "Audit notes".encode("utf-16"), "holds binary data"),
        ("report.docx", b"MZ\x90\x00\x03 this is a Windows program", "not a DOCX file"),
        ("report.docx", b"PK\x03\x04MZ\x90\x00\x03 this is a Windows program", "not a DOCX file"),
        ("report.docx", evidence_files.zipped({"setup.exe": b"MZ\x90\x00"}), "not a DOCX file"),
        ("report.docx", evidence_files.ooxml("word/", **{"word/media/image1.png": b"MZ\x90\x00"}), "not a DOCX file"),
        ("report.docx", evidence_files.ooxml("word/", **{"word/run.exe": b"hello"}), "not a DOCX file"),
        ("report.docx", evidence_files.zipped({"word/document.xml": b"<xml/>"}), "not a DOCX file"),
        ("figures.xlsx", evidence_files.ooxml("word/"), "not a XLSX file"),
        ("report.odt", evidence_files.odf("application/vnd.oasis.opendocument.spreadsheet"), "not a ODT file"),
        ("report.odt", evidence_files.ooxml("word/"), "not a ODT file"),
        ("photo.png", b"\x89PNG\r\n\x1a\n<html>not a picture</html>", "not a PNG file"),
        ("photo.png", evidence_files.png()[:40], "not a PNG file"),
        ("photo.jpg", b"\xff\xd8\xff<script>alert(1)</script>", "not a JPG file"),
        ("photo.png", evidence_files.jpeg(), "not a PNG file"),
    ],
)
def test_forgeries_are_refused_with_a_message_that_says_why(client, owner, action, file_name, content, message):
    client.force_login(owner)

    response = upload(client, action, file_name, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_an_image_past_pillows_decompression_bomb_limit_is_refused(client, owner, action, monkeypatch):
    # A 4 by 4 picture is 16 pixels, more than twice this limit: Pillow refuses it as a bomb.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 7)
    client.force_login(owner)

    response = upload(client, action, "photo.png", evidence_files.png())

    assert response.status_code == 400
    assert "not a PNG file" in response.content.decode()
    assert not Evidence.objects.exists()
