"""Which files a scan reads: walking directories, .gitignore, include/exclude, reading bytes.

Nothing here raises on a bad file system: paths that cannot be walked or read come back
as `Skipped` values with a reason the user can act on, so one broken symlink never
ends a scan of ten thousand files.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pathspec
from attrs import field, frozen

from flowscan.config import DEFAULT_MAX_FILE_SIZE, Config
from flowscan.findings import Skipped

# Directories no one wants scanned: VCS metadata, virtualenvs, vendored JS, bytecode,
# Rust/Maven build output and our own cache. Skipped by name at any depth when walking.
ALWAYS_SKIPPED_DIRS = frozenset(
    {".git", ".venv", "node_modules", "__pycache__", "target", ".flowscan-cache"}
)

# Git's own heuristic for "binary": a NUL byte in the first 8000-odd bytes.
BINARY_SNIFF_BYTES = 8192

SYMLINK_LOOP = "symlink loop"
PERMISSION_DENIED = "permission denied"
DOES_NOT_EXIST = "does not exist"
NOT_A_REGULAR_FILE = "not a regular file"
BINARY_FILE = "binary file"


@frozen
class SourceFile:
    """A file to scan. `path` is absolute (symlinks kept as named); `display_path` is
    what outputs show: relative to the current directory when under it, `/`-separated."""

    path: Path
    display_path: str
    language: str
    #: bytes, as the walk saw it (0 when not known): the scanner starts with the largest files
    size: int = field(default=0, eq=False)


def display_path(path: Path | str, cwd: Path | None = None) -> str:
    """`path` relative to `cwd` (default: the current directory) when under it, else absolute; `/` separators."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(cwd if cwd is not None else os.getcwd())
    if absolute == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if absolute.startswith(prefix):
        return Path(absolute[len(prefix):]).as_posix()
    return Path(absolute).as_posix()


def discover(
    paths: list[Path], config: Config, extensions: Mapping[str, str] | Callable[[str], str | None]
) -> tuple[list[SourceFile], list[Skipped]]:
    """The files under `paths` to scan, in a deterministic order, and the paths that could not be walked.

    Directories are walked in sorted order, honouring .gitignore files (those of the
    repository above the scan root too) and skipping ALWAYS_SKIPPED_DIRS. Files named
    explicitly are scanned even when gitignored, but the config's include/exclude apply
    to every file, so a pre-commit hook (which names files) respects `exclude`.
    Files whose extension is not in `extensions` are ignored without a word; `extensions`
    may also be a function of the file name (the catalog reads `.env` and `Dockerfile`).
    """
    walker = _Walker(config, extensions)
    for path in paths:
        walker.add(Path(path))
    walker.finish()
    # Files keep walk order (what a user reading `ls -R` expects); skipped paths are
    # sorted, since symlinks are only looked at after the real paths.
    return walker.files, sorted(walker.skipped, key=lambda skipped: skipped.path)


def read_source(file: SourceFile, max_bytes: int = DEFAULT_MAX_FILE_SIZE) -> bytes | Skipped:
    """The bytes of `file`, or why they cannot be scanned. Never raises.

    The checks run cheapest first: size from fstat before reading, the NUL test on the
    first 8 KiB before decoding the whole file.
    """
    try:
        with open(file.path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                return Skipped(file.display_path, f"larger than {max_bytes} bytes")
            # Read one byte past the limit: a file can grow between fstat and read.
            data = handle.read(max_bytes + 1)
    except OSError as error:
        return Skipped(file.display_path, _os_error_reason(error))
    if len(data) > max_bytes:
        return Skipped(file.display_path, f"larger than {max_bytes} bytes")
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return Skipped(file.display_path, BINARY_FILE)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return Skipped(
            file.display_path, f"not valid UTF-8 (byte 0x{data[error.start]:02x} at line {line})"
        )
    return data


def _os_error_reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return PERMISSION_DENIED
    if isinstance(error, FileNotFoundError):
        return DOES_NOT_EXIST
    if error.errno == errno.ELOOP:
        return SYMLINK_LOOP
    if isinstance(error, IsADirectoryError):
        return "unreadable: is a directory"
    return f"unreadable: {error.strerror or error}"


# --- walking -----------------------------------------------------------------------


class _IgnoreRules:
    """The .gitignore files in force in one directory: (depth of its directory, spec) pairs.

    Depth counts path components from the top of `parts`, so a pattern is matched
    against the path relative to the directory of the .gitignore that holds it,
    as git does. Deeper files come later and win, negations included.
    """

    def __init__(self, layers: tuple[tuple[int, pathspec.GitIgnoreSpec], ...] = ()) -> None:
        self.layers = layers

    def with_directory(self, directory: str, depth: int) -> _IgnoreRules:
        spec = _read_gitignore(os.path.join(directory, ".gitignore"))
        return _IgnoreRules((*self.layers, (depth, spec))) if spec is not None else self

    def ignores(self, parts: tuple[str, ...], is_dir: bool) -> bool:
        ignored = False
        for depth, spec in self.layers:
            relative = "/".join(parts[depth:]) + ("/" if is_dir else "")
            verdict = spec.check_file(relative).include
            if verdict is not None:
                ignored = verdict
        return ignored


def _read_gitignore(path: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        # No .gitignore (the common case), or one we may not read: git would not
        # honour an unreadable one either.
        return None
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:
        # One malformed line (a lone "!") must not void the whole file, as in git.
        spec = pathspec.GitIgnoreSpec.from_lines(_valid_patterns(lines))
    return spec if spec.patterns else None


def _valid_patterns(lines: Iterable[str]) -> list[str]:
    valid = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except Exception:
            continue
        valid.append(line)
    return valid


class _Filters:
    """The config's include/exclude globs, gitignore-style, relative to the config's directory."""

    def __init__(self, config: Config) -> None:
        self.base = os.path.abspath(config.base_dir)
        self.include = pathspec.GitIgnoreSpec.from_lines(config.include) if config.include else None
        self.exclude = pathspec.GitIgnoreSpec.from_lines(config.exclude) if config.exclude else None

    def excludes_dir(self, absolute: str) -> bool:
        return self.exclude is not None and self.exclude.match_file(self._relative(absolute) + "/")

    def excludes_path(self, absolute: str) -> bool:
        return self.exclude is not None and self.exclude.match_file(self._relative(absolute))

    def admits_file(self, absolute: str) -> bool:
        relative = self._relative(absolute)
        if self.exclude is not None and self.exclude.match_file(relative):
            return False
        return self.include is None or self.include.match_file(relative)

    def _relative(self, absolute: str) -> str:
        # Outside the base, match on the absolute path minus its leading slash, so
        # unanchored patterns such as `*_pb2.py` still apply.
        prefix = self.base.rstrip(os.sep) + os.sep
        if absolute.startswith(prefix):
            return Path(absolute[len(prefix):]).as_posix()
        return Path(absolute).as_posix().lstrip("/")


@frozen
class _Place:
    """Where the walk is: the display path, and the path components below the top
    directory whose .gitignore files are in force (the repository root, or the scan root)."""

    shown: str
    parts: tuple[str, ...]

    def child(self, name: str) -> _Place:
        return _Place(f"{self.shown}/{name}" if self.shown else name, (*self.parts, name))


class _Walker:
    def __init__(self, config: Config, extensions: Mapping[str, str] | Callable[[str], str | None]) -> None:
        self.classify = extensions if callable(extensions) else None
        self.extensions = {} if callable(extensions) else extensions
        self.filters = _Filters(config)
        self.cwd = os.getcwd()
        self.files: list[SourceFile] = []
        self.skipped: list[Skipped] = []
        # (st_dev, st_ino) of every file and directory taken: overlapping roots
        # (`flowscan scan . src`) and symlinks to walked places yield nothing twice.
        self.seen_files: set[tuple[int, int]] = set()
        self.seen_dirs: set[tuple[int, int]] = set()
        self.deferred: list[
            tuple[str, _Place, _IgnoreRules, tuple[tuple[int, int], ...], os.stat_result]
        ] = []

    def language_of(self, name: str) -> str | None:
        if self.classify is not None:
            return self.classify(name)
        suffix = os.path.splitext(name)[1]
        if not suffix:
            return None
        return self.extensions.get(suffix) or self.extensions.get(suffix.lower())

    def add(self, path: Path) -> None:
        absolute = os.path.abspath(path)
        shown = display_path(absolute, Path(self.cwd))
        try:
            info = os.stat(absolute)
        except OSError as error:
            self.skipped.append(Skipped(shown, _os_error_reason(error)))
            return
        if stat.S_ISDIR(info.st_mode):
            self.walk_root(absolute, shown, info)
        elif self.language_of(os.path.basename(absolute)) is not None:
            # Named on the command line (or by pre-commit): no .gitignore test.
            self.take_file(absolute, shown, info)

    def take_file(self, absolute: str, shown: str, info: os.stat_result) -> None:
        if not self.filters.admits_file(absolute):
            return
        if not stat.S_ISREG(info.st_mode):
            # A FIFO named `x.py` would block the scan forever on open().
            self.skipped.append(Skipped(shown, NOT_A_REGULAR_FILE))
            return
        identity = (info.st_dev, info.st_ino)
        if identity in self.seen_files:
            return
        self.seen_files.add(identity)
        language = self.language_of(os.path.basename(absolute))
        assert language is not None, "callers test the extension first"
        self.files.append(SourceFile(Path(absolute), shown, language, info.st_size))

    def walk_root(self, absolute: str, shown: str, info: os.stat_result) -> None:
        # .gitignore files between the repository root and the scan root apply too:
        # `flowscan scan src` must not find what `flowscan scan .` would ignore.
        top = _repository_root(absolute) or absolute
        parts = () if top == absolute else Path(os.path.relpath(absolute, top)).parts
        rules = _IgnoreRules()
        directory = top
        for depth, name in enumerate(parts):
            rules = rules.with_directory(directory, depth)
            directory = os.path.join(directory, name)
        place = _Place("" if shown == "." else shown, tuple(parts))
        self.walk(absolute, place, rules, info, ancestors=())

    def walk(
        self,
        directory: str,
        place: _Place,
        rules: _IgnoreRules,
        info: os.stat_result,
        ancestors: tuple[tuple[int, int], ...],
    ) -> None:
        identity = (info.st_dev, info.st_ino)
        if identity in self.seen_dirs:
            return
        self.seen_dirs.add(identity)
        ancestors = (*ancestors, identity)
        rules = rules.with_directory(directory, len(place.parts))
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            self.skipped.append(Skipped(place.shown or ".", _os_error_reason(error)))
            return
        for entry in entries:
            self.visit(entry, place, rules, ancestors)

    def visit(
        self,
        entry: os.DirEntry[str],
        parent: _Place,
        rules: _IgnoreRules,
        ancestors: tuple[tuple[int, int], ...],
    ) -> None:
        if entry.name in ALWAYS_SKIPPED_DIRS:
            return
        place = parent.child(entry.name)
        if entry.is_symlink():
            target = self.follow(entry.path, place, rules)
            if target is not None:
                # Symlinks wait until every real path has been walked, so a file reached
                # both ways is shown under its real name, whatever the sort order says.
                self.deferred.append((entry.path, place, rules, ancestors, target))
            return
        # d_type says file or directory without a syscall, and most files are dropped
        # by their extension before anything is stat'ed.
        if entry.is_dir(follow_symlinks=False):
            self.enter(entry.path, place, rules, ancestors, None)
        elif self.language_of(entry.name) is not None and not rules.ignores(place.parts, is_dir=False):
            target = self.follow(entry.path, place, rules)
            if target is not None:
                self.take_file(entry.path, place.shown, target)

    def finish(self) -> None:
        while self.deferred:
            path, place, rules, ancestors, target = self.deferred.pop(0)
            if stat.S_ISDIR(target.st_mode):
                self.enter(path, place, rules, ancestors, target)
            elif self.language_of(place.parts[-1]) is not None and not rules.ignores(place.parts, is_dir=False):
                self.take_file(path, place.shown, target)

    def enter(
        self,
        path: str,
        place: _Place,
        rules: _IgnoreRules,
        ancestors: tuple[tuple[int, int], ...],
        target: os.stat_result | None,
    ) -> None:
        if rules.ignores(place.parts, is_dir=True) or self.filters.excludes_dir(path):
            return
        target = target or self.follow(path, place, rules)
        if target is None:
            return
        if (target.st_dev, target.st_ino) in ancestors or _points_above_itself(path):
            self.skipped.append(Skipped(place.shown, SYMLINK_LOOP))
            return
        self.walk(path, place, rules, target, ancestors)

    def follow(self, path: str, place: _Place, rules: _IgnoreRules) -> os.stat_result | None:
        """The stat of what `path` names, symlinks followed; None (and maybe a Skipped) when it cannot be had."""
        try:
            return os.stat(path)
        except OSError as error:
            reason = _os_error_reason(error)
        # A broken symlink to `x.py` is worth a word; one to anything else is not ours.
        # A loop or a denied target could be a directory of sources, so always say so,
        # unless the user has said the path does not interest them.
        if reason == DOES_NOT_EXIST and self.language_of(place.parts[-1]) is None:
            return None
        if rules.ignores(place.parts, is_dir=False) or self.filters.excludes_path(path):
            return None
        self.skipped.append(Skipped(place.shown, reason))
        return None


def _points_above_itself(path: str) -> bool:
    """Whether symlink `path` names a directory that contains the link (`loop -> ..`).

    Walking one only leads back to where we are: a loop, even when the scan started
    below the target and so never walked it.
    """
    if not os.path.islink(path):
        return False
    target = os.path.realpath(path)
    home = os.path.realpath(os.path.dirname(path))
    return home == target or home.startswith(target.rstrip(os.sep) + os.sep)


def _repository_root(directory: str) -> str | None:
    """The nearest directory at or above `directory` holding `.git` (a dir, or a file in worktrees)."""
    current = directory
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
