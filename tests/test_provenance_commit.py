"""The harness commit in records: the running harness's own checkout, `-dirty` only when code
changed, not when results, leaderboards, tests, documentation or untracked files did."""

import shutil
import subprocess
from pathlib import Path

import pytest

from bright_eval import provenance

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    files = {
        "bright_eval/__init__.py": "",
        "pyproject.toml": "[project]\n",
        "README.md": "# r\n",
        "results/s/system.json": "{}\n",
        "leaderboards/main.md": "| a |\n",
        "tests/test_x.py": "\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    return tmp_path


def test_only_code_changes_make_the_commit_dirty(repo):
    head = git(repo, "rev-parse", "HEAD")
    assert len(head) == 40 and provenance.git_commit(repo) == head
    for name in ["results/s/system.json", "leaderboards/main.md", "README.md", "tests/test_x.py"]:
        (repo / name).write_text("changed\n")
    (repo / ".venv").write_text(".tox/test\n")  # tox's redirect file, untracked
    (repo / "bright_eval" / "new.py").write_text("\n")  # untracked: not imported by anything
    assert provenance.git_commit(repo) == head
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert provenance.git_commit(repo) == head + "-dirty"
    git(repo, "checkout", "pyproject.toml")
    (repo / "bright_eval" / "__init__.py").write_text("x = 1\n")
    git(repo, "add", "bright_eval/__init__.py")  # staged counts too
    assert provenance.git_commit(repo) == head + "-dirty"


def test_by_default_the_commit_is_the_running_harnesss_own(tmp_path, monkeypatch):
    checkout = Path(provenance.__file__).resolve().parents[1]
    head = git(checkout, "rev-parse", "HEAD")
    monkeypatch.chdir(tmp_path)  # wherever the command runs from
    assert provenance.git_commit().removesuffix("-dirty") == head
    assert provenance.capture(tmp_path)["harness_commit"] == provenance.git_commit()


def test_a_harness_installed_inside_another_repository_has_no_commit(repo, monkeypatch):
    monkeypatch.setattr(provenance, "HARNESS", repo / "lib" / "bright_eval")
    (repo / "lib" / "bright_eval").mkdir(parents=True)
    assert provenance.git_commit() is None
