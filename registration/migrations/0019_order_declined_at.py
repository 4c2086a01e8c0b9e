"""Order.declined_at: which canceled orders were declined applications, the
ones staff may revive (orders/services/revival.py).

Existing canceled orders are filled in from the activity log: an order whose
last status change was a member of staff moving it from awaiting approval to
canceled was declined. Before this field a decline and a staff cancellation of
an application were logged alike, and both sent the buyer the decline e-mail,
so both count; a buyer withdrawing an application (logged without a user) does
not.
"""

from django.db import migrations, models

# The entries the status writer makes (`order.<new status>`).
STATUS_MOVES = ["order.pending", "order.paid", "order.expired", "order.canceled"]


def fill_declined_at(apps, schema_editor):
    ActivityLog = apps.get_model("registration", "ActivityLog")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Order = apps.get_model("registration", "Order")
    content_type = ContentType.objects.filter(
        app_label="registration", model="order"
    ).first()
    if content_type is None:
        return
    canceled = {
        str(pk): pk
        for pk in Order.objects.filter(status="canceled").values_list("pk", flat=True)
    }
    if not canceled:
        return
    last_move: dict[str, tuple] = {}
    entries = (
        ActivityLog.objects.filter(content_type=content_type, action__in=STATUS_MOVES)
        .order_by("created_at", "pk")
        .values_list("object_id", "action", "actor_id", "data", "created_at")
    )
    for object_id, action, actor_id, data, created_at in entries.iterator():
        if object_id in canceled:
            last_move[object_id] = (action, actor_id, data or {}, created_at)
    for object_id, (action, actor_id, data, created_at) in last_move.items():
        if (
            action == "order.canceled"
            and data.get("from") == "awaiting_approval"
            and actor_id is not None
        ):
            Order.objects.filter(pk=canceled[object_id]).update(declined_at=created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("registration", "0018_money_disputes_blocked_credit_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="declined_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="declined at"
            ),
        ),
        migrations.RunPython(fill_declined_at, migrations.RunPython.noop),
    ]
