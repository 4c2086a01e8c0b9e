"""Forwarding name for tasks queued before the packages were reorganised.

A queued task is stored under the import path of its function
(`registration.tasks.deliver_outbox_message`), and the worker imports that path to run
it; rows written by the earlier release still name this module. The task itself
lives in `registration.outbox.tasks`. Delete this module one release later, once
no queued or running row names it (README, "Upgrading").
"""

from registration.outbox.tasks import deliver_outbox_message

__all__ = ["deliver_outbox_message"]
