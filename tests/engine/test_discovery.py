"""Finding the files to scan in a realistic repository, and reading them without ever raising."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from flowscan.config import Config
from flowscan.discovery import SourceFile, discover, display_path, read_source
from flowscan.findings import Skipped

EXTENSIONS = {".py": "python", ".go": "go", ".java": "java", ".rs": "rust", ".sql": "sql"}


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A polyglot repository with the clutter real ones have."""
    root = tmp_path / "shop"
    touch(root / ".git" / "HEAD", "ref: refs/heads/main\n")
    touch(root / ".git" / "hooks" / "pre-commit.py")
    touch(root / ".gitignore", "# build output\nbuild/\n*.generated.py\n/local_settings.py\n")
    touch(root / "README.md", "# shop\n")
    touch(root / "Makefile", "all:\n")
    touch(root / "local_settings.py", "DEBUG = True\n")
    touch(root / "build" / "lib" / "etl.py")
    touch(root / "services" / "local_settings.py", "PORT = 8000\n")  # the root pattern is anchored
    orders = root / "services" / "orders"
    touch(orders / ".gitignore", "fixtures/\n!keep.generated.py\n")
    touch(orders / "app.py", "import psycopg2\n")
    touch(orders / "models.generated.py")
    touch(orders / "keep.generated.py")  # re-included by the nested .gitignore
    touch(orders / "fixtures" / "sample.py")
    touch(orders / "repository.py")
    billing = root / "services" / "billing"
    touch(billing / "main.go", "package main\n")
    touch(billing / "src" / "main" / "java" / "Invoice.java", "class Invoice {}\n")
    touch(root / "engine" / "src" / "lib.rs", "fn main() {}\n")
    touch(root / "sql" / "schema.SQL", "create table orders (id int);\n")
    for clutter in (
        "node_modules/left-pad/index.py",
        ".venv/lib/python3.11/site.py",
        "services/orders/__pycache__/app.py",
        "engine/target/debug/build.rs",
        ".flowscan-cache/ab/cd.py",
    ):
        touch(root / clutter)
    (orders / "loop").symlink_to("..")  # services/orders/loop -> services
    (orders / "billing").symlink_to("../billing")  # a second way to reach billing
    (root / "services" / "app_alias.py").symlink_to("orders/app.py")
    (root / "docs").mkdir()
    (root / "docs" / "example.py").symlink_to("../examples/missing.py")  # dangling
    (root / "docs" / "diagrams").symlink_to("../nowhere")  # dangling, no source extension
    (root / "self").symlink_to("self")
    monkeypatch.chdir(root)
    return root


def shown(files: list[SourceFile]) -> list[tuple[str, str]]:
    return [(file.display_path, file.language) for file in files]


def test_walks_sorted_honouring_gitignores_and_skipping_clutter(repo: Path) -> None:
    files, skipped = discover([Path(".")], Config(), EXTENSIONS)
    assert shown(files) == [
        ("engine/src/lib.rs", "rust"),
        ("services/billing/main.go", "go"),
        ("services/billing/src/main/java/Invoice.java", "java"),
        ("services/local_settings.py", "python"),
        ("services/orders/app.py", "python"),
        ("services/orders/keep.generated.py", "python"),
        ("services/orders/repository.py", "python"),
        ("sql/schema.SQL", "sql"),
    ]
    assert skipped == [
        Skipped("docs/example.py", "does not exist"),
        Skipped("self", "symlink loop"),
        Skipped("services/orders/loop", "symlink loop"),
    ]


def test_source_files_carry_absolute_paths(repo: Path) -> None:
    files, _ = discover([Path("services/orders")], Config(), EXTENSIONS)
    assert files[0] == SourceFile(repo / "services" / "orders" / "app.py", "services/orders/app.py", "python")
    assert all(file.path.is_absolute() for file in files)


def test_a_subdirectory_scan_still_honours_the_repository_gitignore(repo: Path) -> None:
    files, skipped = discover([Path("services/orders")], Config(), EXTENSIONS)
    # `loop -> ..` leads back above the scan root: still a loop, though `services` was never walked.
    assert skipped == [Skipped("services/orders/loop", "symlink loop")]
    assert [file.display_path for file in files] == [
        "services/orders/app.py",
        "services/orders/keep.generated.py",
        "services/orders/repository.py",
        # reached through the `billing` symlink, since the real directory was not scanned
        "services/orders/billing/main.go",
        "services/orders/billing/src/main/java/Invoice.java",
    ]


def test_explicit_files_are_scanned_even_when_gitignored(repo: Path) -> None:
    files, skipped = discover(
        [Path("services/orders/models.generated.py"), Path("build/lib/etl.py"), Path("no/such/file.py")],
        Config(),
        EXTENSIONS,
    )
    assert shown(files) == [("services/orders/models.generated.py", "python"), ("build/lib/etl.py", "python")]
    assert skipped == [Skipped("no/such/file.py", "does not exist")]


def test_explicit_files_with_unknown_extensions_are_ignored_silently(repo: Path) -> None:
    assert discover([Path("README.md"), Path("Makefile")], Config(), EXTENSIONS) == ([], [])


def test_overlapping_roots_and_symlinks_yield_each_file_once(repo: Path) -> None:
    files, _ = discover([Path("services"), Path("."), Path("services/orders/app.py")], Config(), EXTENSIONS)
    names = [file.display_path for file in files]
    assert len(names) == len(set(names))
    assert names.count("services/orders/app.py") == 1
    # the real path wins over the alias, whatever the sort order
    assert "services/app_alias.py" not in names
    assert "services/orders/billing/main.go" not in names


def test_config_exclude_and_include_are_gitignore_style_from_the_config_directory(repo: Path) -> None:
    config = Config(
        include=("services/", "*.rs"), exclude=("billing/", "repository.py"), path=repo / "flowscan.toml"
    )
    files, _ = discover([Path(".")], config, EXTENSIONS)
    assert [file.display_path for file in files] == [
        "engine/src/lib.rs",
        "services/local_settings.py",
        "services/orders/app.py",
        "services/orders/keep.generated.py",
    ]


def test_config_exclude_applies_to_explicit_files_as_pre_commit_passes_them(repo: Path) -> None:
    config = Config(exclude=("services/orders/",), path=repo / "flowscan.toml")
    files, _ = discover([Path("services/orders/app.py"), Path("services/billing/main.go")], config, EXTENSIONS)
    assert [file.display_path for file in files] == ["services/billing/main.go"]


def test_patterns_are_relative_to_the_config_even_from_a_subdirectory(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "services")
    config = Config(exclude=("/services/orders/",), path=repo / "flowscan.toml")
    files, _ = discover([Path(".")], config, EXTENSIONS)
    assert [file.display_path for file in files] == [
        "billing/main.go",
        "billing/src/main/java/Invoice.java",
        "local_settings.py",
        # patterns match paths, as in git: a symlink elsewhere to an excluded file is scanned
        "app_alias.py",
    ]


def test_paths_outside_the_current_directory_are_shown_absolute(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    files, _ = discover([repo / "services" / "billing"], Config(), EXTENSIONS)
    assert [file.display_path for file in files] == [
        f"{repo.as_posix()}/services/billing/main.go",
        f"{repo.as_posix()}/services/billing/src/main/java/Invoice.java",
    ]


def test_scanning_a_tree_without_git_still_reads_its_gitignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / "job" / ".gitignore", "scratch_*.py\n")
    touch(tmp_path / "job" / "etl.py")
    touch(tmp_path / "job" / "scratch_1.py")
    monkeypatch.chdir(tmp_path)
    files, _ = discover([Path("job")], Config(), EXTENSIONS)
    assert [file.display_path for file in files] == ["job/etl.py"]


def test_a_malformed_gitignore_line_does_not_void_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / ".gitignore", "!\nscratch.py\n")
    touch(tmp_path / "scratch.py")
    touch(tmp_path / "etl.py")
    monkeypatch.chdir(tmp_path)
    files, _ = discover([Path(".")], Config(), EXTENSIONS)
    assert [file.display_path for file in files] == ["etl.py"]


def test_an_unreadable_directory_is_skipped_and_the_walk_goes_on(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where chmod 000 stops nothing: make scandir refuse instead.
    real_scandir = os.scandir
    forbidden = str(repo / "services" / "billing")

    def scandir(path: str) -> object:
        if os.fspath(path) == forbidden:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, skipped = discover([Path("services")], Config(), EXTENSIONS)
    assert Skipped("services/billing", "permission denied") in skipped
    assert "services/orders/app.py" in [file.display_path for file in files]


def test_a_fifo_with_a_source_extension_is_not_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "stream.py")
    monkeypatch.chdir(tmp_path)
    assert discover([Path(".")], Config(), EXTENSIONS) == ([], [Skipped("stream.py", "not a regular file")])


def test_display_path() -> None:
    assert display_path("/srv/app/src/etl.py", Path("/srv/app")) == "src/etl.py"
    assert display_path("/srv/app", Path("/srv/app")) == "."
    assert display_path("/srv/application/x.py", Path("/srv/app")) == "/srv/application/x.py"
    assert display_path("/srv/app/../lib/x.py", Path("/srv/app")) == "/srv/lib/x.py"


# --- reading ---------------------------------------------------------------------------


def source(path: Path) -> SourceFile:
    return SourceFile(path, path.name, "python")


def test_read_source_returns_the_bytes(tmp_path: Path) -> None:
    path = touch(tmp_path / "etl.py", "import pandas as pd\ndf = pd.read_csv('orders.csv')\n")
    assert read_source(source(path)) == path.read_bytes()


def test_a_nul_byte_early_on_means_binary(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert read_source(source(path)) == Skipped("model.py", "binary file")


def test_a_nul_byte_past_the_first_8_kib_is_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    data = b"x = 1\n" * 1500 + b"y = '\x00'\n"
    path.write_bytes(data)
    assert read_source(source(path)) == data


def test_files_over_the_limit_are_skipped_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "dump.py"
    path.write_bytes(b"#" * 101)
    assert read_source(source(path), max_bytes=100) == Skipped("dump.py", "larger than 100 bytes")
    path.write_bytes(b"#" * 100)
    assert read_source(source(path), max_bytes=100) == b"#" * 100


def test_the_default_limit_is_two_million_bytes(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.py"
    path.write_bytes(b"#" * 2_000_001)
    assert read_source(source(path)) == Skipped("fixtures.py", "larger than 2000000 bytes")


def test_invalid_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n")
    assert read_source(source(path)) == Skipped("legacy.py", "not valid UTF-8 (byte 0xe9 at line 2)")


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert read_source(source(path)) == b"\xef\xbb\xbfx = 1\n"


def test_unreadable_files_are_skipped_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A directory where a file was expected, a file gone since discovery, a dangling symlink.
    (tmp_path / "pkg.py").mkdir()
    assert read_source(source(tmp_path / "pkg.py")) == Skipped("pkg.py", "unreadable: is a directory")
    assert read_source(source(tmp_path / "gone.py")) == Skipped("gone.py", "does not exist")
    (tmp_path / "link.py").symlink_to(tmp_path / "target.py")
    assert read_source(source(tmp_path / "link.py")) == Skipped("link.py", "does not exist")
    (tmp_path / "loop.py").symlink_to("loop.py")
    assert read_source(source(tmp_path / "loop.py")) == Skipped("loop.py", "symlink loop")

    # Root reads anything, so refuse at open() to see the permission case.
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    path = touch(tmp_path / "secret.py", "x = 1\n")
    monkeypatch.setattr("flowscan.discovery.open", refuse, raising=False)
    assert read_source(source(path)) == Skipped("secret.py", "permission denied")

    def io_error(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("flowscan.discovery.open", io_error, raising=False)
    assert read_source(source(path)) == Skipped("secret.py", "unreadable: Input/output error")
