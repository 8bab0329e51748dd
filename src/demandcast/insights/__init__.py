"""A council's own questions of its data: how costs evolve, where demand concentrates, how services are provided.

Pure functions from the monthly ward panel (and the ward table) to tables; `report` writes them,
with charts and a markdown summary, after disclosure control.
"""
