"""The rule language: the Lark grammar of `.fsr` files and its typed parse."""
