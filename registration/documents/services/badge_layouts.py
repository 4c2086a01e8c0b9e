"""Badge layouts: the page sizes, cells and font-size steps for names and roles.

Each layout lists its name sizes from largest to smallest; `name_fitting`
picks the largest the name fits at, in at most the lines the size allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NameSize:
    css_class: str
    points: float
    max_lines: int


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    template: str
    stylesheet: str
    per_page: int
    columns: int
    name_width_mm: float
    name_sizes: tuple[NameSize, ...]
    role_width_mm: float
    role_sizes: tuple[NameSize, ...]

    @property
    def rows(self) -> int:
        return self.per_page // self.columns


# Largest first: short names stand out on one line; longer ones shrink, then
# wrap between words. The last size takes whatever is left.
_A6_SIZES = (
    NameSize("name-1", 36, 1),
    NameSize("name-2", 30, 1),
    NameSize("name-3", 26, 1),
    NameSize("name-4", 22, 2),
    NameSize("name-5", 18, 2),
    NameSize("name-6", 15, 3),
    NameSize("name-7", 12, 3),
)
_LABEL_SIZES = (
    NameSize("name-1", 30, 1),
    NameSize("name-2", 25, 1),
    NameSize("name-3", 21, 1),
    NameSize("name-4", 18, 2),
    NameSize("name-5", 15, 2),
    NameSize("name-6", 12, 2),
    NameSize("name-7", 10, 3),
)
# The role on the colour band: one line, spaced capitals, clear of the youth mark.
_A6_ROLE_SIZES = (
    NameSize("role-1", 19, 1),
    NameSize("role-2", 16, 1),
    NameSize("role-3", 13, 1),
    NameSize("role-4", 10.5, 1),
)
_LABEL_ROLE_SIZES = (
    NameSize("role-1", 13, 1),
    NameSize("role-2", 11, 1),
    NameSize("role-3", 9, 1),
    NameSize("role-4", 7.5, 1),
)

LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        Layout(
            key="a6",
            label="A6, one badge per page",
            template="documents/badges/a6.html",
            stylesheet="documents/badges/a6.css",
            per_page=1,
            columns=1,
            name_width_mm=90,
            name_sizes=_A6_SIZES,
            role_width_mm=74,
            role_sizes=_A6_ROLE_SIZES,
        ),
        Layout(
            key="letter-6up",
            label="US Letter, six 4×3 in inserts (Avery 5392)",
            template="documents/badges/letter-6up.html",
            stylesheet="documents/badges/letter-6up.css",
            per_page=6,
            columns=2,
            name_width_mm=91,
            name_sizes=_LABEL_SIZES,
            role_width_mm=78,
            role_sizes=_LABEL_ROLE_SIZES,
        ),
        Layout(
            key="a4-4up",
            label="A4, four A6 badges to cut",
            template="documents/badges/a4-4up.html",
            stylesheet="documents/badges/a4-4up.css",
            per_page=4,
            columns=2,
            name_width_mm=88,
            name_sizes=_A6_SIZES,
            role_width_mm=70,
            role_sizes=_A6_ROLE_SIZES,
        ),
    )
}
DEFAULT_LAYOUT = "a6"
LAYOUT_CHOICES = [(layout.key, layout.label) for layout in LAYOUTS.values()]


class BadgeError(ValueError):
    """A badge request that cannot be met; `code` names the reason."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BadgeBack:
    """What the back of every badge in a batch shows, besides the name again.

    Event-wide information only: the emergency contact is the event's (a
    youth's own emergency details stay in YouthDetails, never on a badge).
    """

    programme: Sequence[str] = field(default_factory=tuple)
    wifi_network: str = ""
    wifi_password: str = ""
    emergency_contact: str = ""
