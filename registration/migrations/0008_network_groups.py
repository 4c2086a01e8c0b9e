"""Staff-group permissions for the network models.

The Travel desk is the only group with the VisaDetails permissions and the
right to issue visa letters (DESIGN invariant 7). Registration managers keep
partnerships, exchanges and travel plans, but never passport data.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")


def _model_perms(actions, *models):
    return [f"{action}_{model}" for model in models for action in actions]


GROUP_PERMISSIONS: dict[str, list[str]] = {
    "Registration managers": [
        *_model_perms(
            ALL, "programme", "partnership", "partnershipcontact", "exchange"
        ),
        *_model_perms(("view", "add", "change"), "travelplan"),
        *_model_perms(("view",), "visaletter"),
    ],
    "Travel desk": [
        *_model_perms(ALL, "travelplan", "visadetails"),
        *_model_perms(("view",), "partnership", "exchange", "visaletter"),
        "add_visaletter",
        "issue_visa_letters",
    ],
}


def grant_network_permissions(apps, schema_editor):
    registration = apps.get_app_config("registration")
    registration.models_module = True
    create_permissions(registration, apps=apps, verbosity=0)
    registration.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        permissions = list(
            Permission.objects.filter(
                content_type__app_label="registration", codename__in=codenames
            )
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise LookupError(f"{name}: no such permissions {sorted(missing)}")
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke_network_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="registration", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("registration", "0007_network")]

    operations = [
        migrations.RunPython(grant_network_permissions, revoke_network_permissions)
    ]
