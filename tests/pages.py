"""What the inspection and finding page tests share: the main part of a page, the queries a page costs,
the pages' addresses, the section 55 sentence for an old report, a finding ready to be discharged, and a
finding's edit form as posted."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

NO_DEADLINE = "No statutory deadline: published before 2 May 2017, when the 56-day limit began"


def main_text(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def detail_url(inspection):
    return f"/inspections/{inspection.slug}/"


def url(finding, suffix=""):
    return f"/findings/{finding.pk}/{suffix}"


def ready_to_discharge(finding, owner, reviewer):
    signed = factories.ActionFactory(finding=finding, owner=owner, signed_off=True)
    factories.SignOffFactory(action=signed, decided_by=reviewer)
    factories.ActionFactory(finding=finding, owner=owner, withdrawn=True)


def edit_data(finding, **changes):
    """The finding's edit form as saved, with `changes`."""
    data = {
        "kind": finding.kind,
        "reference": finding.reference,
        "title": finding.title,
        "text": finding.text,
        "addressee": finding.addressee,
        "register_id": finding.register_id,
    }
    if finding.is_summary:
        data["is_summary"] = "on"
    return {**data, **changes}


def discharge_on_the_site(client, finding, comment: str = ""):
    """A reviewer's discharge as the site takes it: the comment, then the check page's confirmation."""
    answered = client.post(url(finding, "discharge/"), {"comment": comment})
    assert answered.status_code == 302, answered.content.decode()
    assert answered.url == url(finding, "discharge/check/")
    return client.post(answered.url)


def date_boxes(name: str, value) -> dict:
    """A date field as its form posts it: the day, month and year boxes (tracker.forms.DateInputs).

    `value`: a date, or the boxes as typed, "30/2/2027" (a part left out, "/2/2027", is a box left empty)."""
    if isinstance(value, str):
        day, month, year = value.split("/")
    else:
        day, month, year = value.day, value.month, value.year
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": str(year)}
