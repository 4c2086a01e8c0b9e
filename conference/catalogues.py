"""Are the translation catalogues complete? Compares the source's msgids with locale/.

`extract_msgids()` runs Django's `makemessages` on a temporary copy of the
source (the real catalogues are never touched) and returns every msgid the
code and templates mark; `catalogue_problems()` lists, per language, the
msgids missing from a catalogue and those left empty or fuzzy. The test
tests/conference/test_catalogues.py fails with that list; translators run

    python -m conference.catalogues            # every language but English
    python -m conference.catalogues es         # one language

to see what is left to do.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# What makemessages reads: the Python packages and the templates (the check-in
# app's script takes its strings from its template, so there is no djangojs domain).
SOURCE_DIRS = ("conference", "registration", "cms", "templates")
DOMAINS = ("django",)


@dataclass(frozen=True, order=True)
class Message:
    """One catalogue entry's key: context (may be empty), msgid and plural msgid."""

    msgid: str
    context: str = ""
    plural: str = ""

    def __str__(self) -> str:
        label = repr(self.msgid)
        if self.context:
            label = f"[{self.context}] {label}"
        return label


@dataclass
class Entry:
    message: Message
    translations: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False


def _unquote(text: str) -> str:
    return ast.literal_eval(text) if text else ""


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header entry, msgid "", left out)."""
    entries: list[Entry] = []
    current: dict = {}
    flags: set[str] = set()
    key = None

    def finish():
        nonlocal current, flags, key
        if "msgid" in current and current["msgid"] != "":
            translations = [
                value
                for name, value in sorted(current.items())
                if name == "msgstr" or name.startswith("msgstr[")
            ]
            entries.append(
                Entry(
                    Message(
                        current["msgid"],
                        current.get("msgctxt", ""),
                        current.get("msgid_plural", ""),
                    ),
                    translations,
                    fuzzy="fuzzy" in flags,
                    obsolete=current.get("obsolete", False),
                )
            )
        current, flags, key = {}, set(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if "msgid" in current:
                finish()
            flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if key is not None:
                current[key] += _unquote(line)
            continue
        name, _space, value = line.partition(" ")
        # msgctxt or msgid opens the next entry once this one has its msgid.
        if name in ("msgctxt", "msgid") and "msgid" in current:
            finish()
        key = name
        current[key] = _unquote(value)
        if obsolete:
            current["obsolete"] = True
    finish()
    return entries


def extract_msgids(base_dir: Path = BASE_DIR) -> set[Message]:
    """Every msgid marked in the source under `base_dir`, by makemessages on a copy."""
    with tempfile.TemporaryDirectory(prefix="catalogues-") as temporary:
        work = Path(temporary)
        for name in SOURCE_DIRS:
            if (base_dir / name).exists():
                shutil.copytree(
                    base_dir / name,
                    work / name,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale"),
                )
        (work / "locale").mkdir()
        environment = {
            key: value
            for key, value in os.environ.items()
            if key != "DJANGO_SETTINGS_MODULE"
        }
        messages: set[Message] = set()
        for domain in DOMAINS:
            subprocess.run(  # noqa: S603 - this Python, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "django",
                    "makemessages",
                    "--locale",
                    "xx",
                    "--domain",
                    domain,
                    "--no-location",
                    "--no-wrap",
                    "--verbosity",
                    "0",
                ],
                cwd=work,
                env=environment,
                check=True,
                capture_output=True,
            )
            po = work / "locale" / "xx" / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                messages |= {entry.message for entry in parse_po(po)}
        return messages


@dataclass
class Problems:
    missing: list[Message] = field(default_factory=list)
    untranslated: list[Message] = field(default_factory=list)
    fuzzy: list[Message] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.untranslated or self.fuzzy)

    def report(self, language: str) -> str:
        lines = []
        for title, messages in (
            ("missing from the catalogue", self.missing),
            ("without a translation", self.untranslated),
            ("marked fuzzy", self.fuzzy),
        ):
            if messages:
                lines.append(f"{language}: {len(messages)} {title}:")
                lines.extend(f"  {message}" for message in sorted(messages))
        return "\n".join(lines)


def catalogue_problems(
    source: set[Message], locale_dir: Path, language: str, domain: str = "django"
) -> Problems:
    """What `locale_dir`/<language>/LC_MESSAGES/<domain>.po lacks for `source`."""
    problems = Problems()
    po = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
    entries = {}
    if po.exists():
        entries = {entry.message: entry for entry in parse_po(po) if not entry.obsolete}
    for message in sorted(source):
        entry = entries.get(message)
        if entry is None:
            problems.missing.append(message)
        elif not entry.translations or not all(entry.translations):
            problems.untranslated.append(message)
        elif entry.fuzzy:
            problems.fuzzy.append(message)
    return problems


def translated_languages() -> list[str]:
    """The site's languages other than the source language (English)."""
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES if code != "en"]


def main(argv: list[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")
    django.setup()
    from django.conf import settings

    languages = argv or translated_languages()
    source = extract_msgids()
    failed = False
    for language in languages:
        problems = catalogue_problems(source, Path(settings.LOCALE_PATHS[0]), language)
        if problems:
            failed = True
            print(problems.report(language))
        else:
            print(f"{language}: complete ({len(source)} messages)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
