"""The shipped catalogue of real portals (corpus/knowledge/data/sources.toml): it parses, stays in scope, filters.

No network: the catalogue's URLs are only parsed here; the crawl test points
the catalogue at a local server.
"""
from __future__ import annotations

import ipaddress
import json
import tomllib
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from cli import cli
from corpus.crawl import sources as src
from corpus.knowledge.provinces import canonical_province
from corpus.store.db import Store
from tests.test_crawl import SiteServer


def test_every_entry_parses_and_stays_in_scope():
    tables = tomllib.loads(src.BUILTIN.read_text(encoding="utf-8"))["source"]
    found = src.builtin_sources()
    assert len(found) == len(tables) >= 100
    assert len({s.name for s in found}) == len(found)
    for s in found:
        assert s.kind in src.KINDS, s.name
        assert s.province == "Trung ương" or canonical_province(s.province) == s.province, s.name
        assert not s.allow_private and not s.render  # real public portals, plain HTML unless a source says so
        for url in s.start_urls:
            host = urlsplit(url).hostname
            assert s.in_scope(url), url
            assert "." in host and host != "localhost", url
            with pytest.raises(ValueError):
                ipaddress.ip_address(host)  # a name, never a bare address
        evidence_host = urlsplit(s.evidence).hostname
        assert any(evidence_host == h or evidence_host.endswith("." + h) for h in s.hosts), s.name  # m., amp.
    assert {s.kind for s in found} == set(src.KINDS)
    assert all(s.province == "Trung ương" for s in found if s.kind == "national")


def test_filters_by_province_and_kind():
    hagiang = src.builtin_sources(province="ha giang")  # any spelling
    assert hagiang and {s.province for s in hagiang} == {"Hà Giang"}
    national = src.builtin_sources(province="Trung ương")
    assert len(national) >= 20 and {s.province for s in national} == {"Trung ương"}
    tv = src.builtin_sources(kind="tv")
    assert tv and {s.kind for s in tv} == {"tv"}
    with pytest.raises(src.SourceError, match="kind"):
        src.builtin_sources(kind="blog")
    with pytest.raises(src.SourceError, match="no built-in source for Sóc Trăng"):
        src.builtin_sources(province="Sóc Trăng")  # the catalogue has no portal of its own for it
    with pytest.raises(src.SourceError, match="unknown province"):
        src.builtin_sources(province="Atlantis")


def test_cli_sources_lists_and_filters():
    runner = CliRunner()
    everything = runner.invoke(cli, ["sources", "--json"])
    assert everything.exit_code == 0
    rows = json.loads(everything.output)
    assert len(rows) == len(src.builtin_sources()) and set(rows[0]) == {"name", "province", "kind", "start_urls",
                                                                          "evidence"}
    result = runner.invoke(cli, ["sources", "--province", "Hà Giang", "--kind", "newspaper"])
    assert result.exit_code == 0 and "Hà Giang" in result.output and result.output.rstrip().endswith("sources")
    result = runner.invoke(cli, ["sources", "--kind", "blog"])
    assert result.exit_code == 2 and "blog" in result.output


def test_crawl_builtin_by_province_crawls_only_the_matching_portals(tmp_path, monkeypatch):
    """``danvan crawl --province P`` with no start URL crawls the catalogue's portals of P."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body><p>trang chủ</p></body></html>", encoding="utf-8")
    near, far = SiteServer(site), SiteServer(site)
    catalogue = tmp_path / "sources.toml"
    catalogue.write_text(
        f'[[source]]\nname = "near"\nstart_urls = ["{near.url}"]\nprovince = "Hà Giang"\nkind = "ban-dan-van"\n'
        f'[[source]]\nname = "far"\nstart_urls = ["{far.url}"]\nprovince = "Cà Mau"\nkind = "ban-dan-van"\n',
        encoding="utf-8")
    monkeypatch.setattr(src, "BUILTIN", catalogue)
    runner = CliRunner()
    try:
        args = ["crawl", "--data-dir", str(tmp_path / "home"), "--delay", "0", "--allow-private"]
        result = runner.invoke(cli, [*args, "--province", "Hà Giang"])
        assert result.exit_code == 0, result.output
        assert near.log and not far.log
        result = runner.invoke(cli, [*args, "--sources", "builtin", "--kind", "ban-dan-van"])
        assert result.exit_code == 0 and far.log
        result = runner.invoke(cli, [*args, "--province", "Sóc Trăng"])
        assert result.exit_code == 1 and "no built-in source for Sóc Trăng" in result.output
        result = runner.invoke(cli, [*args, near.url, "--kind", "tv"])
        assert result.exit_code == 1 and "--sources builtin" in result.output
    finally:
        near.close()
        far.close()
    with Store(tmp_path / "home" / "danvan.db") as store:
        assert store.count() == 0  # a home page with a line of text is not an article
