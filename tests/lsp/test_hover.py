"""Hover on a finding: what it is, and where its data goes or comes from."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsphelpers import diagnostics_for, open_document, start
from lsprotocol import types
from pytest_lsp import LanguageClient

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )


async def test_hover_on_a_source_says_what_it_reads_and_where_the_data_goes(
    client: LanguageClient, shared: Path
) -> None:
    uri = open_document(client, shared / "etl.py")
    result = await hover(client, uri, 6, 20)  # on read_csv
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    assert result.range == types.Range(types.Position(6, 13), types.Position(6, 43))
    text = result.contents.value
    assert "`lsptest.pandas.read-csv` — source · file · pandas" in text
    assert "reads data/orders.csv with pandas" in text
    assert "| file | `data/orders.csv` | read |" in text
    assert "In function `export_orders`." in text
    assert "**Data goes to**" in text
    assert "- line 9: writes out/orders.parquet as Parquet (`lsptest.pandas.to-parquet`)" in text
    assert "via line 8 `orders = orders[orders[\"day\"] == day]`" in text


async def test_hover_on_a_sink_says_where_its_data_came_from(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "etl.py")
    result = await hover(client, uri, 8, 12)  # on to_parquet
    assert result is not None
    text = result.contents.value  # type: ignore[union-attr]
    assert "`lsptest.pandas.to-parquet` — sink · file · pandas" in text
    assert "**Data comes from**" in text
    assert "- line 7: reads data/orders.csv with pandas (`lsptest.pandas.read-csv`)" in text


async def test_hover_away_from_findings_is_empty(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "etl.py")
    assert await hover(client, uri, 0, 3) is None


async def test_hover_follows_the_latest_text(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "report.py")
    await diagnostics_for(client, uri, 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(0, 0), types.Position(0, 0)), text="\n\n")],
        )
    )
    # asked right away: the answer waits for version 2, where the read is on line 6
    result = await hover(client, uri, 6, 20)
    assert result is not None and "read-csv" in result.contents.value  # type: ignore[union-attr]


async def test_hover_names_other_files_that_touch_the_same_dataset(bare: LanguageClient, project: Path) -> None:
    # report.py writes out/weekly.parquet and reads out/orders.csv; a new job reads what report writes
    (project / "publish.py").write_text(
        "import pandas as pd\n\ndef publish():\n    weekly = pd.read_csv('out/weekly.parquet')\n"
    )
    await start(bare, project, workspaceScan=True)
    uri = open_document(bare, project / "publish.py")
    await diagnostics_for(bare, uri, 1)
    for _ in range(200):  # the background scan runs after start-up
        result = await hover(bare, uri, 3, 20)
        if result is not None and "Elsewhere" in result.contents.value:  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.05)
    assert result is not None
    assert "- `weekly` in report.py:6 writes `out/weekly.parquet`" in result.contents.value  # type: ignore[union-attr]


async def test_hover_shows_what_the_catalog_knows_of_the_dataset_and_follows_a_saved_migration(
    bare: LanguageClient, project: Path
) -> None:
    (project / "db").mkdir()
    (project / "db" / "V1__sales.sql").write_text(
        "CREATE TABLE sales (\n    id BIGINT PRIMARY KEY,\n    total NUMERIC(10, 2) NOT NULL\n);\n"
    )
    await start(bare, project, workspaceScan=True)
    uri = open_document(bare, project / "etl.py")
    await diagnostics_for(bare, uri, 1)

    async def hover_text() -> str:
        result = await hover(bare, uri, 17, 20)  # cur.execute("INSERT INTO sales ...")
        return result.contents.value if result is not None else ""  # type: ignore[union-attr]

    for _ in range(200):  # the catalog is built once the background scan is done
        text = await hover_text()
        if "**Table** `sales`" in text:
            break
        await asyncio.sleep(0.05)
    assert "**Table** `sales` — db/V1__sales.sql:1 (ddl)" in text
    assert "- `total` NUMERIC(10, 2) not null" in text

    migration = project / "db" / "V2__sales_day.sql"
    migration.write_text("ALTER TABLE sales ADD COLUMN day DATE NOT NULL;\n")
    bare.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(migration.as_uri())))
    for _ in range(200):
        text = await hover_text()
        if "- `day` DATE not null" in text:
            break
        await asyncio.sleep(0.05)
    assert "- `day` DATE not null" in text
