"""The data-flow map: the `flowscan/dataFlow` request, its command, and code lenses."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsphelpers import diagnostics_for, open_document, start
from lsprotocol import types
from pytest_lsp import LanguageClient

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


def as_dict(value: object) -> object:
    """pygls hands custom results over as objects with attributes: back to plain JSON values."""
    if hasattr(value, "_asdict"):
        return {key: as_dict(item) for key, item in value._asdict().items()}  # type: ignore[attr-defined]
    if isinstance(value, (list, tuple)):
        return [as_dict(item) for item in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {key: as_dict(item) for key, item in vars(value).items()}
    if isinstance(value, dict):
        return {key: as_dict(item) for key, item in value.items()}
    return value


async def data_flow(client: LanguageClient, params: dict) -> dict:
    return as_dict(await client.protocol.send_request_async("flowscan/dataFlow", params))  # type: ignore[return-value]


async def test_the_data_flow_of_a_file(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "etl.py")
    result = await data_flow(client, {"uri": uri})
    graph = result["json"]
    assert graph["version"] == 1
    nodes = {node["id"]: node for node in graph["nodes"]}
    assert nodes["code:etl.py#export_orders"] == {
        "id": "code:etl.py#export_orders", "type": "code", "name": "export_orders", "kind": "function",
        "path": "etl.py", "line": 6,
    }  # fmt: skip
    assert nodes["file:data/orders.csv"]["type"] == "dataset"
    edges = {(e["source"], e["target"], e["access"]) for e in graph["edges"]}
    assert ("file:data/orders.csv", "code:etl.py#export_orders", "read") in edges
    assert ("code:etl.py#export_orders", "file:out/orders.parquet", "write") in edges
    assert ("code:etl.py#store", "table:sales", "write") in edges
    mermaid = result["mermaid"]
    assert mermaid.startswith("flowchart LR\n")
    assert '[("data/orders.csv")]' in mermaid and "-->|read|" in mermaid and "-->|write|" in mermaid


async def test_the_data_flow_of_the_workspace_joins_files(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, workspaceScan=True)
    # report.py's read of out/orders.csv and a new writer of it meet in one dataset node
    (project / "export.py").write_text(
        "import pandas as pd\n\ndef export(frame):\n    frame.to_parquet('out/orders.csv')\n"
    )
    uri = open_document(bare, project / "export.py")
    await diagnostics_for(bare, uri, 1)
    graph = (await data_flow(bare, {}))["json"]
    edges = {(e["source"], e["target"], e["access"]) for e in graph["edges"]}
    assert ("code:export.py#export", "file:out/orders.csv", "write") in edges  # the open document
    assert ("file:out/orders.csv", "code:report.py#weekly", "read") in edges  # from the scan
    assert ("file:data/orders.csv", "code:etl.py#export_orders", "read") in edges
    # the same through workspace/executeCommand, for clients without custom requests
    by_command = as_dict(
        await bare.workspace_execute_command_async(types.ExecuteCommandParams("flowscan.dataFlow", [{"uri": uri}]))
    )
    assert [n["id"] for n in by_command["json"]["nodes"]] == ["code:export.py#export", "file:out/orders.csv"]  # type: ignore[index]


async def test_code_lenses_sum_up_each_function(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "etl.py")
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri)))
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [  # type: ignore[union-attr]
        (5, "1 source → 1 sink"),
        (11, "1 source"),
        (16, "1 sink"),
    ]
    command = lenses[0].command  # type: ignore[index]
    assert command.command == "flowscan.showDataFlow"
    assert list(command.arguments) == [{"uri": uri, "function": "export_orders", "line": 5}]


async def test_the_server_offers_its_command(bare: LanguageClient, project: Path) -> None:
    result = await start(bare, project)
    provider = result.capabilities.execute_command_provider
    assert provider is not None and list(provider.commands) == ["flowscan.dataFlow"]
    assert result.capabilities.code_lens_provider is not None
