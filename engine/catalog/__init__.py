"""The catalog of a repository's datasets and schemas (see `model` for what it holds)."""
