"""Code actions, from the rules: each finding offers the templates its rule names
(`fix retry validate scaffold`) where they apply, and always an inline suppression.

Edits come from `flowscan.fixes` (computed from the finding's span in the tree of the
analysed version, which the request waits for) and the scaffold from
`flowscan.scaffold`: a new file, created through a `WorkspaceEdit` with `CreateFile`
that never overwrites (the name is free when offered; `overwrite` and `ignoreIfExists`
are both false, so a file that appears in between makes the client refuse the edit).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from flowscan.findings import Finding
from flowscan.fixes import Edit, Fix, fixes_for
from flowscan.lsp.analysis import Analysis
from flowscan.lsp.convert import SOURCE, diagnostic_json, to_diagnostic
from flowscan.scaffold import TARGETS, scaffold_pipeline

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer

KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor]
_TARGET_TITLES = {"prefect": "a Prefect flow", "airflow": "an Airflow DAG"}


def register(server: FlowscanServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=KINDS))
    async def code_action(ls: FlowscanServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        analysis = await ls.analysis(params.text_document.uri)
        if analysis is None or analysis.tree is None:
            return None
        actions: list[types.CodeAction] = []
        for finding, diagnostic in _findings_at(ls, analysis, params):
            actions.extend(actions_for(ls, analysis, finding, diagnostic))
        only = [_kind(kind) for kind in params.context.only or ()]
        if only:
            # `refactor` asks for `refactor.rewrite` too: kinds are dotted hierarchies
            actions = [a for a in actions if any(_kind(a.kind) == k or _kind(a.kind).startswith(k + ".") for k in only)]
        return actions


def _kind(kind: object) -> str:
    return str(getattr(kind, "value", kind))


def _findings_at(
    ls: FlowscanServer, analysis: Analysis, params: types.CodeActionParams
) -> list[tuple[Finding, types.Diagnostic]]:
    """Findings whose range meets the request's; the client's own diagnostic for each when it sent it."""
    sent = {
        (str(d.code), d.range.start.line, d.range.start.character): d
        for d in params.context.diagnostics
        if d.source == SOURCE
    }
    found = []
    for finding in analysis.findings:
        span = analysis.lines.finding_range(finding.start, finding.end)
        diagnostic = sent.get((finding.rule_id, span.start.line, span.start.character))
        if diagnostic is not None or _on_lines(span, params.range):
            found.append((finding, diagnostic or to_diagnostic(ls, diagnostic_json(ls, finding, analysis.lines))))
    return found


def _on_lines(span: types.Range, wanted: types.Range) -> bool:
    """Whether a finding is on the lines of the request (a cursor asks for its whole line)."""
    return span.start.line <= wanted.end.line and wanted.start.line <= span.end.line


def actions_for(
    ls: FlowscanServer, analysis: Analysis, finding: Finding, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    assert analysis.tree is not None
    rule = ls.rules.rule(finding.rule_id) if ls.rules is not None else None
    templates = rule.fixes if rule is not None else ()
    placement = analysis.placement(finding)
    guards = placement.guards if placement is not None else ()
    actions = [
        types.CodeAction(
            title=fix.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=_edit(ls, analysis, fix.edits),
            data={"template": fix.template, "applicability": fix.applicability.value, "rule": finding.rule_id},
        )
        for fix in _fixes(finding, analysis, templates, guards)
    ]
    if "scaffold" in templates and _can_create_files(ls):
        preferred = ls.settings.scaffold_target
        for target in sorted(TARGETS, key=lambda t: t != preferred):
            actions.append(scaffold_action(ls, analysis, finding, diagnostic, target))
    return actions


def _fixes(finding: Finding, analysis: Analysis, templates: Sequence[str], guards: Sequence) -> list[Fix]:
    assert analysis.tree is not None
    return fixes_for(finding, analysis.source, analysis.tree, templates, guards)


def _edit(ls: FlowscanServer, analysis: Analysis, edits: Sequence[Edit]) -> types.WorkspaceEdit:
    text_edits = [types.TextEdit(analysis.lines.range(e.start, e.end), e.text) for e in edits]
    if _supports_document_changes(ls):
        document = types.OptionalVersionedTextDocumentIdentifier(uri=analysis.uri, version=analysis.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(document, text_edits)])
    return types.WorkspaceEdit(changes={analysis.uri: text_edits})


def _supports_document_changes(ls: FlowscanServer) -> bool:
    workspace = ls.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def _can_create_files(ls: FlowscanServer) -> bool:
    workspace = ls.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    # a resource operation only exists inside documentChanges: a client that lists `create`
    # takes them (Neovim lists resourceOperations and not documentChanges, and applies both)
    return bool(edit and edit.resource_operations and types.ResourceOperationKind.Create in edit.resource_operations)


# --- scaffold -------------------------------------------------------------------------------


def scaffold_action(
    ls: FlowscanServer, analysis: Analysis, finding: Finding, diagnostic: types.Diagnostic, target: str
) -> types.CodeAction:
    findings, name = flow_of(analysis, finding)
    path = free_path(_scaffold_dir(ls, analysis), f"{name}_{target}")
    text = scaffold_pipeline(findings, target, name=name)
    uri = from_fs_path(str(path)) or path.as_uri()
    edit = types.WorkspaceEdit(
        document_changes=[
            types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False)),
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                [types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), text)],
            ),
        ]
    )
    where = _display(path, ls.root)
    return types.CodeAction(
        title=f"Scaffold {_TARGET_TITLES[target]} from this {finding.role or 'flow'} ({where})",
        kind=types.CodeActionKind.Refactor,
        diagnostics=[diagnostic],
        edit=edit,
        data={"template": "scaffold", "target": target, "path": str(path), "rule": finding.rule_id},
    )


def flow_of(analysis: Analysis, finding: Finding) -> tuple[list[Finding], str]:
    """The findings of the flow a scaffold is made from: the finding's function, else its file."""
    stem = Path(analysis.path).stem or "pipeline"
    placement = analysis.placement(finding)
    if placement is not None and placement.unit.kind == "function":
        unit = placement.unit
        findings = [p.finding for p in analysis.placements if p.unit == unit]
        return findings, f"{stem}_{unit.name.rsplit('.', 1)[-1]}"
    return list(analysis.findings), stem


def _scaffold_dir(ls: FlowscanServer, analysis: Analysis) -> Path:
    document = ls.documents.get(analysis.uri)
    base = ls.root or (document.path.parent if document is not None and document.path is not None else Path.cwd())
    return base / ls.settings.scaffold_directory


def free_path(directory: Path, stem: str) -> Path:
    """`directory/stem.py`, or `stem_2.py`, `stem_3.py`... : the first name no file has."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem).strip("_") or "pipeline"
    candidate, n = directory / f"{safe}.py", 2
    while candidate.exists():
        candidate, n = directory / f"{safe}_{n}.py", n + 1
    return candidate


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()
