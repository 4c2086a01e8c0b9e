"""Staff groups with their model permissions.

"Youth protection" is the only group given the permissions on YouthDetails
(dates of birth, guardian and medical data). Wagtail's own Editors and
Moderators groups are left as they are: pages only.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")


def _model_perms(actions, *models):
    return [f"{action}_{model}" for model in models for action in actions]


GROUP_PERMISSIONS: dict[str, list[str]] = {
    "Registration managers": [
        *_model_perms(
            ALL,
            "event",
            "tickettype",
            "extra",
            "question",
            "voucher",
            "delegation",
            "consenttext",
            "memberorganisation",
            "refundpolicy",
        ),
        *_model_perms(("view", "change"), "order", "attendee"),
        *_model_perms(
            ("view",),
            "answer",
            "attendeeextra",
            "waitinglistentry",
            "activitylog",
            "badgeprintjob",
        ),
        "print_badges",
    ],
    "Finance": [
        *_model_perms(("view",), "order", "attendee", "activitylog"),
        *_model_perms(
            ("view",), "payment", "refund", "invoice", "stripeevent", "billingdetails"
        ),
        # Marking an invoice paid changes the order (payments/admin.py).
        "change_order",
        "add_refund",
        "change_invoice",
    ],
    "Youth protection": [
        *_model_perms(("view",), "order", "attendee", "consenttext", "guardianconsent"),
        *_model_perms(("view", "change"), "youthdetails"),
    ],
    "Travel desk": [
        *_model_perms(("view",), "event", "order", "attendee"),
        *_model_perms(("view", "add", "change"), "delegation"),
    ],
    "Check-in supervisors": [
        *_model_perms(ALL, "checkinlist", "device"),
        *_model_perms(("view",), "checkin", "order", "attendee", "badgeprintjob"),
        "print_badges",
    ],
}


def create_staff_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    registration = apps.get_app_config("registration")
    registration.models_module = True
    create_permissions(registration, apps=apps, verbosity=0)
    registration.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
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
        group.permissions.add(access_admin, *permissions)


def remove_staff_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=list(GROUP_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0005_payments"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        # Those migrations give every admin group the "choose" permissions on
        # documents and images; running after them keeps these groups without.
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
