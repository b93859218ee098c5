"""The import contract of ARCHITECTURE.md, checked on the source: layers, no cycles, runtime requirements.

Layers, highest first: ``cli`` → ``search_app`` → ``indexer`` → ``corpus``;
inside ``corpus``: ``crawl`` → ``store`` → ``extract`` → ``clean`` → ``knowledge``.
A module imports only from its own layer or lower ones.  Every import
counts, also those inside functions and under ``TYPE_CHECKING``: a lazy
import still ties the modules together.  In ``corpus`` imports stand at the
top of the module; one that must wait for a call says why in a comment.
"""
import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("cli", "search_app", "indexer", "corpus")  # highest first
CORPUS_LAYERS = ("crawl", "store", "extract", "clean", "knowledge")  # highest first


def _module_files() -> dict[str, Path]:
    """Dotted name -> file of every runtime module (the shipped samples are data)."""
    files = {"cli": ROOT / "cli.py"}
    for package in ("corpus", "indexer", "search_app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "samples" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """Every absolute module name ``path`` imports.

    ``from p import m`` names ``p.m`` when that is one of ``modules``, else ``p``.
    """
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def _graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    files = _module_files()
    return {name: (_imports(name, path, set(files)) & set(files)) - {name} for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_graph_sees_the_project():
    graph = _graph()
    assert {"cli", "corpus.store.db", "indexer.search", "search_app.views"} <= set(graph)
    assert "indexer.ranker" in graph["indexer.facets"] and "corpus.store.db" in graph["cli"]
    assert "search_app.export" in graph["search_app.views"] and "search_app" not in graph["search_app.views"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_nothing_imports_a_higher_layer():
    upward = [f"{m} imports {t}" for m, targets in sorted(_graph().items()) for t in sorted(targets)
              if _layer(t) < _layer(m)]
    assert upward == []


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def _corpus_layer(module: str) -> int | None:
    """Position of a corpus sub-package in CORPUS_LAYERS (None outside them)."""
    parts = module.split(".")
    return CORPUS_LAYERS.index(parts[1]) if parts[0] == "corpus" and len(parts) > 2 else None


def test_corpus_sub_packages_import_only_their_own_layer_or_lower_ones():
    graph = _graph()
    assert {_corpus_layer(m) for m in graph} >= set(range(len(CORPUS_LAYERS)))  # every layer has modules
    upward = [f"{m} imports {t}" for m, targets in sorted(graph.items()) for t in sorted(targets)
              if _corpus_layer(m) is not None and _corpus_layer(t) is not None and _corpus_layer(t) < _corpus_layer(m)]
    assert upward == []
    # A fresh contract fails when broken: knowledge importing extract would be upward.
    assert _corpus_layer("corpus.extract.dates") < _corpus_layer("corpus.knowledge.directives")


def _late_imports(source: str) -> list[tuple[int, str]]:
    """(line, statement) of each import inside a function or class that no comment explains."""
    lines = source.splitlines()
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
            said = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
            if not said:
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_corpus_imports_stand_at_the_top_of_their_module():
    late = [f"{path.relative_to(ROOT)}:{line}: {statement}" for name, path in _module_files().items()
            if name.startswith("corpus") for line, statement in _late_imports(path.read_text(encoding="utf-8"))]
    assert late == []
    assert _late_imports("def f():\n    import json\n") == [(2, "import json")]
    assert _late_imports("def f():\n    import json  # optional: only f needs it\n") == []


def _requirement_names(spec: str) -> list[str]:
    return [re.split(r"[\s<>=~!\[;]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
            for line in spec.splitlines() if line.strip()]


def test_runtime_requirements_are_what_runtime_imports():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    required = set(_requirement_names(parser["options"]["install_requires"]))
    # Optional runtime features: imported lazily, installed by their extra (crawl --render).
    required |= set(_requirement_names(parser["options.extras_require"]["render"]))
    files = _module_files()
    tops = {name.split(".")[0] for module, path in files.items() for name in _imports(module, path, set(files))}
    third_party = tops - set(sys.stdlib_module_names) - {"cli", "corpus", "indexer", "search_app", ""}
    distributions = packages_distributions()
    imported = {dist.lower().replace("_", "-") for top in third_party for dist in distributions.get(top, [top])}
    assert imported == required
