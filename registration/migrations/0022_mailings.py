"""Staff mailings (mailings/models.py) and who may send them.

`send_mailing` goes to the groups that write to attendees: Registration
managers (buyers, attendees), Travel desk (delegation leaders) and Youth
protection (guardians; the youth audience also needs view_youthdetails,
which only that group holds). See staff/access.py.
"""

from django.contrib.auth.management import create_permissions

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



MAILING_GROUPS = ("Registration managers", "Travel desk", "Youth protection")
CODENAMES = ("send_mailing", "view_mailing", "view_mailingrecipient")


def grant_mailing_permissions(apps, schema_editor):
    registration = apps.get_app_config("registration")
    registration.models_module = True
    create_permissions(registration, apps=apps, verbosity=0)
    registration.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="registration", codename__in=CODENAMES
        )
    )
    for name in MAILING_GROUPS:
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*permissions)


def revoke_mailing_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=MAILING_GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="registration", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('registration', '0021_order_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MailOptOut',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, unique=True, verbose_name='e-mail')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='unsubscribed at')),
                ('source', models.CharField(blank=True, max_length=20, verbose_name='how')),
            ],
            options={
                'verbose_name': 'unsubscribed address',
                'verbose_name_plural': 'unsubscribed addresses',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Mailing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='For staff only; readers never see it.', max_length=200, verbose_name='name')),
                ('audience', models.CharField(choices=[('buyers', 'Buyers'), ('attendees', 'Attendees'), ('leaders', 'Delegation leaders'), ('guardians', 'Guardians of youth delegates')], max_length=12, verbose_name='audience')),
                ('filters', models.JSONField(blank=True, default=dict, verbose_name='filters')),
                ('subject_en', models.CharField(max_length=200, verbose_name='subject (English)')),
                ('body_en', models.TextField(verbose_name='message (English)')),
                ('subject_es', models.CharField(blank=True, max_length=200, verbose_name='subject (Spanish)')),
                ('body_es', models.TextField(blank=True, verbose_name='message (Spanish)')),
                ('subject_fr', models.CharField(blank=True, max_length=200, verbose_name='subject (French)')),
                ('body_fr', models.TextField(blank=True, verbose_name='message (French)')),
                ('schedule', models.CharField(blank=True, choices=[('before_start', 'days before the event starts'), ('after_start', 'days after the event starts'), ('after_registration', 'days after registering')], max_length=20, verbose_name='schedule')),
                ('schedule_days', models.PositiveSmallIntegerField(default=0, verbose_name='days')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('sending', 'Sending'), ('sent', 'Sent'), ('active', 'Scheduled, active'), ('paused', 'Scheduled, paused')], db_index=True, default='draft', max_length=10, verbose_name='status')),
                ('touches_youth_data', models.BooleanField(default=False, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='written at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='written by')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mailings', to='registration.event', verbose_name='event')),
                ('sent_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent by')),
            ],
            options={
                'verbose_name': 'mailing',
                'verbose_name_plural': 'mailings',
                'ordering': ['-created_at', '-pk'],
                'permissions': [('send_mailing', 'Can write and send mailings to attendees')],
            },
        ),
        migrations.CreateModel(
            name='MailingJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Queueing messages'), ('done', 'Done'), ('failed', 'Failed')], db_index=True, default='queued', max_length=10, verbose_name='status')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='recipients')),
                ('done', models.PositiveIntegerField(default=0, verbose_name='recipients queued')),
                ('report', models.FileField(blank=True, upload_to='mailings/%Y/%m/', verbose_name='report')),
                ('mailing', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='registration.mailing', verbose_name='mailing')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
            ],
            options={
                'verbose_name': 'mailing job',
                'verbose_name_plural': 'mailing jobs',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='MailingRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, verbose_name='e-mail')),
                ('language', models.CharField(default='en', max_length=8, verbose_name='language')),
                ('name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                ('status', models.CharField(choices=[('pending', 'Not yet queued'), ('queued', 'Queued'), ('sent', 'Sent'), ('failed', 'Failed'), ('bounced', 'Bounced'), ('skipped', 'Skipped (unsubscribed)')], db_index=True, default='pending', max_length=10, verbose_name='status')),
                ('resent', models.PositiveSmallIntegerField(default=0, verbose_name='resent')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='added at')),
                ('queued_at', models.DateTimeField(blank=True, null=True, verbose_name='queued at')),
                ('bounced_at', models.DateTimeField(blank=True, null=True, verbose_name='bounced at')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='note')),
                ('attendee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='mailings_received', to='registration.attendee')),
                ('delegation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registration.delegation')),
                ('mailing', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='registration.mailing', verbose_name='mailing')),
                ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registration.order')),
                ('outbox', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registration.outboxmessage')),
            ],
            options={
                'verbose_name': 'mailing recipient',
                'verbose_name_plural': 'mailing recipients',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['mailing', 'status'], name='registratio_mailing_d8d869_idx')],
                'constraints': [models.UniqueConstraint(models.F('mailing'), models.F('email'), name='mailing_recipient_once_per_address')],
            },
        ),
        migrations.RunPython(
            grant_mailing_permissions, revoke_mailing_permissions
        ),
    ]
