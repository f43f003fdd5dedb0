-- flowscan rule files (.fsr): `#` comments, two-space blocks
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = "# %s"
vim.bo.comments = ":#"
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
-- rule ids and metavariables are words: python.pandas.read-file, $$$ARGS
vim.opt_local.iskeyword:append({ ".", "-", "$" })

vim.b.undo_ftplugin = "setlocal commentstring< comments< expandtab< shiftwidth< softtabstop< iskeyword<"
