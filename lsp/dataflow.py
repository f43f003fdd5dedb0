"""The data-flow map in the editor: a request, a command, and code lenses.

- `flowscan/dataFlow` (request), params `{"uri": "file:///..."}` or `{}`: the map of that
  file (code units are its functions) or of the workspace (open documents as they are
  in the editor, other files as the background scan found them). Result:
  `{"json": <the map document of flowscan.output.graph, as `flowscan map` prints>,
  "mermaid": "flowchart LR ..."}`.
- `flowscan.dataFlow` (workspace/executeCommand), arguments `[{"uri": ...}]` or none: the
  same result, for clients that cannot send a custom request.
- A code lens above each function that reads or writes data ("2 sources → 1 sink"), whose
  command `flowscan.showDataFlow` (arguments `[{"uri", "function", "line"}]`) is the
  editor's: it shows the diagram, asking the server with `flowscan/dataFlow`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from flowscan.findings import Link, Placement
from flowscan.flowgraph import build_graph
from flowscan.lsp import flow, workspace
from flowscan.lsp.documents import FSR
from flowscan.output.graph import render_mermaid, to_map_document

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer

DATA_FLOW_REQUEST = "flowscan/dataFlow"
DATA_FLOW_COMMAND = "flowscan.dataFlow"
SHOW_COMMAND = "flowscan.showDataFlow"


def register(server: FlowscanServer) -> None:
    @server.feature(DATA_FLOW_REQUEST)
    async def data_flow(ls: FlowscanServer, params: Any) -> dict[str, Any]:
        return await data_flow_result(ls, _uri_of(params))

    # no annotations: pygls resolves a command's type hints at run time to structure its arguments
    @server.command(DATA_FLOW_COMMAND)
    async def data_flow_command(ls, *arguments):  # type: ignore[no-untyped-def]
        return await data_flow_result(ls, _uri_of(arguments[0] if arguments else None))

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: FlowscanServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        document = ls.documents.get(params.text_document.uri)
        if document is None or document.language == FSR:
            return None
        analysis = await ls.analysis(params.text_document.uri)
        if analysis is None:
            return None
        lenses = []
        for summary in flow.unit_summaries(analysis.placements):
            line = summary.unit.line - 1
            argument = {"uri": analysis.uri, "function": summary.unit.name, "line": line}
            lenses.append(
                types.CodeLens(
                    range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                    command=types.Command(title=flow.lens_title(summary), command=SHOW_COMMAND, arguments=[argument]),
                )
            )
        return lenses


def _uri_of(params: Any) -> str | None:
    """The `uri` of the params, if any: a dict (custom request), an attrs object, or nothing."""
    if params is None:
        return None
    uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
    if uri is not None and not isinstance(uri, str):
        raise TypeError(f"uri must be a string, not {type(uri).__name__}")
    return uri


async def data_flow_result(ls: FlowscanServer, uri: str | None) -> dict[str, Any]:
    placements, links = await (_file_flow(ls, uri) if uri else _workspace_flow(ls))
    graph = build_graph(tuple(placements), tuple(links))
    return {"json": to_map_document(graph), "mermaid": render_mermaid(graph)}


async def _file_flow(ls: FlowscanServer, uri: str) -> tuple[list[Placement], list[Link]]:
    if uri in ls.documents.uris():
        analysis = await ls.analysis(uri)
        return (list(analysis.placements), list(analysis.links)) if analysis is not None else ([], [])
    path = to_fs_path(uri)
    if not path:
        return [], []
    outcomes = await workspace.workspace_outcomes(ls)
    outcome = outcomes.get(Path(path))
    return (list(outcome.placements), list(outcome.links)) if outcome is not None else ([], [])


async def _workspace_flow(ls: FlowscanServer) -> tuple[list[Placement], list[Link]]:
    outcomes = await workspace.workspace_outcomes(ls)
    open_uris = set(ls.documents.uris())
    placements: list[Placement] = []
    links: list[Link] = []
    for path, outcome in outcomes.items():
        if (from_fs_path(str(path)) or "") not in open_uris:
            placements.extend(outcome.placements)
            links.extend(outcome.links)
    for uri in open_uris:
        document = ls.documents.get(uri)
        if document is None or document.language == FSR:
            continue
        analysis = await ls.analysis(uri)
        if analysis is not None:
            placements.extend(analysis.placements)
            links.extend(analysis.links)
    return placements, links
