"""No import cycle among the project's modules, counting imports made inside functions.

The layers themselves are import-linter contracts (pyproject.toml, run by `make lint`); they
forbid an arrow upwards between layers but not a cycle inside one layer (models → revisions →
models) or among modules outside the layers. This test forbids every cycle. It reads the
import graph that import-linter reads (grimp), which records an import wherever it is written:
at the top of a module, inside a function, under `if TYPE_CHECKING`. A function-level import
that closes a cycle only postpones the failure; it is still a cycle.

Run it alone with `pytest tests/test_architecture.py`; `make lint` does.
"""

import grimp
import pytest

PACKAGES = ("markup", "articles", "kb")

pytestmark = pytest.mark.no_db_difference  # reads source files only


def strongly_connected_components(graph):
    """Groups of modules that import one another, directly or not (Tarjan's algorithm, iterative)."""
    index_of, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in sorted(graph.modules):
        if root in index_of:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index_of[root] = low[root] = len(index_of)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            for child in imported:
                if child not in index_of:
                    index_of[child] = low[child] = len(index_of)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[module] = min(low[module], index_of[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index_of[module]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == module:
                            break
                    components.append(component)
    return components


def cycles(graph):
    """One readable chain per cycle: 'a (l.3) -> b (l.12) -> a'."""
    found = []
    for component in strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.direct_import_exists(importer=start, imported=start):
            continue
        found.append(describe(graph, cycle_through(graph, start, component)))
    return found


def cycle_through(graph, start, component):
    """The shortest path from `start` back to itself inside `component` (breadth first)."""
    previous, frontier = {}, [start]
    while frontier:
        following = []
        for module in frontier:
            for child in sorted(graph.find_modules_directly_imported_by(module) & component):
                if child == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if module != start else [start, start]
                if child not in previous:
                    previous[child] = module
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but none was found")


def describe(graph, chain):
    steps = []
    for importer, imported in zip(chain, chain[1:], strict=False):
        lines = sorted(
            detail["line_number"] for detail in graph.get_import_details(importer=importer, imported=imported)
        )
        steps.append(f"{importer} (l.{', '.join(map(str, lines))})")
    return " -> ".join([*steps, chain[-1]])


def test_no_import_cycle_in_the_project():
    found = cycles(grimp.build_graph(*PACKAGES, cache_dir=None))
    assert not found, "Import cycles (line numbers of each import):\n" + "\n".join(found)


@pytest.fixture
def toy_package(tmp_path, monkeypatch):
    """A package whose only cycle is closed by an import inside a function."""
    package = tmp_path / "toy_cycle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def helper():\n    from toy_cycle import high\n\n    return high\n")
    (package / "high.py").write_text("from toy_cycle import low\n")
    (package / "alone.py").write_text("import toy_cycle.high\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "toy_cycle"


def test_the_check_sees_a_cycle_closed_inside_a_function(toy_package):
    found = cycles(grimp.build_graph(toy_package, cache_dir=None))
    assert found == ["toy_cycle.high (l.1) -> toy_cycle.low (l.2) -> toy_cycle.high"]
