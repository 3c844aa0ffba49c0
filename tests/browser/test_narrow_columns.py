"""On the PCC reviewer's dashboard the section 55 clocks' text wraps within its own column, on a desktop and on
a phone, and no page is wider than the phone's screen."""

import datetime

import pytest
from playwright.sync_api import expect

from tests import factories

# Each cell's right edge, and the table's, against the right edge of the column heading above it; on a phone,
# where the rows stack (each cell under its column's name, the header row hidden), against the table's place.
OVERFLOWS = """table => {
  const stacked = getComputedStyle(table.querySelector("tbody tr")).display === "block";
  const headings = [...table.querySelectorAll("thead th")].map(th => th.getBoundingClientRect());
  const wrap = table.parentElement.getBoundingClientRect();
  const problems = [];
  if (table.scrollWidth > table.parentElement.clientWidth) problems.push("table wider than its place");
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => {
      const box = cell.getBoundingClientRect();
      const pastHeading = !stacked && box.right > headings[i].right + 1;
      if (pastHeading || box.right > wrap.right + 1) problems.push(cell.textContent.trim());
    });
  }
  return problems;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_section_55_clocks_stay_in_their_columns(sign_in, reviewer, width):
    factories.InspectionFactory(
        title="PEEL 2016: Police effectiveness, efficiency and legitimacy - Hertfordshire Constabulary",
        published=datetime.date(2017, 3, 2),  # before the deadline began: the long "no statutory deadline" text
    )
    factories.InspectionFactory(title="Crime data integrity inspection", published=datetime.date(2026, 11, 2))

    page = sign_in("reviewer")
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    table = page.locator("table", has=page.get_by_text("Section 55 response clocks"))
    expect(table).to_contain_text("No statutory deadline (published before 2 May 2017)")

    assert table.evaluate(OVERFLOWS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
