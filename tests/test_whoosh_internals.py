"""Whoosh's private names are used in indexer/whoosh_internals.py only, checked at import, pinned."""
import ast
import configparser
import importlib
import inspect
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from indexer import whoosh_internals
from indexer.whoosh_internals import REQUIRED, WHOOSH_VERSION, WhooshChanged, check, known_names

ROOT = Path(__file__).resolve().parent.parent
FENCE = ROOT / "indexer" / "whoosh_internals.py"


def _project_files() -> list[Path]:
    files = [ROOT / "cli.py"]
    for package in ("corpus", "indexer", "search_app"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f != FENCE]


def _whoosh_private_names() -> set[str]:
    """Every single-underscore name a loaded Whoosh class has or uses."""
    names = set()
    for name, module in list(sys.modules.items()):
        if name == "whoosh" or name.startswith("whoosh."):
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__.startswith("whoosh"):
                    names |= known_names(cls)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_a_missing_private_name_fails_the_import_naming_it():
    class Matcher:
        def read(self):
            return self._data

    check({Matcher: ("_data", "read")})  # a method's attribute counts: instances are made later
    with pytest.raises(WhooshChanged, match=r"Matcher\._maxid.*Matcher\._next_block.*whoosh_internals\.py"):
        check({Matcher: ("_data", "_maxid", "_next_block")})


def test_every_required_name_is_in_the_installed_whoosh():
    check(REQUIRED)
    importlib.reload(whoosh_internals)  # the import-time check passes


def test_whoosh_is_pinned_to_the_version_the_fence_was_written_for():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    requires = [line.strip() for line in parser["options"]["install_requires"].splitlines() if line.strip()]
    assert f"whoosh-reloaded == {WHOOSH_VERSION}" in requires
    assert version("whoosh-reloaded") == WHOOSH_VERSION


def test_no_other_module_touches_a_private_whoosh_name():
    import cli  # noqa: F401  (loads every Whoosh module the project uses)
    import indexer.build, indexer.search, search_app  # noqa: E401,F401

    private = _whoosh_private_names()
    assert {"_maxid", "_tindex", "_perdoc", "_retype"} <= private
    found = []
    for path in _project_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name.startswith("_")]
            elif (isinstance(node, ast.Attribute) and node.attr in private
                  and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls", "os"))):
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert found == []


def test_no_subclass_of_a_whoosh_class_outside_the_fence_uses_its_private_names():
    import indexer.segments, indexer.w3files  # noqa: E401,F401

    found = []
    for name, module in list(sys.modules.items()):
        if not name.startswith(("indexer.", "corpus.", "search_app.")) or name == whoosh_internals.__name__:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name:
                continue
            bases = [b for b in cls.__mro__[1:] if b.__module__.startswith("whoosh")]
            inherited = set().union(*(known_names(b) for b in bases)) if bases else set()
            own = set()
            for value in vars(cls).values():
                code = getattr(getattr(value, "__func__", value), "__code__", None)
                if code is not None:
                    own |= whoosh_internals._code_names(code)
            own |= set(vars(cls))
            found += [f"{cls.__qualname__}.{n}" for n in own & inherited if n.startswith("_") and not n.startswith("__")]
    assert found == []
