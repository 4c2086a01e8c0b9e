"""A Wagtail Locale for every site language, and Editors and Moderators may
translate pages (wagtail.contrib.simple_translation's "Translate" action)."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

TRANSLATING_GROUPS = ("Editors", "Moderators")


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for language_code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=language_code)


def let_editors_translate(apps, schema_editor):
    # Permissions are normally created after all migrations; this one is needed now.
    simple_translation = apps.get_app_config("simple_translation")
    simple_translation.models_module = True
    create_permissions(simple_translation, apps=apps, verbosity=0)
    simple_translation.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="simple_translation", codename="submit_translation"
    )
    for group in Group.objects.filter(name__in=TRANSLATING_GROUPS):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_network_pages_partner"),
        ("wagtailcore", "0054_initial_locale"),
        ("simple_translation", "0001_initial"),
        # Wagtail's Editors and Moderators groups.
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [
        migrations.RunPython(create_locales, migrations.RunPython.noop),
        migrations.RunPython(let_editors_translate, migrations.RunPython.noop),
    ]
