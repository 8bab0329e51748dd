"""The `demandcast generate` command (being written)."""
