-- flowscan rule files
vim.filetype.add({ extension = { fsr = "flowscan" } })
