"""pytest-lsp set-up: the tests start the real server (`python -m flowscan lsp`) and play the client.

The server runs the rules of tests/lsp/fixtures/rules only (built-in packs change under
these tests), on a copy of tests/lsp/fixtures/project in a temporary workspace.

`client` is one server per test module, on a copy of the project (`shared`) that its tests
only read (each opens its documents under names of its own); `bare` is a server per test,
which the test initializes itself (its own settings, capabilities, or files it changes in
`project`). Starting a server costs about a second, so sharing keeps the suite short.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsphelpers import CONFIG, FIXTURES, start
from pytest_lsp import LanguageClient


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", root)
    return root


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shared") / "project"
    shutil.copytree(FIXTURES / "project", root)
    return root


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, shared: Path):
    await start(lsp_client, shared)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, loop_scope="module")
async def bare(lsp_client: LanguageClient):
    """A client that has not initialized the server: the test does, with its own settings."""
    yield
    await lsp_client.shutdown_session()
