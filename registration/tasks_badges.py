"""Forwarding name for tasks queued before the packages were reorganised.

A queued task is stored under the import path of its function
(`registration.tasks_badges.render_badge_print_job`), and the worker imports that path to run
it; rows written by the earlier release still name this module. The task itself
lives in `registration.documents.tasks`. Delete this module one release later, once
no queued or running row names it (README, "Upgrading").
"""

from registration.documents.tasks import render_badge_print_job

__all__ = ["render_badge_print_job"]
