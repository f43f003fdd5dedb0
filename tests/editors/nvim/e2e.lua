-- End-to-end driver, run by tests/editors/test_nvim.py inside a real headless Neovim
-- after the generated init has called require("flowscan").setup{}: waits for the
-- server's diagnostics on the fixture, asks for code actions at a finding, applies the
-- "flowscan: ignore" one as a user would (vim.lsp.buf.code_action with apply), waits for
-- the buffer to change and the finding to go, asks for the data-flow diagram, and
-- writes what it saw to $FLOWSCAN_E2E_OUT as JSON. Assertions are in the pytest.

local out_path = assert(vim.env.FLOWSCAN_E2E_OUT, "FLOWSCAN_E2E_OUT not set")
local rule = vim.env.FLOWSCAN_E2E_RULE or "python.pandas.to-sql"
local timeout = tonumber(vim.env.FLOWSCAN_E2E_TIMEOUT_MS or "30000")
local result = { steps = {} }

local function step(name)
  result.steps[#result.steps + 1] = name
end

local function write_result()
  local file = assert(io.open(out_path, "w"))
  file:write(vim.json.encode(result))
  file:close()
end

local function code_of(d)
  if d.code ~= nil then
    return d.code
  end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code or nil
end

local function snapshot_diagnostics(bufnr)
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    items[#items + 1] = {
      code = code_of(d),
      message = d.message,
      source = d.source,
      severity = d.severity,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      href = lsp.codeDescription and lsp.codeDescription.href or vim.NIL,
    }
  end
  table.sort(items, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return items
end

local function find_diagnostic(bufnr)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == rule then
      return d
    end
  end
  return nil
end

-- the inline suppression of `rule`: its title names the comment it writes ("flowscan:
-- ignore") or says "Suppress <rule>", or its data names the template; and it is for
-- `rule` (several findings share the line: the safeguard rules flag the same write)
local function is_suppression(action)
  local data = type(action.data) == "table" and action.data or {}
  local suppresses = action.title:find("flowscan: ignore", 1, true) ~= nil
    or action.title:find("^Suppress ") ~= nil
    or data.template == "suppress"
  if not suppresses then
    return false
  end
  if data.rule == rule or action.title:find(rule, 1, true) then
    return true
  end
  for _, d in ipairs(action.diagnostics or {}) do
    if d.code == rule then
      return true
    end
  end
  return false
end

local function run()
  local flowscan = require("flowscan")
  local bufnr = vim.api.nvim_get_current_buf()
  local v = vim.version()
  result.nvim_version = string.format("%d.%d.%d", v.major, v.minor, v.patch)
  result.api = flowscan.api()
  result.filetype = vim.bo[bufnr].filetype

  -- 1. the server starts and attaches to the fixture
  local attached = vim.wait(timeout, function()
    local client = flowscan.client(bufnr)
    return client ~= nil and client.initialized == true
  end, 20)
  local client = flowscan.client(bufnr)
  if not attached or client == nil then
    error("the flowscan client did not attach to " .. vim.api.nvim_buf_get_name(bufnr))
  end
  step("attached")
  result.client = {
    name = client.name,
    root_dir = client.config.root_dir,
    cmd = client.config.cmd,
    init_options = client.config.init_options,
    offset_encoding = client.offset_encoding,
    code_action_provider = client.server_capabilities.codeActionProvider ~= nil,
  }

  -- 2. its diagnostics arrive
  if not vim.wait(timeout, function()
    return find_diagnostic(bufnr) ~= nil
  end, 20) then
    result.diagnostics = snapshot_diagnostics(bufnr)
    error("no " .. rule .. " diagnostic within " .. timeout .. " ms")
  end
  step("diagnostics")
  result.diagnostics = snapshot_diagnostics(bufnr)
  local target = find_diagnostic(bufnr)

  -- 3. code actions at the finding
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local lsp_diag = target.user_data and target.user_data.lsp
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_diag and lsp_diag.range or {
      start = { line = target.lnum, character = target.col },
      ["end"] = { line = target.end_lnum, character = target.end_col },
    },
    context = { diagnostics = lsp_diag and { lsp_diag } or {}, triggerKind = 1 },
  }
  local response, err = client:request_sync("textDocument/codeAction", params, timeout, bufnr)
  if err or not response or response.err then
    error("textDocument/codeAction failed: " .. vim.inspect(err or (response and response.err)))
  end
  result.actions = {}
  for _, action in ipairs(response.result or {}) do
    result.actions[#result.actions + 1] = {
      title = action.title,
      kind = action.kind,
      suppression = is_suppression(action),
    }
  end
  step("code actions")

  -- 4. apply the suppression the way a user does
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  result.lines_before = before
  local chosen = nil
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      if chosen == nil and is_suppression(action) then
        chosen = action.title
        return true
      end
      return false
    end,
  })
  if not vim.wait(timeout, function()
    return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick
  end, 20) then
    error("applying the code action did not change the buffer")
  end
  result.applied = chosen
  result.lines_after = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  step("applied")

  -- 5. the server re-diagnoses the edited buffer: the suppressed finding goes
  result.suppressed = vim.wait(timeout, function()
    return find_diagnostic(bufnr) == nil
  end, 20)
  result.diagnostics_after = snapshot_diagnostics(bufnr)
  step("re-diagnosed")

  -- 6. the data-flow diagram of the workspace, shown in a scratch buffer
  flowscan.dataflow(nil, bufnr)
  local shown = vim.wait(timeout, function()
    return vim.fn.bufnr("flowscan://dataflow/workspace") ~= -1
  end, 20)
  if shown then
    local flow = vim.fn.bufnr("flowscan://dataflow/workspace")
    result.dataflow = {
      filetype = vim.bo[flow].filetype,
      lines = vim.api.nvim_buf_get_lines(flow, 0, -1, false),
    }
    step("data flow")
  end
  -- 7. a code lens above a function that reads and writes data runs the plugin's
  -- flowscan.showDataFlow for its file
  local lens_file = vim.env.FLOWSCAN_E2E_LENS_FILE
  if lens_file then
    vim.cmd.edit(vim.fn.fnameescape(lens_file))
    local lens_buf = vim.api.nvim_get_current_buf()
    local lenses = {}
    vim.wait(timeout, function()
      if flowscan.client(lens_buf) == nil then
        return false
      end
      vim.lsp.codelens.refresh({ bufnr = lens_buf })
      lenses = vim.lsp.codelens.get(lens_buf)
      return #lenses > 0 and lenses[1].command ~= nil
    end, 200)
    result.lenses = {}
    for _, lens in ipairs(lenses) do
      result.lenses[#result.lenses + 1] = {
        line = lens.range.start.line,
        title = lens.command and lens.command.title,
        command = lens.command and lens.command.command,
      }
    end
    if #lenses > 0 then
      vim.api.nvim_win_set_cursor(0, { lenses[1].range.start.line + 1, 0 })
      vim.lsp.codelens.run()
      local name = "flowscan://dataflow/" .. vim.api.nvim_buf_get_name(lens_buf)
      if vim.wait(timeout, function()
        return vim.fn.bufnr(name) ~= -1
      end, 20) then
        result.lens_dataflow = vim.api.nvim_buf_get_lines(vim.fn.bufnr(name), 0, -1, false)
      end
    end
    step("code lens")
  end
  result.messages = vim.api.nvim_exec2 and vim.api.nvim_exec2("messages", { output = true }).output or nil
end

local ok, err = xpcall(run, debug.traceback)
result.ok = ok
if not ok then
  result.error = tostring(err)
  result.log = vim.lsp.get_log_path and vim.lsp.get_log_path() or nil
end
write_result()
vim.cmd("qa!")
