"""What the findings import page tests share: files, the page's two steps as a lead takes them, and what
the page says (its errors by line, as import_findings prints them)."""

import html
import io
import re

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = ["reference", "kind", "text", "parent_reference", "theme"]
GOOD_ROWS = [
    ["CoC1", "cause_of_concern", "Risk is not always identified at first contact.", "", "Investigation"],
    ["Rec1", "recommendation", "Audit risk grading every month.", "CoC1", "Investigation"],
    ["AFI1", "area_for_improvement", "Supervisors should review investigations.", "", ""],
]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_bytes(rows: list[list], header: list[str] = HEADER, *, first_row: int = 1) -> bytes:
    """A workbook built as Excel would save it: the header on first_row, the rows below it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, cells in enumerate([header, *rows], start=first_row):
        for column, value in enumerate(cells, start=1):
            if value not in ("", None):
                sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_url(inspection) -> str:
    return f"/inspections/{inspection.slug}/import/"


def check_url(inspection) -> str:
    return f"/inspections/{inspection.slug}/import/check/"


def upload(client, inspection, name: str, content: bytes, **extra):
    return client.post(import_url(inspection), {"file": SimpleUploadedFile(name, content)}, **extra)


def token_on(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form on the page"
    return match.group(1)


def confirm(client, inspection, *, add_themes: bool = False, token: str = ""):
    token = token or token_on(client.get(check_url(inspection)))
    data = {"token": token, **({"add_themes": "on"} if add_themes else {})}
    return client.post(check_url(inspection), data)


def errors_shown(response) -> list[str]:
    """The error summary's items, as import_findings prints them: "line 4: the text is empty"."""
    page = response.content.decode()
    if 'class="error-summary"' not in page:
        return []
    summary = page[page.index('class="error-summary"') :]
    summary = summary[summary.index("<ul>") : summary.index("</ul>")]
    items = re.findall(r"<li>(.*?)</li>", summary, re.DOTALL)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]
    return [text[0].lower() + text[1:] for text in texts]


def take_the_page(client, inspection, name: str, content: bytes, *, add_themes: bool = False):
    """Upload, look at the check page and confirm if it lets you: ("imported", message) or ("refused", errors)."""
    response = upload(client, inspection, name, content)
    if response.status_code != 302:
        return "refused", [str(error) for error in response.context["form"].errors["file"]]
    page = client.get(response.url)
    if 'name="token"' not in page.content.decode():
        return "refused", errors_shown(page)
    response = confirm(client, inspection, add_themes=add_themes, token=token_on(page))
    if response.status_code == 302:
        return "imported", [str(message) for message in response.wsgi_request._messages]
    return "refused", errors_shown(response)
