"""The five roles as groups, with their permissions.

Permissions are normally created after all migrations have run, so this
migration creates them first for the apps it needs.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_EVERYTHING = [
    "view_inspection",
    "view_judgement",
    "view_finding",
    "view_registerentry",
    "view_action",
    "view_progressupdate",
    "view_evidence",
    "view_extensionrequest",
    "view_signoff",
    "view_theme",
    "view_historicalinspection",
    "view_historicaljudgement",
    "view_historicalfinding",
    "view_historicalregisterentry",
    "view_historicalaction",
    "view_historicalevidence",
    "view_historicalextensionrequest",
]

ROLES = {
    "Action owner": ["update_own_action", *VIEW_EVERYTHING],
    "Improvement lead": ["update_own_action", "manage_plan", *VIEW_EVERYTHING],
    "PCC reviewer": ["sign_off", *VIEW_EVERYTHING],
    "Auditor": [*VIEW_EVERYTHING, "view_user"],
    "Administrator": [
        *VIEW_EVERYTHING,
        "view_user",
        "add_user",
        "change_user",
        "view_group",
        "add_group",
        "change_group",
        "add_theme",
        "change_theme",
        "add_inspection",
        "change_inspection",
        "add_judgement",
        "change_judgement",
    ],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label__in=["tracker", "auth"], codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
