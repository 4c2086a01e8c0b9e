"""Run the vendored axe-core (static/vendor/axe-core) on the page a test is on.

The script is added by address, not inline, so the page's Content-Security-
Policy (script-src 'self') lets it run as it would any of our own files.
"""

AXE = "/static/vendor/axe-core/axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}


def axe_violations(page, base_url: str) -> list[dict]:
    """The serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=base_url + AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"][:5]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} → {targets}")
    return "\n".join(lines)


def assert_accessible(page, base_url: str, where: str) -> None:
    violations = axe_violations(page, base_url)
    assert not violations, f"{where}:\n{describe(violations)}"
