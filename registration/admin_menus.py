"""The admin's menu groups, joined by name.

A package's admin module adds its screens to a group by name (`join`); the
group's own module registers the group with Wagtail's `register_admin_viewset`
hook and reads its members then (`members`). Wagtail calls that hook only after
every `wagtail_hooks` module is imported, and registration/wagtail_hooks.py
imports every admin module first, so all joins are in by then. No admin module
imports another to share a menu.
"""

from __future__ import annotations

from typing import Any

# The menu groups and where they live.
EVENTS = "events"  # catalogue/admin/events.py
REGISTRATION = "registration"  # orders/admin/orders.py

_members: dict[str, list[tuple[int, Any]]] = {}


def join(group: str, viewset: Any, *, position: int) -> None:
    """Put `viewset` in `group`'s submenu; lower positions come first."""
    _members.setdefault(group, []).append((position, viewset))


def members(group: str) -> tuple[Any, ...]:
    """The viewsets that joined `group`, in the order of their positions."""
    return tuple(
        viewset
        for _position, viewset in sorted(
            _members.get(group, ()), key=lambda member: member[0]
        )
    )
