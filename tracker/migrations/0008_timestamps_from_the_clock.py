"""Every timestamp the tracker writes comes from tracker.clock.now() rather than auto_now(_add).

The columns do not change: a callable default lives in Python, never in the
database, so the state changes and the schema is left alone (on SQLite an
AlterField would rebuild twenty tables to write the same schema again).
"""

from django.db import migrations, models

import tracker.clock


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0007_action_submitted_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="action",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="action",
                    name="last_progress_at",
                    field=models.DateTimeField(
                        default=tracker.clock.now,
                        editable=False,
                        help_text="When it was created, or its latest progress note.",
                    ),
                ),
                migrations.AlterField(
                    model_name="action",
                    name="updated_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="evidence",
                    name="added_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="extensionrequest",
                    name="requested_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="finding",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="finding",
                    name="updated_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalaction",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalaction",
                    name="updated_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalevidence",
                    name="added_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalextensionrequest",
                    name="requested_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalfinding",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalfinding",
                    name="updated_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalinspection",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalinspection",
                    name="updated_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalregisterentry",
                    name="recorded_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="inspection",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="inspection",
                    name="updated_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="progressupdate",
                    name="created_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="registerentry",
                    name="recorded_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="signoff",
                    name="decided_at",
                    field=models.DateTimeField(default=tracker.clock.now, editable=False),
                ),
            ],
        ),
    ]
