"""Background jobs: thin, they take ids and call one service."""

from django_tasks import task

from registration.jobs import queue
from registration.outbox import services as outbox


@queue.register
@task()
def deliver_outbox_message(message_id: int) -> bool:
    """Deliver one outbox message (an e-mail); safe to run twice."""
    return outbox.deliver_message(message_id)
