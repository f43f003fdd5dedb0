"""The workspace: start-up, settings, rule and config changes, and the background scan.

On `initialize` the server reads its settings (initializationOptions) and loads the
rules; on `initialized` it scans the workspace in the background with the engine's
scanner, one file per job on the analysis thread (open documents go first), reporting
`$/progress` when the client supports it. Diagnostics for files that are not open are
published only when the client asks (`flowscan.diagnostics.workspace`). A change to a
rule file or a config file (`workspace/didChangeWatchedFiles`, or saving it in the
editor) reloads the rules without a restart and analyses open documents again.
After each scan the workspace's catalog (flowscan.catalog: migrations, models, specs,
data files) is built too, so hovers can say what a dataset holds; saving a file the
catalog reads builds it again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import define, field
from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from flowscan.catalog.build import build_catalog
from flowscan.catalog.files import CatalogFile, catalog_file
from flowscan.catalog.join import CatalogIndex
from flowscan.catalog.readers import readers
from flowscan.config import CONFIG_FILE, PYPROJECT_FILE
from flowscan.discovery import SourceFile, discover, display_path, read_source
from flowscan.languages import by_extension
from flowscan.lsp.convert import diagnostics_json
from flowscan.lsp.positions import LineIndex
from flowscan.lsp.settings import SECTION, parse_settings
from flowscan.lsp.worker import BACKGROUND, REQUEST
from flowscan.scanner import FileOutcome, scan_file

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer

#: what is watched: rule files and the two files a config can live in
WATCHED = ("**/*.fsr", f"**/{CONFIG_FILE}", f"**/{PYPROJECT_FILE}")
PROGRESS_TITLE = "flowscan: scanning the workspace"
# at most one progress report this often (and one per file when files are few)
_REPORT_EVERY = 0.2


@define
class WorkspaceIndex:
    """What the background scan found, file by file (the analyses of open documents override it)."""

    outcomes: dict[Path, FileOutcome] = field(factory=dict)
    #: files whose diagnostics were published from the scan
    published: set[str] = field(factory=set)
    generation: int = -1
    #: a scan was asked for (it starts, or starts again, when the rules are loaded)
    wanted: bool = False
    running: bool = False
    done: asyncio.Event | None = None
    files: int = 0
    scanned: int = 0
    #: what the workspace's migrations, models, specs and data files say its datasets are
    catalog: CatalogIndex | None = None


def register(server: FlowscanServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: FlowscanServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        ls.root = _root(params)
        ls.settings, problems = parse_settings(params.initialization_options)
        for problem in problems:
            ls.log(f"flowscan: {problem}", types.MessageType.Warning)
        ls.reload_rules()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: FlowscanServer, params: types.InitializedParams) -> None:
        await _watch_files(ls)
        if ls.settings.workspace_scan or ls.settings.workspace_diagnostics:
            start_scan(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: FlowscanServer, params: types.DidChangeConfigurationParams) -> None:
        raw = params.settings
        if not (isinstance(raw, dict) and isinstance(raw.get(SECTION), dict)) and _can_pull(ls):
            # the pull model: the notification only says that something changed
            pulled = await ls.workspace_configuration_async(
                types.ConfigurationParams([types.ConfigurationItem(section=SECTION)])
            )
            raw = pulled[0] if pulled else None
        apply_settings(ls, raw)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: FlowscanServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [Path(to_fs_path(change.uri) or change.uri) for change in params.changes]
        if any(_reloads_rules(ls, path) for path in paths):
            ls.reload_rules()
            return
        if ls.settings.workspace_diagnostics:
            for change, path in zip(params.changes, paths):
                if by_extension().get(path.suffix) and change.uri not in ls.documents.uris():
                    rescan_file(ls, path, deleted=change.type == types.FileChangeType.Deleted)


def apply_settings(ls: FlowscanServer, raw: Any) -> None:
    before = ls.settings
    ls.settings, problems = parse_settings(raw, before)
    for problem in problems:
        ls.log(f"flowscan: {problem}", types.MessageType.Warning)
    if ls.settings.rules_differ(before):
        ls.reload_rules()
    else:
        # the minimum severity may have changed: what was found is shown again, not searched again
        for analysis in list(ls.analyses.values()):
            ls.publish(analysis)
        if ls.settings.workspace_diagnostics and not before.workspace_diagnostics:
            start_scan(ls)
        elif before.workspace_diagnostics and not ls.settings.workspace_diagnostics:
            clear_published(ls)


def _root(params: types.InitializeParams) -> Path | None:
    uri = params.workspace_folders[0].uri if params.workspace_folders else params.root_uri
    if uri:
        path = to_fs_path(uri)
        return Path(path) if path else None
    return Path(params.root_path) if params.root_path else None


def _can_pull(ls: FlowscanServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


def _reloads_rules(ls: FlowscanServer, path: Path) -> bool:
    if path.name in (CONFIG_FILE, PYPROJECT_FILE):
        return True
    if path.suffix != ".fsr":
        return False
    rules = ls.rules
    # a rule file the rules came from, or a new one under a configured rule folder
    return rules is None or rules.is_rule_file(path) or _under_rule_paths(ls, path)


def _under_rule_paths(ls: FlowscanServer, path: Path) -> bool:
    folders = [*(ls.rules.config.rule_paths if ls.rules else ()), *ls.settings.rules]
    resolved = path.resolve()
    for folder in folders:
        base = Path(folder) if Path(folder).is_absolute() or ls.root is None else ls.root / folder
        if resolved.is_relative_to(base.resolve()):
            return True
    return False


def reloads_on_save(ls: FlowscanServer, path: Path) -> bool:
    """Saving a rule or config file in the editor reloads, for clients that do not watch files."""
    return _reloads_rules(ls, path)


async def _watch_files(ls: FlowscanServer) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
    )
    registration = types.Registration(
        id=str(uuid.uuid4()), method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams([registration]))
    except Exception as error:  # a client may refuse: saving in the editor still reloads
        ls.log(f"flowscan: cannot watch rule and config files: {error}", types.MessageType.Warning)


# --- the background scan ------------------------------------------------------------------


def rules_changed(ls: FlowscanServer) -> None:
    """New rules: what the scan found is out of date."""
    if ls.index.wanted:
        start_scan(ls)


def start_scan(ls: FlowscanServer) -> asyncio.Event:
    """Scan the workspace again (a scan under way for older rules stops at its next file)."""
    index = ls.index
    index.wanted = True
    if index.done is None or index.done.is_set():
        index.done = asyncio.Event()
    if ls.root is None or ls.rules is None:
        if ls.root is None:
            index.done.set()
        return index.done  # the rules are loading: rules_changed starts the scan
    generation = ls.rules.generation
    if index.running and index.generation == generation:
        return index.done
    index.generation, index.running = generation, True
    asyncio.ensure_future(_scan(ls, generation, index.done))
    return index.done


async def workspace_outcomes(ls: FlowscanServer) -> dict[Path, FileOutcome]:
    """What the scan found, once it is done (scanning first if it never ran)."""
    index = ls.index
    if ls.root is not None and (index.generation < 0 or index.running or index.done is None):
        done = index.done if index.running and index.done is not None else start_scan(ls)
        await done.wait()
    return index.outcomes


async def _scan(ls: FlowscanServer, generation: int, done: asyncio.Event) -> None:
    rules, root, index = ls.rules, ls.root, ls.index
    assert rules is not None and root is not None
    token = await _begin_progress(ls)
    try:
        languages = rules.ruleset.languages()
        extensions = {ext: lang for ext, lang in by_extension().items() if lang in languages}
        found = await asyncio.wrap_future(ls.worker.submit(lambda: discover([root], rules.config, extensions)[0], REQUEST))
        files = [SourceFile(f.path, display_path(f.path, root), f.language) for f in found]
        index.files, index.scanned = len(files), 0
        outcomes: dict[Path, FileOutcome] = {}
        last_report = 0.0
        for file in files:
            if ls.index.generation != generation or _cancelled(ls, token):
                return
            outcome = await asyncio.wrap_future(ls.worker.submit(lambda f=file: _scan_one(f, rules), BACKGROUND))
            outcomes[file.path] = outcome[0]
            index.scanned += 1
            if ls.settings.workspace_diagnostics:
                _publish_file(ls, file.path, *outcome)
            now = time.monotonic()
            if token is not None and (now - last_report >= _REPORT_EVERY or index.scanned == len(files)):
                last_report = now
                percentage = 100 * index.scanned // max(len(files), 1)
                ls.work_done_progress.report(
                    token,
                    types.WorkDoneProgressReport(message=f"{index.scanned}/{len(files)} files", percentage=percentage),
                )
        if ls.index.generation == generation:
            index.outcomes = outcomes
            _clear_vanished(ls, outcomes)
            await _build_catalog(ls)
    except Exception as error:
        ls.report_server_error(error, None)  # type: ignore[arg-type]
    finally:
        if ls.index.generation == generation:
            index.running = False
            done.set()
        if token is not None:
            found_count = sum(len(o.findings) for o in index.outcomes.values())
            ls.work_done_progress.end(
                token, types.WorkDoneProgressEnd(message=f"{index.scanned} files, {found_count} findings")
            )


async def _build_catalog(ls: FlowscanServer) -> None:
    rules, root = ls.rules, ls.root
    if rules is None or root is None:
        return
    catalog = await asyncio.wrap_future(ls.worker.submit(lambda: build_catalog([root], rules.config, relative_to=root), BACKGROUND))
    ls.index.catalog = CatalogIndex(catalog)


def rebuild_catalog_on_save(ls: FlowscanServer, path: Path) -> None:
    """A saved migration, model, spec or data file: the catalog is built again in the background."""
    if ls.index.catalog is None or ls.root is None:
        return
    file = catalog_file(path, display_path(path, ls.root))
    if isinstance(file, CatalogFile) and any(reader.claims(file) for reader in readers()):
        asyncio.ensure_future(_build_catalog(ls))


def _scan_one(file: SourceFile, rules: Any) -> tuple[FileOutcome, LineIndex | None]:
    """On the analysis thread: the engine's scan of one file, and its line index when the
    file has findings to publish."""
    outcome = scan_file(file, rules.ruleset, rules.config.max_file_size, link=True)
    lines = None
    if outcome.findings:
        source = read_source(file, rules.config.max_file_size)
        if isinstance(source, bytes):
            lines = LineIndex(source)
    return outcome, lines


async def _begin_progress(ls: FlowscanServer) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"flowscan-scan-{uuid.uuid4()}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as error:
        ls.log(f"flowscan: no progress reporting: {error}", types.MessageType.Warning)
        return None
    ls.work_done_progress.begin(
        token, types.WorkDoneProgressBegin(title=PROGRESS_TITLE, cancellable=True, percentage=0)
    )
    return token


def _cancelled(ls: FlowscanServer, token: str | None) -> bool:
    future = ls.work_done_progress.tokens.get(token) if token is not None else None
    return bool(future is not None and future.cancelled())


def rescan_file(ls: FlowscanServer, path: Path, deleted: bool = False) -> None:
    """A file that is not open changed on disk (or was closed): scan it again for its diagnostics."""
    rules, root = ls.rules, ls.root
    if rules is None or root is None:
        return
    if deleted or not path.is_file():
        ls.index.outcomes.pop(path, None)
        uri = from_fs_path(str(path)) or path.as_uri()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
        return
    language = by_extension().get(path.suffix)
    if language is None:
        return
    file = SourceFile(path, display_path(path, root), language)
    future = ls.worker.submit(lambda: _scan_one(file, rules), BACKGROUND)

    def done(result: Any) -> None:
        if result.exception() is None and ls.rules is rules:
            outcome, lines = result.result()
            ls.index.outcomes[path] = outcome
            if ls.settings.workspace_diagnostics:
                _publish_file(ls, path, outcome, lines)

    future.add_done_callback(lambda result: ls.call_soon(done, result))


def _publish_file(ls: FlowscanServer, path: Path, outcome: FileOutcome, lines: LineIndex | None) -> None:
    uri = from_fs_path(str(path)) or path.as_uri()
    if uri in ls.documents.uris():
        return  # an open document's own analysis is what counts
    if not outcome.findings and uri not in ls.index.published:
        return
    diagnostics = diagnostics_json(ls, outcome.findings, lines or LineIndex(b""))
    ls.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, {"uri": uri, "diagnostics": diagnostics})  # type: ignore[attr-defined]
    ls.index.published.add(uri)


def _clear_vanished(ls: FlowscanServer, outcomes: dict[Path, FileOutcome]) -> None:
    current = {from_fs_path(str(path)) for path, outcome in outcomes.items() if outcome.findings}
    for uri in list(ls.index.published):
        if uri not in current and uri not in ls.documents.uris():
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
            ls.index.published.discard(uri)


def clear_published(ls: FlowscanServer) -> None:
    for uri in list(ls.index.published):
        if uri not in ls.documents.uris():
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
    ls.index.published.clear()


def closed(ls: FlowscanServer, uri: str) -> None:
    """A document was closed: its diagnostics go, or come from disk again when the workspace's are shown."""
    path = to_fs_path(uri)
    if ls.settings.workspace_diagnostics and path and ls.root is not None and by_extension().get(Path(path).suffix):
        rescan_file(ls, Path(path))
    else:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
