"""The flowscan language server (pygls): `flowscan lsp` runs it over stdio.

One module per feature (diagnostics, hover, code actions, workspace, data flow, rule
files), registered by `flowscan.lsp.server`; state lives on the server object.
"""
