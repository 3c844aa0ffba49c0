"""The reference themes of fixtures/themes.json, so that `migrate` alone makes a working install.

Idempotent: a theme already there under the same name, in any case, is left as
it is (with its description and key), and no theme is ever removed; installs
that loaded the fixture before keep theirs and gain only the ones they lack.
Each theme added gets its "+" history row, as the services would write.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

THEMES = Path(__file__).resolve().parents[2] / "fixtures" / "themes.json"
REASON = "Reference theme (fixtures/themes.json), added by migrate"


def add_reference_themes(apps, schema_editor):
    Theme = apps.get_model("tracker", "Theme")
    HistoricalTheme = apps.get_model("tracker", "HistoricalTheme")
    database = schema_editor.connection.alias
    known = {name.lower() for name in Theme.objects.using(database).values_list("name", flat=True)}
    now = timezone.now()
    for record in json.loads(THEMES.read_text(encoding="utf-8")):
        fields = record["fields"]
        if fields["name"].lower() in known:
            continue
        theme = Theme.objects.using(database).create(name=fields["name"], description=fields.get("description", ""))
        HistoricalTheme.objects.using(database).create(
            id=theme.pk,
            name=theme.name,
            description=theme.description,
            history_date=now,
            history_type="+",
            history_change_reason=REASON,
        )
        known.add(theme.name.lower())


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0010_user_sso_subject"),
    ]

    # Going back leaves the themes: findings may use them by now.
    operations = [migrations.RunPython(add_reference_themes, migrations.RunPython.noop)]
