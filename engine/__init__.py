"""flowscan: maps where a codebase's data comes from, what happens to it, and where it goes."""

__version__ = "0.1.0"
