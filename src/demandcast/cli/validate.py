"""The `demandcast validate` command (being written)."""
