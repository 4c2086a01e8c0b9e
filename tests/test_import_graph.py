"""The packages import one way: no circles, faces → services → models → kernels,
and cms → registration, never back (see tests/import_graph.py and the README's
Layout section)."""

from tests import import_graph


def test_no_module_of_registration_or_cms_is_part_of_an_import_circle():
    groups = import_graph.circles(import_graph.import_graph())

    assert groups == [], "import circles:\n" + "\n".join(" ↔ ".join(g) for g in groups)


def test_every_import_runs_in_the_documented_direction():
    wrong = import_graph.against_direction(import_graph.import_graph())

    assert wrong == [], "\n".join(
        f"{edge.source}:{edge.line} imports {edge.target} "
        f"({import_graph.LAYER_NAMES[import_graph.layer(edge.source)]} → "
        f"{import_graph.LAYER_NAMES[import_graph.layer(edge.target)]})"
        for edge in wrong
    )


def test_admin_modules_join_other_menus_by_name_not_by_import():
    wrong = import_graph.admin_cross_imports(import_graph.import_graph())

    assert wrong == [], "\n".join(
        f"{edge.source}:{edge.line} imports {edge.target}" for edge in wrong
    )


def test_the_checker_sees_a_circle_and_a_wrong_direction(tmp_path, monkeypatch):
    # A small tree of its own, so the two tests above are known to be able to fail.
    package = tmp_path / "registration"
    (package / "orders").mkdir(parents=True)
    for path in ("__init__.py", "orders/__init__.py"):
        (package / path).write_text("")
    (package / "orders" / "models.py").write_text(
        "from registration.orders import services\n"
    )
    (package / "orders" / "services.py").write_text(
        "def place():\n    from registration.orders.models import Order\n"
    )
    (package / "orders" / "views.py").write_text("import cms.pages\n")
    (package / "money.py").write_text("from registration.orders.views import page\n")
    (package / "payments").mkdir()
    (package / "jobs").mkdir()
    for path in ("payments/__init__.py", "jobs/__init__.py", "jobs/admin.py"):
        (package / path).write_text("")
    (package / "orders" / "admin.py").write_text(
        "from registration.payments import admin\nfrom registration.jobs import admin\n"
    )
    (package / "payments" / "admin.py").write_text("")
    (tmp_path / "cms").mkdir()
    (tmp_path / "cms" / "__init__.py").write_text("")
    (tmp_path / "cms" / "pages.py").write_text("from registration import money\n")
    monkeypatch.setattr(import_graph, "ROOT", tmp_path)

    graph = import_graph.import_graph()
    wrong = {
        (edge.source, edge.target) for edge in import_graph.against_direction(graph)
    }

    assert import_graph.circles(graph) == [
        ["cms.pages", "registration.money", "registration.orders.views"],
        ["registration.orders.models", "registration.orders.services"],
    ]
    assert [
        (edge.source, edge.target) for edge in import_graph.admin_cross_imports(graph)
    ] == [("registration.orders.admin", "registration.payments.admin")]
    assert wrong == {
        ("registration.orders.models", "registration.orders.services"),
        ("registration.orders.views", "cms.pages"),
        ("registration.money", "registration.orders.views"),
    }
