"""The test suite's own layout: test modules and conftests import only helper modules.

Shared helpers live in helper modules (`tests/helpers.py`, `tests/repair/builders.py`, `tests/factories.py`,
...); a test module or a conftest that imports another test module or a conftest runs or shadows that
module's tests and fixtures where nobody expects them. The import graph comes from grimp (import-linter's
graph builder), which also sees imports inside functions.
"""
from __future__ import annotations

import grimp


def is_test_module_or_conftest(module: str) -> bool:
    name = module.rsplit(".", 1)[-1]
    return name.startswith("test_") or name == "conftest"


def imports_of_test_modules_and_conftests(graph) -> list[str]:
    """Every import (importer line: statement) whose target is a test module or a conftest."""
    found = []
    for imported in sorted(graph.modules):
        if not is_test_module_or_conftest(imported):
            continue
        for importer in sorted(graph.find_modules_that_directly_import(imported)):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                found.append(f"{importer}:{detail['line_number']}: {detail['line_contents']}")
    return found


def test_the_graph_covers_the_suite():
    """The graph is the real one: it holds the test modules and the imports of the helper modules."""
    graph = grimp.build_graph("tests", cache_dir=None)
    assert {"tests.conftest", "tests.test_test_layout", "tests.repair.test_workflow"} <= graph.modules
    assert graph.direct_import_exists(importer="tests.repair.test_workflow", imported="tests.helpers")
    assert "tests.factories" in graph.find_modules_directly_imported_by("tests.helpers")


def test_the_check_sees_an_import_of_a_test_module():
    """The check itself: on a graph with such imports (also one inside a function) it names them all."""
    graph = grimp.ImportGraph()
    for module in ("tests", "tests.helpers", "tests.conftest", "tests.a.conftest", "tests.a.test_one",
                   "tests.a.test_two", "tests.a.builders"):
        graph.add_module(module)
    graph.add_import(importer="tests.a.test_one", imported="tests.helpers", line_number=3,
                     line_contents="from tests.helpers import count")
    graph.add_import(importer="tests.a.test_two", imported="tests.a.test_one", line_number=4,
                     line_contents="from tests.a.test_one import bearer")
    graph.add_import(importer="tests.a.conftest", imported="tests.conftest", line_number=5,
                     line_contents="from tests.conftest import missing")
    graph.add_import(importer="tests.a.builders", imported="tests.a.conftest", line_number=40,
                     line_contents="from tests.a.conftest import shop")
    assert imports_of_test_modules_and_conftests(graph) == [
        "tests.a.builders:40: from tests.a.conftest import shop",
        "tests.a.test_two:4: from tests.a.test_one import bearer",
        "tests.a.conftest:5: from tests.conftest import missing",
    ]


def test_nothing_imports_a_test_module_or_a_conftest():
    graph = grimp.build_graph("tests", cache_dir=None)
    found = imports_of_test_modules_and_conftests(graph)
    assert not found, ("imports of test modules or conftests (move what they share to a helper module):\n"
                       + "\n".join(found))
