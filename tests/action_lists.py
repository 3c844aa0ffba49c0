"""What the action list tests (test_action_list.py, test_action_exports.py, test_action_list_queries.py)
share: dates relative to today, actions in a given status, and reading a list or an export back."""

import csv
import datetime
import io

from django.utils import timezone
from openpyxl import load_workbook

from tests import factories
from tracker.models import Action

S = Action.Status
TRAITS = factories.STATUS_TRAITS


def day(offset: int) -> datetime.date:
    """A date relative to the real today, which is what the views use."""
    return timezone.localdate() + datetime.timedelta(days=offset)


def make_action(status=S.NOT_STARTED, due_in: int = 60, **kwargs) -> Action:
    return factories.ActionFactory(status=status, due_date=day(due_in), **TRAITS[status], **kwargs)


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {action.title for action in response.context["page"]}


def get_export(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV needs a byte order mark for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
