"""No string is left untranslated in Spanish or French (conference/catalogues.py).

`test_catalogue_is_complete` reads the real locale/ catalogues; the other tests
prove the check on catalogues written here, so a broken check cannot pass.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings

from conference.catalogues import (
    Message,
    catalogue_problems,
    extract_msgids,
    parse_po,
    translated_languages,
)


@pytest.fixture(scope="module")
def source() -> set[Message]:
    return extract_msgids()


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def write_po(
    locale_dir: Path,
    language: str,
    entries: dict[Message, list[str]],
    *,
    fuzzy: set[Message] = frozenset(),
) -> Path:
    """A catalogue with these translations (one string, or one per plural form)."""
    lines = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    for message, translations in entries.items():
        if message in fuzzy:
            lines.append("#, fuzzy, python-format")
        if message.context:
            lines.append(f"msgctxt {_quote(message.context)}")
        lines.append(f"msgid {_quote(message.msgid)}")
        if message.plural:
            lines.append(f"msgid_plural {_quote(message.plural)}")
            for index, text in enumerate(translations):
                lines.append(f"msgstr[{index}] {_quote(text)}")
        else:
            lines.append(f"msgstr {_quote(translations[0])}")
        lines.append("")
    path = locale_dir / language / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _filled(source: set[Message]) -> dict[Message, list[str]]:
    return {
        message: (
            [f"«{message.msgid}»", f"«{message.plural}»"]
            if message.plural
            else [f"«{message.msgid}»"]
        )
        for message in sorted(source)
    }


def test_extraction_finds_template_python_plural_and_context_strings(source):
    msgids = {message.msgid for message in source}
    assert "Download ticket (PDF)" in msgids  # {% translate %} in a template
    assert "Order received: %(event)s (%(code)s)" in msgids  # {% blocktranslate %}
    assert "Enter the given name." in msgids  # gettext in a service
    assert "Name in Latin letters (optional)" in msgids
    assert len(source) > 1000


def test_complete_catalogue_has_no_problems(source, tmp_path):
    write_po(tmp_path, "es", _filled(source))

    assert not catalogue_problems(source, tmp_path, "es")


def test_check_lists_missing_empty_and_fuzzy_strings(source, tmp_path):
    entries = _filled(source)
    ticket = Message("Download ticket (PDF)")
    received = Message("Order received: %(event)s (%(code)s)")
    given = Message("Enter the given name.")
    del entries[ticket]
    entries[received] = [""]
    fuzzy = {given}
    write_po(tmp_path, "fr", entries, fuzzy=fuzzy)

    problems = catalogue_problems(source, tmp_path, "fr")

    assert problems.missing == [ticket]
    assert problems.untranslated == [received]
    assert problems.fuzzy == [given]
    assert problems.report("fr") == (
        "fr: 1 missing from the catalogue:\n"
        "  'Download ticket (PDF)'\n"
        "fr: 1 without a translation:\n"
        "  'Order received: %(event)s (%(code)s)'\n"
        "fr: 1 marked fuzzy:\n"
        "  'Enter the given name.'"
    )


def test_a_plural_with_one_empty_form_is_untranslated(source, tmp_path):
    plural = next(message for message in sorted(source) if message.plural)
    entries = _filled(source)
    entries[plural] = ["una forma", ""]
    write_po(tmp_path, "es", entries)

    assert catalogue_problems(source, tmp_path, "es").untranslated == [plural]


def test_no_catalogue_means_every_string_is_missing(source, tmp_path):
    problems = catalogue_problems(source, tmp_path, "es")

    assert sorted(problems.missing) == sorted(source)


def test_parser_reads_multiline_strings_and_skips_obsolete_entries(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        'msgctxt "badge"\nmsgid "Youth"\nmsgstr "Joven"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n"Dos "\n"líneas"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Viejo"\n',
        encoding="utf-8",
    )

    entries = parse_po(path)

    assert [(e.message, e.translations, e.obsolete) for e in entries] == [
        (Message("Youth", context="badge"), ["Joven"], False),
        (Message("Two lines"), ["Dos líneas"], False),
        (Message("Old"), ["Viejo"], True),
    ]


@pytest.mark.parametrize("language", translated_languages())
def test_catalogue_is_complete(source, language):
    """Fails, listing each string, until locale/<language>/ translates everything."""
    problems = catalogue_problems(source, Path(settings.LOCALE_PATHS[0]), language)
    if problems:
        pytest.fail(problems.report(language), pytrace=False)
