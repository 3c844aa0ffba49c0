"""Staff import from CSV at /people/import/: every row checked first, every bad row by its line, nothing
half done; a preview, then a confirmation (issue 14, point 2)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tracker import permissions
from tracker.models import User
from tracker.people_csv import InvalidStaffFile, read_staff

pytestmark = pytest.mark.django_db

IMPORT = reverse("tracker:people-import")
HEADER = "username,first_name,last_name,email,job_title,roles\n"
GOOD = HEADER + (
    "asmith,Alex,Smith,alex.smith@herts.police.uk,Detective Superintendent,Action owner\n"
    "bjones,Bea,Jones,bea.jones@herts.police.uk,Planning officer,improvement lead; action owner\n"
)


def upload(client, text: str):
    return client.post(IMPORT, {"file": SimpleUploadedFile("staff.csv", text.encode(), "text/csv")})


def test_a_good_file_is_previewed_then_imported_on_confirming_with_an_email_each(
    client, administrator, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_SITE_URL = "https://tracker.herts.example"
    client.force_login(administrator)

    preview = upload(client, GOOD)

    assert preview.status_code == 200 and "Bea" in preview.content.decode()
    assert not User.objects.filter(username__in=["asmith", "bjones"]).exists()  # nothing yet

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(IMPORT, {"confirm": "yes"})

    assert done.status_code == 302
    bea = User.objects.get(username="bjones")
    assert set(bea.groups.values_list("name", flat=True)) == {permissions.LEAD, permissions.OWNER}
    assert bea.job_title == "Planning officer" and not bea.has_usable_password()
    assert sorted(email.to[0] for email in mail.outbox) == ["alex.smith@herts.police.uk", "bea.jones@herts.police.uk"]
    assert all("https://tracker.herts.example/accounts/reset/" in email.body for email in mail.outbox)
    assert bea.history.first().history_change_reason.startswith("Imported from a staff CSV file")
    # The file is not kept after it is imported: confirming again imports nothing twice.
    assert client.post(IMPORT, {"confirm": "yes"}).status_code == 400


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(client, administrator):
    factories.OwnerFactory(username="taken", email="taken@herts.police.uk")
    client.force_login(administrator)
    text = HEADER + (
        "ok,Ok,Person,ok@herts.police.uk,,Action owner\n"  # line 2: fine
        "TAKEN,A,B,new@herts.police.uk,,Action owner\n"  # line 3: username exists, other letters
        "dup,C,D,not-an-email,,Action owner\n"  # line 4: bad email
        "Dup,E,F,e@herts.police.uk,,Chief constable\n"  # line 5: duplicate of line 4, unknown role
        "nobody,G,H,taken@HERTS.police.uk,,\n"  # line 6: email exists, no role
        f"{'x' * 151},I,J,i@herts.police.uk,,Auditor\n"  # line 7: username too long
        "short,row\n"  # line 8
    )

    response = upload(client, text)
    page = response.content.decode()

    assert response.status_code == 400
    assert "nothing has been added" in page
    for line, words in [
        (3, "an account with the username &#x27;TAKEN&#x27; already exists"),
        (4, "&#x27;not-an-email&#x27; is not an email address"),
        (5, "the username &#x27;Dup&#x27; is already on line 4"),
        (5, "unknown role &#x27;Chief constable&#x27;"),
        (6, "an account with the email"),
        (6, "give at least one role"),
        (7, "the username is longer than 150 characters"),
        (8, "this row has 2 fields but the header has 6"),
    ]:
        assert f"Line {line}: {words}" in page
    assert "Line 2:" not in page
    assert User.objects.count() == 2  # the administrator and "taken"
    assert client.post(IMPORT, {"confirm": "yes"}).status_code == 400  # nothing was kept to confirm


def test_a_reviewer_administrator_cannot_import_reviewers(client, administrator):
    administrator.groups.add(Group.objects.get(name=permissions.REVIEWER))
    client.force_login(administrator)

    response = upload(client, HEADER + "rev,R,V,rev@herts.police.uk,,PCC reviewer\n")

    assert (
        response.status_code == 400 and "Line 2: You hold the PCC reviewer role yourself" in response.content.decode()
    )
    assert not User.objects.filter(username="rev").exists()


def test_a_file_that_is_not_a_staff_csv_is_refused_plainly(client, administrator):
    client.force_login(administrator)

    wrong_header = upload(client, "name,email\nA,a@b.uk\n")
    not_text = client.post(IMPORT, {"file": SimpleUploadedFile("staff.csv", b"\xff\xfe\x00bad")})

    assert wrong_header.status_code == 400 and "Line 1: the first row must be" in wrong_header.content.decode()
    assert not_text.status_code == 400 and "not UTF-8 text" in not_text.content.decode()


def test_someone_added_between_preview_and_confirming_stops_the_whole_import(client, administrator):
    client.force_login(administrator)
    upload(client, GOOD)
    factories.OwnerFactory(username="bjones")

    response = client.post(IMPORT, {"confirm": "yes"})

    assert response.status_code == 400 and "Line 3: an account with the username" in response.content.decode()
    assert not User.objects.filter(username="asmith").exists()


@pytest.mark.parametrize("who", ["auditor", "lead", "owner"])
def test_only_an_administrator_imports(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert upload(client, GOOD).status_code == 403
    assert not User.objects.filter(username="asmith").exists()


def test_checking_a_file_reads_the_database_a_fixed_number_of_times(administrator):
    def queries(rows: int) -> int:
        text = HEADER + "".join(f"p{n},P,{n},p{n}@herts.police.uk,,Action owner;Auditor\n" for n in range(rows))
        person = User.objects.get(pk=administrator.pk)  # nothing remembered from the last check
        with CaptureQueriesContext(connection) as captured:
            assert len(read_staff(text.encode(), by=person)) == rows
        return len(captured)

    # The user names taken, the addresses taken, the roles, the administrator's permissions (directly and
    # by role) and the sign-off roles they hold: the same for 2 rows as for 200.
    assert queries(2) == queries(200) == 6


def test_the_reader_refuses_an_empty_file():
    with pytest.raises(InvalidStaffFile, match="line 1: the file is empty"):
        read_staff(b"", by=User())


def test_a_bad_file_after_a_good_one_leaves_nothing_to_confirm(client, administrator):
    client.force_login(administrator)
    upload(client, GOOD)
    upload(client, HEADER + "x,,,not-an-email,,Auditor\n")

    assert client.post(IMPORT, {"confirm": "yes"}).status_code == 400
    assert not User.objects.filter(username="asmith").exists()


def test_a_clash_found_only_while_writing_leaves_nobody_half_imported(administrator):
    from tracker import people

    factories.OwnerFactory(username="bjones")
    owner_role = Group.objects.get(name=permissions.OWNER)
    rows = [
        {"username": name, "first_name": "", "last_name": "", "email": f"{name}@herts.police.uk", "job_title": ""}
        for name in ("asmith", "bjones")
    ]

    with pytest.raises(permissions.ActionRefused, match="nothing was imported"):
        people.add_people([{**row, "roles": [owner_role]} for row in rows], by=administrator)

    assert not User.objects.filter(username="asmith").exists()
