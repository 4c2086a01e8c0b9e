"""Every file a comment, docstring or document names is a file of this repository.

After a reorganisation the code moves and the prose stays behind: a comment that
names a module by its old path sends the reader to a file that is gone. This test
reads the comments and docstrings of the project's own source (Python,
templates, CSS, JavaScript), README.md and docs/*.md, picks out every mention of
a file ending in .py, .html or .css, and fails listing each one that names no
tracked file. A mention resolves when a tracked file's path ends with it (at a
`/`) or when it is relative to the directory of the file that mentions it; a
brace group names several files (`services/{badges,name_fitting}.py`), and a
path with a placeholder such as `<package>` in it names none.

A mention of a name in a module, `orders/services/placement.place_order`, is
held to the same rule for `orders/services/placement.py` (or a package's
`__init__.py`), and that module must define or import the name.

Only text is read, never code: a template path in `{% include %}` or a string
the program uses is checked by running it, not here.
"""

import ast
import functools
import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent

SOURCE_DIRS = (
    "registration",
    "cms",
    "conference",
    "templates",
    "static",
    "scripts",
    "tests",
)
SOURCE_SUFFIXES = (".py", ".html", ".css", ".js")
SKIPPED = ("static/vendor/", "locale/")

# Mentions that are rightly not files of this repository; each must still be
# mentioned somewhere (a test below), so the list cannot outlive its reasons.
ALLOWED = frozenset(
    {
        # Wagtail's own module (its rendition writer), in the installed library.
        "wagtail/images/models.py",
    }
)

_SEGMENT = r"(?:[\w.-]|\{[\w.,/-]+\}|<[\w-]+>)+"
_START = r"(?<![\w./{}<>:~$@-])"  # not inside a longer path, URL or e-mail
# A file name with an extension checked here, with optional directories before it.
FILE_MENTION = re.compile(
    _START + rf"({_SEGMENT}(?:/{_SEGMENT})*(?<=[\w}}])\.(?:py|html|css))(?![\w-])"
)
# A name in a module: directories, a module, a dot, a name (not a file extension).
NAME_MENTION = re.compile(
    _START + r"((?:[\w-]+/)+[a-z_][a-z0-9_]*)\.([A-Za-z_]\w*)(?!\w|[./-]\w)"
)
NOT_NAMES = frozenset(
    {"py", "html", "css", "js", "md", "txt", "csv", "json", "xlsx", "pdf", "ics"}
    | {"po", "mo", "sh", "toml", "yml", "yaml", "svg", "png", "webmanifest"}
    | {"sqlite3", "log", "gz", "zip", "xml"}
)
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
BRACES = re.compile(r"\{([^{}]*)\}")


def tracked_files() -> list[str]:
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z"],  # noqa: S607 (git from the PATH)
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return [
        name
        for name in result.stdout.decode().split("\0")
        if name and (ROOT / name).is_file()
    ]


def _is_scanned(name: str) -> bool:
    if name.startswith(SKIPPED):
        return False
    if name == "README.md" or re.fullmatch(r"docs/[^/]+\.md", name):
        return True
    return name.split("/", 1)[0] in SOURCE_DIRS and name.endswith(SOURCE_SUFFIXES)


def scanned(files: list[str]) -> list[str]:
    """The project's own source and documentation among these files."""
    return [name for name in files if _is_scanned(name)]


# Python's strings and comments, left to right, so that a `#` inside a string or
# a quote inside a comment is read as what it is (the tokenize module says the
# same for this tree, six times slower).
_PYTHON_TOKENS = re.compile(
    r"(?P<string>(?<!\w)(?:[rRbBuUfF]{1,2})?"
    r'(?:"""(?:\\.|[^\\])*?"""|\'\'\'(?:\\.|[^\\])*?\'\'\''
    r'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'))'
    r"|(?P<comment>#[^\n]*)",
    re.DOTALL,
)


def _python_text(source: str) -> list[tuple[int, str]]:
    """Comments and docstrings (strings standing as statements) of a Python file."""
    texts = []
    position, depth, line, last = 0, 0, 1, "\n"
    for match in _PYTHON_TOKENS.finditer(source):
        code = source[position : match.start()]
        depth += sum(map(code.count, "([{")) - sum(map(code.count, ")]}"))
        line += code.count("\n")
        if code.strip():
            last = code.rstrip()[-1]
        if match.group("comment"):
            texts.append((line, match.group()))
        else:
            line_start = source.rfind("\n", 0, match.start()) + 1
            before = source[line_start : match.start()]
            if depth == 0 and not before.strip() and last != "\\":
                texts.append((line, match.group()))
            last = '"'
            line += match.group().count("\n")
        position = match.end()
    return texts


_COMMENTS = {
    ".html": re.compile(
        r"\{#.*?#\}|<!--.*?-->|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
        re.DOTALL,
    ),
    ".css": re.compile(r"/\*.*?\*/", re.DOTALL),
    # Block comments, and line comments not after a `:` (a URL's `//`).
    ".js": re.compile(r"/\*.*?\*/|(?<![:\\])//[^\n]*", re.DOTALL),
}


def text_of(name: str, source: str) -> list[tuple[int, str]]:
    """The prose of a file, as (line it starts on, text) pieces."""
    suffix = PurePosixPath(name).suffix
    if suffix == ".md":
        return [(1, source)]
    if suffix == ".py":
        return _python_text(source)
    return [
        (source.count("\n", 0, match.start()) + 1, match.group())
        for match in _COMMENTS[suffix].finditer(source)
    ]


def expand(mention: str) -> list[str]:
    """One path per choice of each brace group: `x/{a,b}` → `x/a`, `x/b`."""
    match = BRACES.search(mention)
    if not match:
        return [mention]
    head, tail = mention[: match.start()], mention[match.end() :]
    return [
        path
        for choice in match.group(1).split(",")
        for path in expand(head + choice + tail)
    ]


def resolve(mention: str, mentioned_in: str, files: frozenset[str]) -> list[str]:
    """The files a mention may name: the one relative to the mentioning file's
    directory if it exists, else every file whose path ends with it."""
    parts: list[str] = []
    for part in (PurePosixPath(mentioned_in).parent / mention).parts:
        if part == "..":
            if not parts:
                return []
            parts.pop()
        elif part != ".":
            parts.append(part)
    if "/".join(parts) in files:
        return ["/".join(parts)]
    while mention.startswith("./"):
        mention = mention[2:]
    return [name for name in files if name == mention or name.endswith("/" + mention)]


@functools.cache
def module_names(path: Path) -> frozenset[str]:
    """The names a module defines or imports at its top level (`if`/`try` included)."""
    names = set()
    nodes = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(
                n.id
                for target in targets
                for n in ast.walk(target)
                if isinstance(n, ast.Name)
            )
        elif isinstance(node, (ast.If, ast.Try, ast.ExceptHandler)):
            nodes.extend(ast.iter_child_nodes(node))
    return frozenset(names)


def stale_pointers(root: Path, files: list[str]) -> list[str]:
    """`file:line: mention` for every mention that names nothing in `files`."""
    known = frozenset(files)
    stale = []
    for name in scanned(files):
        source = (root / name).read_text(encoding="utf-8")
        for line, text in text_of(name, source):
            prose = URL.sub(lambda url: " " * len(url.group()), text)
            for match in FILE_MENTION.finditer(prose):
                for path in expand(match.group(1)):
                    if path not in ALLOWED and not resolve(path, name, known):
                        at = line + prose.count("\n", 0, match.start())
                        stale.append(f"{name}:{at}: {path}")
            for match in NAME_MENTION.finditer(prose):
                module, attribute = match.groups()
                if attribute in NOT_NAMES:
                    continue
                candidates = resolve(f"{module}.py", name, known) + resolve(
                    f"{module}/__init__.py", name, known
                )
                if not any(
                    attribute in module_names(root / path) for path in candidates
                ):
                    at = line + prose.count("\n", 0, match.start())
                    stale.append(f"{name}:{at}: {match.group()}")
    return stale


def test_every_file_named_in_comments_docstrings_and_docs_exists():
    stale = stale_pointers(ROOT, tracked_files())

    assert stale == [], (
        "mentions of files that are not in the repository:\n" + "\n".join(stale)
    )


def test_every_allowed_mention_is_still_made():
    files = tracked_files()
    prose = "\n".join(
        text
        for name in scanned(files)
        for _, text in text_of(name, (ROOT / name).read_text(encoding="utf-8"))
    )

    assert sorted(m for m in ALLOWED if m not in prose) == []


def test_the_checker_sees_stale_pointers(tmp_path):
    # A small tree of its own, so the tests above are known to be able to fail.
    files = {
        "registration/orders/services/placement.py": (
            '"""Placing an order; the checks are in validation.py."""\n'
            "# See registration/services/orders.py for the rest.\n"
            'NAME = "not/a/comment.py"  # validation.check_all, services/placement.gone\n'
            "def place_order(): ...\n"
        ),
        "registration/orders/services/validation.py": "def check_all(): ...\n",
        "registration/orders/services/__init__.py": "from .placement import place_order\n",
        "registration/staff/access.py": (
            "def f():\n"
            '    """Who may do what (../orders/services/{placement,edits}.py),\n'
            "    orders/services.place_order, orders/services/placement.place_order.\n"
            '    and orders/services/placement.PLACE; not var/db.sqlite3."""\n'
        ),
        "templates/registration/orders/page.html": (
            '{% extends "base.html" %}{# moved from templates/old/page.html #}\n'
            "<!-- rendered by orders/services/placement.py -->\n"
        ),
        "templates/base.html": "",
        "static/css/site.css": "/* see templates/base.html and gone.css */\n",
        "static/js/site.js": (
            'fetch("https://example.org/x.py");  // the checkin/services/sql.py reads\n'
        ),
        "README.md": (
            "The access rules are in `registration/staff/access.py`; see\n"
            "https://github.com/example/lib/blob/main/db_worker.py and staff_access.py,\n"
            "`registration/<package>/selectors.py`, wagtail/images/models.py.\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert stale_pointers(tmp_path, list(files)) == [
        "registration/orders/services/placement.py:2: registration/services/orders.py",
        "registration/orders/services/placement.py:3: services/placement.gone",
        "registration/staff/access.py:2: ../orders/services/edits.py",
        "registration/staff/access.py:4: orders/services/placement.PLACE",
        "templates/registration/orders/page.html:1: templates/old/page.html",
        "static/css/site.css:1: gone.css",
        "static/js/site.js:1: checkin/services/sql.py",
        "README.md:2: staff_access.py",
        "README.md:3: registration/<package>/selectors.py",
    ]
