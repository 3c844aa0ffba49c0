"""The staff CSV (README, "Roles"): username,first_name,last_name,email,job_title,roles.

Every row is checked before anything is written, every bad row is reported with its line, and the
check reads the database a fixed number of times however long the file is: the user names and
addresses already taken (one query each), the roles (one), and what the importer may give (one for each
different set of roles in the file, not one a row).
"""

import functools

from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from . import permissions
from .findings_csv import LineError, _split
from .models import User

COLUMNS = ["username", "first_name", "last_name", "email", "job_title", "roles"]
MAX_ROWS = 2000


class InvalidStaffFile(Exception):
    """The file cannot be imported; errors holds every problem found, in line order."""

    def __init__(self, errors: list[LineError]):
        self.errors = sorted(errors, key=lambda error: error.line)
        super().__init__("\n".join(str(error) for error in self.errors))


def _limit(name: str) -> int:
    return User._meta.get_field(name).max_length


def _taken(field: str, values: set[str]) -> set[str]:
    """Which of these (lower-cased) values an account already has, in one query."""
    found = User.objects.annotate(value=Lower(field)).filter(value__in=values).values_list("value", flat=True)
    return set(found) if values else set()


def read_staff(data: bytes, *, by: User) -> list[dict]:
    """Rows ready for people.add_people, or InvalidStaffFile listing every bad row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidStaffFile(
            [LineError(line, "the file is not UTF-8 text; save it as CSV UTF-8 and try again")]
        ) from None
    records, errors = _split(text)
    if not records:
        raise InvalidStaffFile(errors or [LineError(1, "the file is empty")])
    header_line, header = records[0]
    if [name.strip().lower() for name in header] != COLUMNS:
        raise InvalidStaffFile([*errors, LineError(header_line, f"the first row must be: {','.join(COLUMNS)}")])
    rows = records[1:]
    if not rows:
        raise InvalidStaffFile([*errors, LineError(header_line, "there are no people below the header row")])
    if len(rows) > MAX_ROWS:
        raise InvalidStaffFile([LineError(rows[MAX_ROWS][0], f"a file may hold at most {MAX_ROWS} people")])

    cells = [(line, [value.strip() for value in fields]) for line, fields in rows]
    usernames = {fields[0].lower() for _, fields in cells if fields}
    emails = {fields[3].lower() for _, fields in cells if len(fields) > 3}
    taken = {"username": _taken("username", usernames), "email": _taken("email", emails)}
    roles = {role.name.lower(): role for role in Group.objects.filter(name__in=permissions.ROLES)}
    seen: dict[str, dict[str, int]] = {"username": {}, "email": {}}
    # Once per set of roles in the file, not once a row.
    # Why `by` may not give a new person these roles, or "" if they may: once per set of roles in the file.
    may_give = functools.cache(lambda given: permissions.refusal(permissions.require_change_roles, by, User(), given))
    people = []
    for line, fields in cells:
        if len(fields) != len(COLUMNS):
            errors.append(LineError(line, f"this row has {len(fields)} fields but the header has {len(COLUMNS)}"))
            continue
        row, reasons = _read_row(dict(zip(COLUMNS, fields, strict=True)), may_give, roles, taken, seen, line)
        errors += [LineError(line, reason) for reason in reasons]
        people.append(row)
    if errors:
        raise InvalidStaffFile(errors)
    return people


def _read_row(values: dict, may_give, roles: dict, taken: dict, seen: dict, line: int) -> tuple[dict, list[str]]:
    reasons = []
    for name in ("username", "first_name", "last_name", "email", "job_title"):
        if len(values[name]) > _limit(name):
            reasons.append(f"the {name} is longer than {_limit(name)} characters")
    username, email = values["username"], values["email"]
    if not username:
        reasons.append("the username is missing")
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            reasons.append(f"the username {username!r} may hold only letters, digits and @ . + - _")
    if not email:
        reasons.append("the email address is missing")
    else:
        try:
            validate_email(email)
        except ValidationError:
            reasons.append(f"{email!r} is not an email address")
    for name, value in (("username", username), ("email", email)):
        key = value.lower()
        if not key:
            continue
        if key in taken[name]:
            reasons.append(f"an account with the {name} {value!r} already exists")
        elif key in seen[name]:
            reasons.append(f"the {name} {value!r} is already on line {seen[name][key]}")
        else:
            seen[name][key] = line
    names = [name.strip() for name in values["roles"].split(";") if name.strip()]
    unknown = [name for name in names if name.lower() not in roles]
    given = [roles[name.lower()] for name in names if name.lower() in roles]
    if not names:
        reasons.append("give at least one role")
    for name in unknown:
        reasons.append(f"unknown role {name!r}; the roles are {', '.join(permissions.ROLES)}")
    if refusal := may_give(frozenset(given)):
        reasons.append(refusal)
    row = {name: values[name] for name in ("username", "first_name", "last_name", "email", "job_title")}
    return {**row, "roles": given}, reasons
