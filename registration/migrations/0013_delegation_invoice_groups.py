"""Who sees delegation invoices: Finance marks them paid, Registration managers
and the Travel desk see them beside the delegation."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS: dict[str, list[str]] = {
    "Finance": ["view_delegationinvoice", "change_delegationinvoice"],
    "Registration managers": ["view_delegationinvoice"],
    "Travel desk": ["view_delegationinvoice"],
}


def grant(apps, schema_editor):
    registration = apps.get_app_config("registration")
    registration.models_module = True
    create_permissions(registration, apps=apps, verbosity=0)
    registration.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="registration", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
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
    dependencies = [("registration", "0012_delegation_billing_letters")]

    operations = [migrations.RunPython(grant, revoke)]
