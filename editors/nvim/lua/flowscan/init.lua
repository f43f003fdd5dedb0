-- flowscan for Neovim: registers the `flowscan lsp` language server.
--
--   require("flowscan").setup({
--     cmd = { "flowscan", "lsp" },
--     filetypes = { "python", "go", "java", "rust", "sql", "flowscan" },
--     settings = { rules = { "ci/rules" }, severity = { ["python.pandas.to-sql"] = "warning" } },
--   })
--
-- Neovim 0.11 and later: vim.lsp.config("flowscan", ...) + vim.lsp.enable("flowscan").
-- Neovim 0.8 to 0.10: a FileType autocmd that calls vim.lsp.start with the root found
-- from root_markers. See :help flowscan.

local M = {}

M.name = "flowscan"

M.defaults = {
  cmd = { "flowscan", "lsp" },
  filetypes = { "python", "go", "java", "rust", "sql", "flowscan" },
  -- searched upwards from the file, in this order: the first marker found wins
  root_markers = { "flowscan.toml", "pyproject.toml", ".git" },
  -- the server's settings: initializationOptions, and the `flowscan` section of
  -- workspace/configuration and workspace/didChangeConfiguration
  settings = {
    rules = {},
    severity = {},
    diagnostics = { workspace = false },
  },
  -- refresh code lenses ("2 sources → 1 sink") when the server offers them
  codelens = true,
  on_attach = nil,
  capabilities = nil,
}

--- Which registration API this Neovim has: "config" (vim.lsp.config/enable, 0.11+) or
--- "start" (vim.lsp.start, 0.8-0.10).
function M.api()
  if type(vim.lsp.enable) == "function" and vim.lsp.config ~= nil then
    return "config"
  end
  return "start"
end

local function get_clients(filter)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  -- Neovim 0.8-0.9
  return vim.lsp.get_active_clients(filter)
end

--- The flowscan client attached to `bufnr` (default: current buffer), if any.
function M.client(bufnr)
  return get_clients({ name = M.name, bufnr = bufnr or vim.api.nvim_get_current_buf() })[1]
end

local function request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- The server's settings from the user's: defaults filled in, severity kept a JSON
--- object even when empty (an empty Lua table would be sent as []).
function M.server_settings(settings)
  local s = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults.settings), settings or {})
  if type(s.severity) ~= "table" or next(s.severity) == nil then
    s.severity = vim.empty_dict()
  end
  if type(s.rules) ~= "table" then
    s.rules = { s.rules }
  end
  -- `~` and $VARS are the user's; a relative path stays relative: the server takes it
  -- from the workspace root
  s.rules = vim.tbl_map(function(path)
    return vim.fn.expand(path)
  end, s.rules)
  return s
end

--- The root directory of `path`: the directory of the first of `markers` found upwards
--- (in marker order), else the file's directory, else the working directory.
function M.root_dir(path, markers)
  local start = (path ~= nil and path ~= "") and vim.fs.dirname(path) or vim.fn.getcwd()
  for _, marker in ipairs(markers or M.defaults.root_markers) do
    local found = vim.fs.find(marker, { path = start, upward = true })[1]
    if found then
      return vim.fs.dirname(found)
    end
  end
  return start
end

--- Shows the Mermaid text of a flowscan/dataFlow answer in a scratch split.
function M.show_dataflow(result, scope)
  local mermaid = type(result) == "string" and result or (type(result) == "table" and result.mermaid)
  if type(mermaid) ~= "string" then
    vim.notify("flowscan: flowscan/dataFlow returned no diagram", vim.log.levels.ERROR)
    return nil
  end
  local name = "flowscan://dataflow/" .. (scope or "workspace")
  local buf = vim.fn.bufnr(name)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].buftype = "nofile"
    vim.bo[buf].bufhidden = "hide"
    vim.bo[buf].swapfile = false
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(mermaid, "\n", { trimempty = true }))
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = "mermaid"
  if vim.fn.bufwinid(buf) == -1 then
    vim.cmd("botright vsplit")
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

--- Sends flowscan/dataFlow for the workspace (no uri) or one file and shows the answer.
function M.dataflow(uri, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = M.client(bufnr) or get_clients({ name = M.name })[1]
  if not client then
    vim.notify("flowscan: the language server is not running", vim.log.levels.ERROR)
    return
  end
  local params = vim.empty_dict()
  if uri then
    params = { uri = uri }
  end
  request(client, "flowscan/dataFlow", params, function(err, result)
    if err then
      vim.notify("flowscan: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    M.show_dataflow(result, uri and vim.uri_to_fname(uri) or "workspace")
  end, bufnr)
end

-- The code lens command: arguments are [uri] or [{uri = ...}] (none: the workspace).
local function dataflow_command(command, ctx)
  local arg = command.arguments and command.arguments[1]
  local uri = type(arg) == "string" and arg or (type(arg) == "table" and arg.uri or nil)
  M.dataflow(uri, ctx and ctx.bufnr)
end

local function on_attach(opts)
  return function(client, bufnr)
    if opts.codelens and client.server_capabilities.codeLensProvider then
      local group = vim.api.nvim_create_augroup("flowscan.codelens." .. bufnr, { clear = true })
      local refresh = function()
        if vim.fn.has("nvim-0.10") == 1 then
          vim.lsp.codelens.refresh({ bufnr = bufnr })
        elseif vim.api.nvim_get_current_buf() == bufnr then
          vim.lsp.codelens.refresh()
        end
      end
      vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost" }, {
        group = group,
        buffer = bufnr,
        callback = refresh,
      })
      refresh()
    end
    if opts.on_attach then
      opts.on_attach(client, bufnr)
    end
  end
end

--- The client configuration handed to vim.lsp.config (0.11+) or vim.lsp.start.
function M.client_config(opts)
  local settings = M.server_settings(opts.settings)
  return {
    name = M.name,
    cmd = opts.cmd,
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
    init_options = settings,
    settings = { flowscan = settings },
    commands = { ["flowscan.showDataFlow"] = dataflow_command },
    capabilities = opts.capabilities,
    on_attach = on_attach(opts),
  }
end

local function start_in(bufnr, config, opts)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local start_config = vim.tbl_extend("force", config, {
    root_dir = M.root_dir(vim.api.nvim_buf_get_name(bufnr), opts.root_markers),
  })
  start_config.root_markers = nil
  start_config.filetypes = nil
  vim.lsp.start(start_config, { bufnr = bufnr })
end

local function user_commands()
  vim.api.nvim_create_user_command("FlowscanDataFlow", function(cmd)
    if cmd.args == "file" then
      M.dataflow(vim.uri_from_bufnr(0))
    else
      M.dataflow(nil)
    end
  end, {
    nargs = "?",
    complete = function()
      return { "workspace", "file" }
    end,
    desc = "flowscan: show the data-flow diagram (Mermaid) of the workspace or of this file",
  })
end

--- Registers the server. Options: see M.defaults and :help flowscan-setup.
function M.setup(user)
  local opts = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), user or {})
  -- lists replace the defaults instead of merging index by index
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if user and user[key] then
      opts[key] = user[key]
    end
  end
  if user and user.settings and user.settings.rules then
    opts.settings.rules = user.settings.rules
  end
  M.options = opts
  local config = M.client_config(opts)
  user_commands()
  -- as ftdetect/fsr.lua does, for plugin managers that add the plugin after startup
  vim.filetype.add({ extension = { fsr = "flowscan" } })

  if M.api() == "config" then
    vim.lsp.config(M.name, config)
    vim.lsp.enable(M.name)
    return "config"
  end

  local group = vim.api.nvim_create_augroup("flowscan.lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = opts.filetypes,
    callback = function(event)
      start_in(event.buf, config, opts)
    end,
    desc = "flowscan: start or attach the language server",
  })
  -- buffers opened before setup()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype) then
      start_in(bufnr, config, opts)
    end
  end
  return "start"
end

return M
