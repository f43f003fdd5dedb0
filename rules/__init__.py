"""Built-in rule packs (`.fsr` data) and where to find them."""
