"""The README is the short first page and docs/ holds the rest: its length, its first screen, its
links, and that mkdocs builds every page (the build itself is `tox -e docs`)."""

import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def test_the_readme_is_short_and_its_first_screen_says_what_a_newcomer_needs():
    assert len(README.splitlines()) <= 160  # issue 20: about 150 lines, the rest in docs/
    first_screen = "\n".join(README.splitlines()[:30])
    assert "ours-3b has no public weights" in first_screen
    assert "<!-- first-run -->" in first_screen  # the reranking tests/test_plugin_example.py runs
    for marker in ["<!-- test-command -->", "<!-- leaderboard:main:start -->"]:
        assert marker in README  # .ci/run and `leaderboard` read these here


def test_every_relative_link_of_the_readme_and_the_docs_names_a_file():
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if not re.match(r"[a-z]+:", target) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert broken == []


def test_mkdocs_builds_every_page_of_docs():
    config = (REPO / "mkdocs.yml").read_text()
    nav = set(re.findall(r"^  - [^:]+: (\S+\.md)$", config, re.MULTILINE))
    assert nav == {p.name for p in (REPO / "docs").glob("*.md")}
    assert "strict: true" in config and "site_dir: build/docs" in config
