"""Staff group permissions for the staff actions on orders (see staff/access.py).

- Finance records payments (`add_payment`: marking an order paid) and refunds,
  and no longer holds `change_order`, which now means the Registration
  managers' actions (approve, decline, cancel, extend a hold, resend e-mails).
- Registration managers offer and cancel waiting-list places and see an
  order's payments, refunds and invoice (read-only).
"""

from django.db import migrations

ADD = {
    "Registration managers": [
        "change_waitinglistentry",
        "view_payment",
        "view_refund",
        "view_invoice",
    ],
    "Finance": ["add_payment"],
}
REMOVE = {"Finance": ["change_order"]}


def _apply(apps, add, remove):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in set(add) | set(remove):
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for codenames, change in (
            (add, group.permissions.add),
            (remove, group.permissions.remove),
        ):
            wanted = codenames.get(name, [])
            permissions = list(
                Permission.objects.filter(
                    content_type__app_label="registration", codename__in=wanted
                )
            )
            missing = set(wanted) - {p.codename for p in permissions}
            if missing:
                raise LookupError(f"{name}: no such permissions {sorted(missing)}")
            change(*permissions)


def forwards(apps, schema_editor):
    _apply(apps, ADD, REMOVE)


def backwards(apps, schema_editor):
    _apply(apps, REMOVE, ADD)


class Migration(migrations.Migration):
    dependencies = [("registration", "0008_network_groups")]

    operations = [migrations.RunPython(forwards, backwards)]
