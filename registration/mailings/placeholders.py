"""Placeholders in the text staff write: `{name}`, `{event}`, `{order_link}`, ...

Staff text is never given to Django's template engine (it would run `{% %}`
tags and reach attributes): a small parser of its own knows a fixed list of
names and nothing else. `{{` and `}}` write a literal brace. The HTML part
escapes the staff text and every value, so neither can add markup; links
become anchors here, after escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Every name a message may use; which ones an audience has is in services/compose.py.
PLACEHOLDERS = ("name", "event", "order_link", "ticket_link", "delegation_link")
LINK_PLACEHOLDERS = frozenset({"order_link", "ticket_link", "delegation_link"})

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class PlaceholderError(Exception):
    """Why a text cannot be used; `text` is the offending piece as written."""

    message: str
    text: str

    def __str__(self) -> str:
        return self.message


def _pieces(text: str) -> Iterable[tuple[str, str]]:
    """("text", literal) and ("name", placeholder) pieces, in order."""
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            yield "text", text[position : match.start()]
        token = match.group(0)
        if token in ("{{", "}}"):
            yield "text", token[0]
        elif token in ("{", "}"):
            raise PlaceholderError(
                _("A lone “%(brace)s”: write {{ or }} for a brace, or {name}.")
                % {"brace": token},
                token,
            )
        else:
            yield "name", match.group(1).strip()
        position = match.end()
    if position < len(text):
        yield "text", text[position:]


def check_placeholders(text: str, *, allowed: Iterable[str]) -> None:
    """Raise PlaceholderError for the first placeholder `text` may not use."""
    allowed = set(allowed)
    for kind, value in _pieces(text):
        if kind == "name" and value not in allowed:
            choices = ", ".join(
                f"{{{name}}}" for name in PLACEHOLDERS if name in allowed
            )
            raise PlaceholderError(
                _("Unknown placeholder {%(name)s}; this audience has %(choices)s.")
                % {"name": value, "choices": choices},
                value,
            )


def render_text(text: str, values: Mapping[str, str]) -> str:
    """The plain-text part: placeholders replaced, nothing escaped."""
    return "".join(
        values.get(value, "") if kind == "name" else value
        for kind, value in _pieces(text)
    )


def render_html(text: str, values: Mapping[str, str]) -> SafeString:
    """The HTML part: paragraphs and line breaks kept, text and values escaped,
    link placeholders as anchors."""
    parts = []
    for kind, value in _pieces(text):
        if kind == "text":
            parts.append(escape(value))
        elif value in LINK_PLACEHOLDERS and values.get(value):
            url = escape(values[value])
            parts.append(f'<a href="{url}">{url}</a>')
        else:
            parts.append(escape(values.get(value, "")))
    html = "".join(parts).replace("\r\n", "\n")
    paragraphs = [p for p in re.split(r"\n\s*\n", html) if p.strip()]
    # Every piece was escaped above.
    return mark_safe(
        "".join(f"<p>{p.strip().replace(chr(10), '<br>')}</p>" for p in paragraphs)
    )
