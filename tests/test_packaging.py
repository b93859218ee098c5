"""Packaging: every folder of shipped files is a package, so setuptools builds without warnings."""
import os

from setuptools.config.setupcfg import read_configuration

from tests.conftest import ROOT


def test_every_folder_with_shipped_files_is_a_listed_package():
    """setuptools warns about (and will stop shipping) data folders missing from ``packages``."""
    options = read_configuration(ROOT / "setup.cfg")["options"]
    packages = set(options["packages"])
    shipped = set()
    for top in ("corpus", "indexer", "search_app"):
        for folder, dirs, files in os.walk(ROOT / top):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            name = os.path.relpath(folder, ROOT).replace(os.sep, ".")
            if name.startswith("corpus.samples"):  # demo data for the repository, not the package
                assert name not in packages
                continue
            if any(f.endswith((".py", ".html", ".css", ".js", ".svg", ".tsv")) for f in files):
                shipped.add(name)
    assert {"corpus.knowledge.data", "search_app.static", "search_app.templates"} <= shipped
    assert shipped <= packages, f"not packages: {sorted(shipped - packages)}"
    # The data files are still declared, relative to their parent package.
    assert "data/*" in options["package_data"]["corpus.knowledge"]
    assert {"templates/*.html", "static/*"} <= set(options["package_data"]["search_app"])
