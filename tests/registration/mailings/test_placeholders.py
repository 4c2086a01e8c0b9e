"""The placeholder parser: a fixed list of names, nothing else, escaped in HTML."""

import pytest

from registration.mailings.placeholders import (
    PlaceholderError,
    check_placeholders,
    render_html,
    render_text,
)

VALUES = {
    "name": "Ana <b>Park</b>",
    "event": "Summit",
    "order_link": "https://x/o?a=1&b=2",
}


def test_text_part_replaces_names_and_keeps_literal_braces():
    assert render_text("Hi {name}, {{event}} is {event}.", VALUES) == (
        "Hi Ana <b>Park</b>, {event} is Summit."
    )


def test_template_syntax_is_plain_text():
    for text, refused in (
        ("{% load static %}", "% load static %"),
        ("{name.__class__}", "name.__class__"),
    ):
        with pytest.raises(PlaceholderError) as error:
            check_placeholders(text, allowed=["name"])
        assert error.value.text == refused
    # Doubled braces are literal braces: nothing is looked up.
    assert render_text("{{ settings.SECRET_KEY }}", VALUES) == (
        "{ settings.SECRET_KEY }"
    )


def test_unknown_and_lone_braces_are_refused():
    with pytest.raises(PlaceholderError) as error:
        check_placeholders("Hi {nom}", allowed=["name", "event"])
    assert str(error.value) == (
        "Unknown placeholder {nom}; this audience has {name}, {event}."
    )
    with pytest.raises(PlaceholderError):
        check_placeholders("Hi {name", allowed=["name"])
    with pytest.raises(PlaceholderError):
        check_placeholders("a } b", allowed=["name"])
    check_placeholders("Hi {name}, {{ok}}", allowed=["name"])


def test_html_part_escapes_text_and_values_and_links_the_links():
    html = render_html("<script>x</script> {name}\n\nPay: {order_link}\nBye", VALUES)
    assert html == (
        "<p>&lt;script&gt;x&lt;/script&gt; Ana &lt;b&gt;Park&lt;/b&gt;</p>"
        '<p>Pay: <a href="https://x/o?a=1&amp;b=2">https://x/o?a=1&amp;b=2</a>'
        "<br>Bye</p>"
    )
