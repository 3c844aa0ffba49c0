"""Every page costs the same number of queries on a small plan and on one ten times larger."""

import copy
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import FAST_HASHERS
from tests.shared_data import written_once
from tests.test_access import MATRIX, Check, Form, Page
from tracker import services
from tracker.models import Action


def grow(data, times: int) -> None:
    """More of everything, including more on the very action, finding and inspection the pages show."""
    people = data["people"]
    owner, lead, reviewer = people["owner"], people["lead"], people["reviewer"]
    viewed_action = Action.objects.get(pk=data["open_action"])
    viewed_finding = viewed_action.finding
    for n in range(times):
        inspection = factories.InspectionFactory()
        for finding in (viewed_finding, factories.FindingFactory(inspection=inspection)):
            action = factories.ActionFactory(finding=finding, owner=owner, due_date=datetime.date(2026, 1, 1))
            services.record_progress(action, by=owner, note=f"Note {n}", move_to=Action.Status.IN_PROGRESS)
            services.add_evidence(action, by=owner, title="Audit", url="https://intranet.example/a")
            services.submit_for_sign_off(action, by=owner)
            services.sign_off_action(action, by=reviewer) if n % 2 else services.return_action(
                action, by=reviewer, comment="More"
            )
        services.record_progress(viewed_action, by=owner, note=f"Viewed note {n}")
        services.write_public_summary(viewed_finding, action=viewed_action, by=lead, text=f"Summary {n}")
        request = services.request_extension(
            viewed_action,
            by=owner,
            proposed_date=Action.objects.get(pk=viewed_action.pk).due_date + datetime.timedelta(days=1),
            reason="More",
        )
        services.decide_extension(request, by=lead, approve=True)
        factories.FindingFactory(inspection=viewed_finding.inspection)


def first_allowed(rule) -> str:
    return "lead" if "lead" in rule.allowed else sorted(rule.allowed)[0]


PAGES = [name for name, rule in MATRIX.items() if isinstance(rule, Page | Form | Check)]
# A page that checks the answers to a question shows them once the question is answered.
ANSWERS = {
    "tracker:action-sign-off-check": ("tracker:action-sign-off", {"decision": "return", "comment": "More"}),
    "tracker:action-withdraw-check": ("tracker:action-withdraw", {"reason": "Superseded"}),
    "tracker:finding-discharge-check": ("tracker:finding-discharge", {"comment": "Done"}),
    # The import's check page shows the file once one is uploaded: a new file each time.
    "tracker:findings-import-check": ("tracker:findings-import", lambda: {"file": findings_file()}),
}


def findings_file() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "findings.csv", b"reference,kind,text,parent_reference,theme\nImp1,recommendation,Do.,,\n"
    )


def queries(client, url: str) -> int:
    client.get(url)  # first visit warms per-session caches, as any later visit would find them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture(scope="module")
def query_counts(access_world, django_db_blocker) -> dict[str, tuple[int, int]]:
    """Every page's query count on the plan grown once (so no list starts empty), then ten times more.

    Measured once for the module, page after page at each size, in a transaction rolled back after.
    """
    world = copy.deepcopy(access_world["world"])
    client = Client()
    settings = {"MEDIA_ROOT": access_world["media_root"], "PASSWORD_HASHERS": FAST_HASHERS}
    with written_once(django_db_blocker), override_settings(**settings, SECURE_SSL_REDIRECT=False):

        def measure() -> dict[str, int]:
            counts = {}
            for name in PAGES:
                rule = MATRIX[name]
                client.force_login(world["people"][first_allowed(rule)])
                args = [world[key] for key in rule.args.split(",")] if rule.args else []
                if name in ANSWERS:
                    question, answers = ANSWERS[name]
                    answers = answers() if callable(answers) else answers
                    assert client.post(reverse(question, args=args), answers).status_code == 302
                counts[name] = queries(client, reverse(name, args=args))
            return counts

        grow(world, 1)
        small = measure()
        grow(world, 10)
        large = measure()
    return {name: (small[name], large[name]) for name in PAGES}


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_does_not_grow_with_the_plan(db, query_counts, name):
    small, large = query_counts[name]

    assert large == small
