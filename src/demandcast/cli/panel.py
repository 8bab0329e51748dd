"""The `demandcast panel` command (being written)."""
